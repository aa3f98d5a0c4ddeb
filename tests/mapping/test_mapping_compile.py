"""Compiled mappings: what they produce, and the structured error for a bad record."""

from __future__ import annotations

import json
import shutil
from decimal import Decimal
from pathlib import Path

import pytest

from hub.errors import MappingError, TradeHubError
from hub.mapping import CompiledMapping, RecordMappingError, load_mapping, load_mapping_dir

EXAMPLES = Path(__file__).resolve().parents[2] / "mappings" / "examples"


def write(tmp_path: Path, text: str, name: str = "m.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


ORDER = EXAMPLES / "sales_order.yaml"


def remote_order(**changes: object) -> dict[str, object]:
    order: dict[str, object] = {
        "order_no": "SO-1", "customer": {"code": "C-9"}, "date": "05.03.2024",
        "currency": " usd ", "fx": "7.1", "terms": {"incoterm": "离岸价", "pol": "Ningbo"},
        "status": "已审核", "paid": "100.00", "confirmed_ms": 1709251200123,
        "items": [{"pos": 10, "article": " led-9w ", "qty": 800, "price": "1.85",
                   "uom": "pcs"},
                  {"pos": 20, "article": "led-5w", "qty": 200.5, "price": "0.99999",
                   "uom": "BOX"}]}
    order.update(changes)
    return order


def test_a_sales_order_with_lines_maps_inbound() -> None:
    m = load_mapping(ORDER)
    got = m.to_canonical(remote_order())
    assert got["currency"] == "USD" and got["incoterm"] == "FOB" and got["status"] == "confirmed"
    assert got["paid_amount_base"] == Decimal("710.00")
    assert got["confirmed_at"].isoformat() == "2024-03-01T00:00:00.123000+00:00"
    assert got["lines"] == [
        {"line_key": "10", "sku": "LED-9W", "description": None, "quantity": Decimal("800"),
         "unit_price": Decimal("1.8500"), "unit": "pcs", "delivery_date": None},
        {"line_key": "20", "sku": "LED-5W", "description": None, "quantity": Decimal("200.5"),
         "unit_price": Decimal("1.0000"), "unit": "pcs", "delivery_date": None}]


def test_outbound_renders_json_ready_values() -> None:
    m = load_mapping(ORDER)
    canonical = m.to_canonical(remote_order())
    out = m.to_remote(canonical)
    json.dumps(out)  # nothing but JSON types
    assert out["date"] == "05.03.2024" and out["terms"] == {"incoterm": "FOB", "pol": "Ningbo",
                                                             "pod": None}
    assert out["items"][0] == {"pos": 10, "article": "LED-9W", "text": None, "qty": 800,
                               "price": "1.8500", "uom": "PCS", "delivery": None}
    assert out["confirmed_ms"] == 1709251200123 and "paid_amount_base" not in json.dumps(out)


def test_a_bad_line_names_the_line_the_field_and_the_rule() -> None:
    m = load_mapping(ORDER)
    bad = remote_order(items=[{"pos": 1, "article": "A", "qty": 1, "price": "1"},
                              {"pos": 2, "article": "B", "qty": 1, "price": "one"}])
    with pytest.raises(RecordMappingError) as info:
        m.to_canonical(bad)
    err = info.value
    assert isinstance(err, TradeHubError) and err.code == "record-mapping-error"
    assert err.field == "lines[1].unit_price"
    assert err.rule == f"{ORDER}:76:5"
    assert err.reason == "'one' is not a decimal number"
    assert str(err) == f"{ORDER}:76:5: inbound 'lines[1].unit_price': 'one' is not a decimal number"


def test_unknown_lookup_values_and_wrong_shapes_are_errors_not_silent_drops() -> None:
    m = load_mapping(ORDER)
    with pytest.raises(RecordMappingError, match="'ZZZ' is not in lookup 'incoterms'") as info:
        m.to_canonical(remote_order(terms={"incoterm": "ZZZ"}))
    assert info.value.field == "incoterm"
    with pytest.raises(RecordMappingError, match="expected a list") as info:
        m.to_canonical(remote_order(items={"pos": 1}))
    assert info.value.field == "lines"
    with pytest.raises(RecordMappingError, match="shape does not fit") as info:
        m.to_canonical(remote_order(terms="FOB"))
    assert info.value.field == "incoterm"
    with pytest.raises(RecordMappingError) as info:
        m.to_remote({**m.to_canonical(remote_order()), "incoterm": "XYZ"})
    assert info.value.direction == "outbound" and "reverse of lookup" in info.value.reason


HOSTILE = '''
entity: customer
connector: test
remote_object: customers
key: {canonical: number, remote: "x\\"); __import__('os'); #"}
fields:
  - {canonical: number, remote: "x\\"); __import__('os'); #"}
  - {canonical: name, remote: "{__import__('os')}"}
  - {canonical: country, remote: "c'); raise SystemExit('"}
  - canonical: city
    remote: "'''+"''"+'''"
    default: "\\"; import os"
'''


def test_field_names_and_constants_are_data_never_code(tmp_path: Path) -> None:
    m = load_mapping(write(tmp_path, HOSTILE))
    record = {"x\"); __import__('os'); #": "C1", "{__import__('os')}": "光明",
              "c'); raise SystemExit('": "CN"}
    got = m.to_canonical(record)
    assert got == {"number": "C1", "name": "光明", "country": "CN", "city": "\"; import os"}
    assert m.to_remote(got)["''"] == "\"; import os"


FIXED = '''
entity: customer
connector: test
remote_object: c
key: {canonical: number, remote: id}
fields:
  - {canonical: number, remote: id}
  - {canonical: name, remote: name}
  - {canonical: country, remote: cc}
  - {canonical: "contacts[0].name", remote: c1}
  - {canonical: "contacts[1].name", remote: c2}
  - {canonical: "contacts[1].email", remote: e2}
  - {canonical: tags, remote: [t1, t2], direction: inbound, inbound: [{concat: ","}, {split: ","}]}
'''


def test_fixed_list_positions_leave_out_empty_items(tmp_path: Path) -> None:
    m = load_mapping(write(tmp_path, FIXED))
    got = m.to_canonical({"id": "1", "name": "n", "cc": "DE", "c2": "Bo", "e2": "b@x.example",
                          "t1": "a", "t2": None})
    assert got["contacts"] == [{"name": "Bo", "email": "b@x.example"}]
    assert got["tags"] == ["a"]
    assert "contacts" not in m.to_canonical({"id": "1", "name": "n", "cc": "DE"})
    out = m.to_remote({"number": "1", "name": "n", "country": "DE",
                       "contacts": [{"name": "A", "email": None}]})
    assert out == {"id": "1", "name": "n", "cc": "DE", "c1": "A", "c2": None, "e2": None}


def test_load_mapping_dir_keys_by_entity_and_reports_every_file(tmp_path: Path) -> None:
    maps = load_mapping_dir(EXAMPLES)
    assert sorted(maps) == ["customer", "sales_order"]
    assert all(isinstance(m, CompiledMapping) for m in maps.values())
    assert maps["customer"].canonical_key == "number" and maps["customer"].remote_key == "id"
    bad_dir = tmp_path / "bad"
    bad_dir.mkdir()
    write(bad_dir, "entity: customer\n", "a.yaml")
    write(bad_dir, "entity: [\n", "b.yaml")
    with pytest.raises(MappingError) as info:
        load_mapping_dir(bad_dir)
    where = [str(i.location) for i in info.value.issues]
    assert where == [f"{bad_dir}/a.yaml:1:1"] * 4 + [f"{bad_dir}/b.yaml:2:1"]
    assert [i.code for i in info.value.issues] == ["missing-key"] * 4 + ["yaml-syntax"]


def test_two_files_for_one_entity_is_an_error(tmp_path: Path) -> None:
    shutil.copytree(EXAMPLES.parent / "lookups", tmp_path / "lookups")
    (tmp_path / "m").mkdir()
    for name in ("one.yaml", "two.yaml"):
        shutil.copy(EXAMPLES / "customer.yaml", tmp_path / "m" / name)
    with pytest.raises(MappingError) as info:
        load_mapping_dir(tmp_path / "m")
    assert [i.code for i in info.value.issues] == ["duplicate-entity"]


def test_composite_keys_join_with_at() -> None:
    m = load_mapping(EXAMPLES.parent / "builtin" / "erp" / "inventory.yaml")
    assert m.canonical_key == "sku@warehouse" and m.remote_key == "sku@wh_code"
    assert m.remote_key_of({"sku": "LED-9W", "wh_code": "SZ-01"}) == "LED-9W@SZ-01"
    assert m.canonical_key_of({"sku": "LED-9W", "warehouse": None}) is None
