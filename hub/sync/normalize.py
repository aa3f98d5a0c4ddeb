"""One JSON form for canonical values, so that equal means equal.

Two systems may say ``1000.5`` and ``1000.50``, or ``+08:00`` and ``Z`` for the same
instant; the hub compares, hashes and stores the normalised form, so echo
suppression and field diffs are not fooled by notation.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import date, datetime, timezone
from decimal import Decimal
from typing import Any

from pydantic import BaseModel

JsonValue = Any
CanonicalJson = dict[str, JsonValue]


def normalise(value: Any) -> JsonValue:
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, Decimal):
        if value == value.to_integral_value():
            return str(value.quantize(Decimal(1)))
        return format(value.normalize(), "f")
    if isinstance(value, float):
        return normalise(Decimal(repr(value)))
    if isinstance(value, datetime):
        return value.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, BaseModel):
        return normalise(value.model_dump())
    if isinstance(value, Mapping):
        return {str(k): normalise(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [normalise(v) for v in value]
    if isinstance(value, (set, frozenset)):
        return sorted(normalise(v) for v in value)
    raise TypeError(f"cannot normalise {type(value).__name__}")


def canonical_json(record: BaseModel, fields: frozenset[str] | None = None) -> CanonicalJson:
    """The record's fields (all, or ``fields``) in normalised JSON, hub bookkeeping left out."""
    data = record.model_dump(exclude={"hub_id", "updated_at"})
    if fields is not None:
        data = {k: v for k, v in data.items() if k in fields}
    return normalise(data)  # type: ignore[no-any-return]


def content_hash(data: CanonicalJson) -> str:
    encoded = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.blake2b(encoded.encode(), digest_size=20).hexdigest()
