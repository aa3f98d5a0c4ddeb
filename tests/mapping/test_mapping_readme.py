"""The format documentation's worked examples are the shipped files, and their outputs
are what the mappings really produce."""

from __future__ import annotations

import json
import re
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from hub.mapping import load_mapping

MAPPINGS = Path(__file__).resolve().parents[2] / "mappings"
README = (MAPPINGS / "README.md").read_text(encoding="utf-8")
BLOCKS = re.findall(r"```(\w+)\n(.*?)```", README, flags=re.S)


def _jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    return value


def test_the_worked_examples_are_the_shipped_files_verbatim() -> None:
    yaml_blocks = [text for lang, text in BLOCKS if lang == "yaml"]
    for name in ("customer.yaml", "sales_order.yaml"):
        assert (MAPPINGS / "examples" / name).read_text(encoding="utf-8") in yaml_blocks, name


def test_the_documented_outputs_are_what_the_mappings_produce() -> None:
    partner, customer, order_in, order_out = [json.loads(text) for lang, text in BLOCKS
                                              if lang == "json"]
    got = load_mapping(MAPPINGS / "examples" / "customer.yaml").to_canonical(partner)
    assert _jsonable(got) == customer
    got = load_mapping(MAPPINGS / "examples" / "sales_order.yaml").to_canonical(order_in)
    assert _jsonable(got) == order_out
