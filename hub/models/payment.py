from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import ClassVar, Literal

from pydantic import Field

from hub.models.base import Amount, CanonicalRecord, CurrencyCode

PaymentMethod = Literal["T/T", "L/C", "D/P", "D/A", "PayPal", "card", "other"]


class Payment(CanonicalRecord):
    """Money received against an order; base amounts at the day's rate."""

    entity: ClassVar[str] = "payment"

    number: str = Field(min_length=1, max_length=40)
    order_number: str | None = Field(None, max_length=40)
    customer_number: str | None = Field(None, max_length=40)
    received_on: date
    amount: Amount = Field(gt=0)
    currency: CurrencyCode
    fx_rate_to_base: Decimal = Field(gt=0)
    base_currency: CurrencyCode = "CNY"
    base_amount: Amount | None = None
    method: PaymentMethod = "T/T"
    bank_reference: str | None = Field(None, max_length=100)
