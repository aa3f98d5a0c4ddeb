from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from hub.models.base import CanonicalRecord, Quantity, UtcDatetime

ShipmentStatus = Literal["booked", "loaded", "departed", "in_transit", "arrived",
                         "customs_cleared", "delivered"]


class TrackingEvent(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    at: UtcDatetime
    status: ShipmentStatus
    location: str | None = Field(None, max_length=200)
    description: str | None = Field(None, max_length=500)


class ShipmentLine(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sku: str = Field(min_length=1, max_length=60)
    quantity: Quantity


class Shipment(CanonicalRecord):
    entity: ClassVar[str] = "shipment"

    number: str = Field(min_length=1, max_length=40)
    order_number: str = Field(min_length=1, max_length=40)
    carrier: str | None = Field(None, max_length=100)
    bill_of_lading: str | None = Field(None, max_length=60)
    container_numbers: list[str] = Field(default_factory=list)
    vessel: str | None = Field(None, max_length=100)
    port_of_loading: str | None = Field(None, max_length=100)
    port_of_discharge: str | None = Field(None, max_length=100)
    departed_at: UtcDatetime | None = None
    eta: UtcDatetime | None = None
    status: ShipmentStatus = "booked"
    lines: list[ShipmentLine] = Field(default_factory=list)
    events: list[TrackingEvent] = Field(default_factory=list)
