"""From a bill-of-lading row (AMS-style CSV or provider JSON) to a canonical TradeRecord.

Both sources first become a ``RawBill`` (strings as the source wrote them), then one
normaliser makes the TradeRecord, so CSV and API imports agree on every rule.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from pydantic import BaseModel, ValidationError

from connectors.customs.normalize import (
    NormaliseError,
    country_code,
    display_name,
    hs_digits,
    parse_date,
    parse_decimal,
    to_kg,
)
from hub.models import TradeRecord

# Canonical RawBill field → accepted CSV headers (first non-empty wins). The AMS names
# come from the CBP extract tables (header, billgen, consignee, shipper, cargo, tariff);
# the others are the vendor spellings seen in trade-data exports.
CSV_COLUMNS: dict[str, tuple[str, ...]] = {
    "identifier": ("identifier", "record_id", "id"),
    "line": ("description_sequence_number", "harmonized_sequence", "line_number"),
    "arrival_date": ("actual_arrival_date", "arrival_date", "estimated_arrival_date", "date"),
    "importer": ("consignee_name", "importer", "importer_name"),
    "importer_country": ("consignee_country", "importer_country", "destination_country"),
    "exporter": ("shipper_name", "exporter", "exporter_name", "supplier"),
    "exporter_country": ("shipper_country", "exporter_country", "country_of_origin",
                         "origin_country"),
    "hs_code": ("harmonized_number", "hs_code", "hts_code"),
    "description": ("description_text", "description", "product_description"),
    "quantity": ("piece_count", "manifest_quantity", "quantity"),
    "quantity_unit": ("manifest_unit", "quantity_unit", "unit"),
    "weight": ("harmonized_weight", "weight", "gross_weight"),
    "weight_unit": ("harmonized_weight_unit", "weight_unit"),
    "value_usd": ("harmonized_value", "value_usd", "value"),
    "port_of_loading": ("foreign_port_of_lading", "port_of_lading", "port_of_loading"),
    "port_of_discharge": ("port_of_unlading", "port_of_discharge"),
    "bill_of_lading": ("house_bol_number", "master_bol_number", "bill_of_lading", "bol"),
}


class RawBill(BaseModel):
    """One line of a bill of lading, every field as text the source wrote."""

    identifier: str | None = None
    line: str | None = None
    arrival_date: str | None = None
    importer: str | None = None
    importer_country: str | None = None
    exporter: str | None = None
    exporter_country: str | None = None
    hs_code: str | None = None
    description: str | None = None
    quantity: str | None = None
    quantity_unit: str | None = None
    weight: str | None = None
    weight_unit: str | None = None
    value_usd: str | None = None
    port_of_loading: str | None = None
    port_of_discharge: str | None = None
    bill_of_lading: str | None = None

    @property
    def record_id(self) -> str:
        base = (self.identifier or self.bill_of_lading or "").strip()
        if not base:
            raise NormaliseError("row has neither an identifier nor a bill of lading number")
        line = (self.line or "").strip()
        return f"{base}-{line}" if line else base


def csv_header_map(headers: list[str]) -> dict[str, list[str]]:
    """RawBill field → the headers of this file that carry it, in preference order."""
    present = {h.strip().lower(): h for h in headers if h}
    return {field: [present[c] for c in candidates if c in present]
            for field, candidates in CSV_COLUMNS.items()}


def raw_from_csv(row: Mapping[str, str | None], header_map: Mapping[str, list[str]]) -> RawBill:
    values: dict[str, str] = {}
    for field, headers in header_map.items():
        for header in headers:
            value = (row.get(header) or "").strip()
            if value:
                values[field] = value
                break
    return RawBill(**values)


def raw_from_api(obj: Mapping[str, Any]) -> RawBill:
    """The provider's JSON shape (see ``connectors.customs.emulator``)."""
    def party(key: str, field: str) -> str | None:
        value = obj.get(key)
        return str(value.get(field)) if isinstance(value, Mapping) and value.get(field) else None

    def text(key: str) -> str | None:
        value = obj.get(key)
        return None if value is None or value == "" else str(value)

    return RawBill(identifier=text("id"), arrival_date=text("arrival_date"),
                   importer=party("importer", "name"), importer_country=party("importer", "country"),
                   exporter=party("exporter", "name"), exporter_country=party("exporter", "country"),
                   hs_code=text("hs_code"), description=text("description"),
                   quantity=text("quantity"), quantity_unit=text("quantity_unit"),
                   weight=text("weight"), weight_unit=text("weight_unit"),
                   value_usd=text("value_usd"), port_of_loading=text("port_of_lading"),
                   port_of_discharge=text("port_of_unlading"),
                   bill_of_lading=text("bill_of_lading"))


def arrival(raw: RawBill) -> date:
    if not raw.arrival_date:
        raise NormaliseError("arrival date is missing")
    return parse_date(raw.arrival_date)


def to_trade_record(raw: RawBill, *, default_importer_country: str | None = None) -> TradeRecord:
    """Normalise one bill line; ``NormaliseError`` names the field that could not be read."""
    if not raw.importer:
        raise NormaliseError("importer (consignee) name is missing")
    if not raw.hs_code:
        raise NormaliseError("HS code is missing")
    importer_country = raw.importer_country or default_importer_country
    if not importer_country:
        raise NormaliseError("importer country is missing and the source sets no default")
    weight = parse_decimal(raw.weight)
    try:
        return TradeRecord(
            record_id=raw.record_id,
            arrival_date=arrival(raw),
            importer=display_name(raw.importer)[:300],
            importer_country=country_code(importer_country),
            exporter=display_name(raw.exporter)[:300] if raw.exporter else None,
            exporter_country=country_code(raw.exporter_country) if raw.exporter_country else None,
            hs_code=hs_digits(raw.hs_code),
            description=display_name(raw.description)[:1000] if raw.description else None,
            quantity=parse_decimal(raw.quantity),
            quantity_unit=raw.quantity_unit.strip().upper()[:20] if raw.quantity_unit else None,
            weight_kg=to_kg(weight, raw.weight_unit) if weight is not None else None,
            value_usd=parse_decimal(raw.value_usd),
            port_of_loading=display_name(raw.port_of_loading)[:100] if raw.port_of_loading else None,
            port_of_discharge=(display_name(raw.port_of_discharge)[:100]
                               if raw.port_of_discharge else None),
            bill_of_lading=raw.bill_of_lading[:60] if raw.bill_of_lading else None,
        )
    except ValidationError as exc:
        first = exc.errors()[0]
        raise NormaliseError(f"{'.'.join(str(p) for p in first['loc'])}: {first['msg']}") from None
