from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from hub.models.base import (
    CanonicalRecord,
    CurrencyCode,
    Incoterm,
    NonNegativeAmount,
    PaymentTerms,
    Quantity,
    UtcDatetime,
)

OrderStatus = Literal[
    "draft", "confirmed", "in_production", "partially_shipped", "shipped", "delivered",
    "cancelled",
]
PaymentStatus = Literal["unpaid", "partial", "paid", "overdue"]


class SalesOrderLine(BaseModel):
    """Lines are matched by ``line_key``, never by position."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    line_key: str = Field(min_length=1, max_length=64)
    sku: str = Field(min_length=1, max_length=60)
    description: str | None = Field(None, max_length=300)
    quantity: Quantity
    unit_price: NonNegativeAmount
    unit: str = Field("pcs", max_length=20)
    delivery_date: date | None = None
    shipped_quantity: Quantity = Decimal(0)

    @property
    def amount(self) -> Decimal:
        return self.quantity * self.unit_price


class SalesOrder(CanonicalRecord):
    entity: ClassVar[str] = "sales_order"

    number: str = Field(min_length=1, max_length=40)
    customer_hub_id: str | None = Field(None, max_length=64)
    customer_number: str | None = Field(None, max_length=40)
    order_date: date
    currency: CurrencyCode
    fx_rate_to_base: Decimal | None = Field(
        None, gt=0, description="Units of base currency per unit of the order currency."
    )
    incoterm: Incoterm | None = None
    payment_terms: PaymentTerms | None = None
    port_of_loading: str | None = Field(None, max_length=100)
    port_of_discharge: str | None = Field(None, max_length=100)
    status: OrderStatus = "draft"
    payment_status: PaymentStatus = "unpaid"
    paid_amount: NonNegativeAmount = Decimal(0)
    paid_amount_base: NonNegativeAmount | None = None
    requested_delivery: date | None = None
    lines: list[SalesOrderLine] = Field(default_factory=list)
    notes: str | None = Field(None, max_length=2000)
    confirmed_at: UtcDatetime | None = None
    archived: bool = False

    @model_validator(mode="after")
    def _line_keys_unique(self) -> SalesOrder:
        keys = [line.line_key for line in self.lines]
        duplicates = sorted({k for k in keys if keys.count(k) > 1})
        if duplicates:
            raise ValueError(f"lines: duplicate line_key {duplicates}")
        return self

    @property
    def total(self) -> Decimal:
        return sum((line.amount for line in self.lines), Decimal(0))
