from __future__ import annotations

from datetime import date
from typing import ClassVar

from pydantic import Field

from hub.models.base import CanonicalRecord, CountryCode, HsCode, NonNegativeAmount


class TradeRecord(CanonicalRecord):
    """One customs bill-of-lading line: who imported what from whom."""

    entity: ClassVar[str] = "trade_record"

    record_id: str = Field(min_length=1, max_length=80)
    arrival_date: date
    importer: str = Field(min_length=1, max_length=300)
    importer_country: CountryCode
    exporter: str | None = Field(None, max_length=300)
    exporter_country: CountryCode | None = None
    hs_code: HsCode
    description: str | None = Field(None, max_length=1000)
    quantity: NonNegativeAmount | None = None
    quantity_unit: str | None = Field(None, max_length=20)
    weight_kg: NonNegativeAmount | None = None
    value_usd: NonNegativeAmount | None = None
    port_of_loading: str | None = Field(None, max_length=100)
    port_of_discharge: str | None = Field(None, max_length=100)
    bill_of_lading: str | None = Field(None, max_length=60)
