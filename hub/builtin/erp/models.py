"""What a client may write to the ERP, in the ERP's own vocabulary."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from hub.builtin.common.types import (
    Code,
    Country,
    Currency,
    HsCode,
    Money,
    Name,
    Qty,
    Rate,
    Text,
    Timestamp,
)
from hub.models.base import Email

Incoterm = Literal["EXW", "FCA", "FAS", "FOB", "CFR", "CIF", "CPT", "CIP", "DAP", "DPU", "DDP"]
PayTerms = Literal["T/T", "L/C", "D/P", "D/A", "O/A", "CAD"]
SoStatus = Literal["draft", "confirmed", "in_production", "shipped", "delivered", "cancelled"]
ShipStatus = Literal["booked", "loaded", "departed", "in_transit", "arrived", "customs_cleared",
                     "delivered"]
BASE_CURRENCY = "CNY"
DAILY_RATES: dict[str, Decimal] = {
    "USD": Decimal("7.100000"), "EUR": Decimal("7.750000"), "GBP": Decimal("9.050000"),
    "JPY": Decimal("0.048000"), "HKD": Decimal("0.910000"), "AUD": Decimal("4.650000"),
    "CAD": Decimal("5.200000"), "AED": Decimal("1.930000"), "SGD": Decimal("5.300000"),
}
"""The ERP's own rate table (CNY per unit), used for orders entered without a rate."""


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Customer(Strict):
    cust_no: Code
    cust_name: Name
    cust_name_local: str | None = Field(None, max_length=200)
    country: Country
    city: str | None = Field(None, max_length=100)
    address: str | None = Field(None, max_length=500)
    tax_no: str | None = Field(None, max_length=60)
    contact_person: str | None = Field(None, max_length=200)
    contact_email: Email | None = None
    contact_phone: str | None = Field(None, max_length=40)
    currency: Currency = "USD"
    payment_terms: PayTerms | None = None
    incoterm: Incoterm | None = None
    credit_limit: Money | None = None
    sales_rep: str | None = Field(None, max_length=100)


class Item(Strict):
    sku: Code
    item_name: Name
    item_name_cn: str | None = Field(None, max_length=200)
    hs_code: HsCode | None = None
    uom: str = Field("pcs", max_length=20)
    category: str | None = Field(None, max_length=100)
    std_price: Money | None = None
    price_ccy: Currency = "USD"
    net_wt_kg: Qty | None = None
    gross_wt_kg: Qty | None = None
    pcs_per_ctn: int | None = Field(None, ge=1)
    moq: int | None = Field(None, ge=1)
    supplier: str | None = Field(None, max_length=200)


class Warehouse(Strict):
    wh_code: Code
    wh_name: Name
    country: Country
    city: str | None = Field(None, max_length=100)
    overseas: bool = False


class Stock(Strict):
    sku: Code
    wh_code: Code
    on_hand: Qty = Decimal(0)
    in_transit: Qty = Decimal(0)
    bin_location: str | None = Field(None, max_length=40)


class SoLine(Strict):
    line_key: Code
    sku: Code
    qty: Qty = Field(gt=0)
    price: Money
    uom: str = Field("pcs", max_length=20)
    wh_code: Code | None = Field(None, description="Reserve from this warehouse first.")
    delivery_date: date | None = None


class SalesOrder(Strict):
    so_no: Code
    cust_no: Code
    order_date: date
    currency: Currency
    fx_rate: Rate | None = Field(None, description="CNY per unit of the order currency.")
    incoterm: Incoterm | None = None
    pay_terms: PayTerms | None = None
    pay_days: int = Field(30, ge=0, le=365)
    pol: str | None = Field(None, max_length=100)
    pod: str | None = Field(None, max_length=100)
    status: SoStatus = "draft"
    crm_doc_no: Code | None = None
    remark: Text | None = None
    lines: list[SoLine] = Field(min_length=1)

    @model_validator(mode="after")
    def _consistent(self) -> SalesOrder:
        if self.fx_rate is None:
            if self.currency == BASE_CURRENCY:
                self.fx_rate = Decimal("1.000000")
            elif self.currency in DAILY_RATES:
                self.fx_rate = DAILY_RATES[self.currency]
            else:
                raise ValueError(f"fx_rate is required for {self.currency}: the ERP has no "
                                 "daily rate for it")
        keys = [line.line_key for line in self.lines]
        duplicates = sorted({k for k in keys if keys.count(k) > 1})
        if duplicates:
            raise ValueError(f"duplicate line_key {duplicates}")
        return self


class PurchaseRequest(Strict):
    pr_no: Code
    sku: Code
    qty: Qty = Field(gt=0)
    wh_code: Code | None = None
    so_no: Code | None = None
    reason: str | None = Field(None, max_length=500)
    needed_by: date | None = None
    requested_by: str | None = Field(None, max_length=100)
    status: Literal["pending", "approved", "rejected"] = "pending"
    decided_by: str | None = Field(None, max_length=100)
    oa_form_no: Code | None = None


class PurchaseOrder(Strict):
    po_no: Code
    sku: Code
    qty: Qty = Field(gt=0)
    wh_code: Code
    supplier: str | None = Field(None, max_length=200)
    pr_no: Code | None = None
    unit_cost: Money | None = None
    currency: Currency = BASE_CURRENCY
    order_date: date | None = None
    eta: date | None = None
    status: Literal["open", "received", "cancelled"] = "open"


class ShipLine(Strict):
    sku: Code
    qty: Qty


class TrackingEvent(Strict):
    at: Timestamp
    status: ShipStatus
    location: str | None = Field(None, max_length=200)
    remark: str | None = Field(None, max_length=500)


class Shipment(Strict):
    ship_no: Code
    so_no: Code
    carrier: str | None = Field(None, max_length=100)
    bl_no: str | None = Field(None, max_length=60)
    containers: list[str] = Field(default_factory=list)
    vessel: str | None = Field(None, max_length=100)
    voyage: str | None = Field(None, max_length=40)
    pol: str | None = Field(None, max_length=100)
    pod: str | None = Field(None, max_length=100)
    etd: Timestamp | None = None
    eta: Timestamp | None = None
    status: ShipStatus = "booked"
    lines: list[ShipLine] = Field(default_factory=list)
    events: list[TrackingEvent] = Field(default_factory=list)


class NewTrackingEvent(TrackingEvent):
    eta: Timestamp | None = Field(None, description="A revised ETA, if the carrier gave one.")


class Payment(Strict):
    pay_no: Code
    so_no: Code
    cust_no: Code | None = None
    received_on: date
    amount: Money = Field(gt=0)
    currency: Currency
    fx_rate: Rate | None = Field(None, description="CNY per unit of the payment currency "
                                                   "on the day received.")
    method: Literal["T/T", "L/C", "D/P", "D/A", "PayPal", "card", "other"] = "T/T"
    bank_ref: str | None = Field(None, max_length=100)

    @model_validator(mode="after")
    def _rate(self) -> Payment:
        if self.fx_rate is None:
            if self.currency != BASE_CURRENCY:
                raise ValueError(f"fx_rate is required when currency is not {BASE_CURRENCY}")
            self.fx_rate = Decimal("1.000000")
        return self


class Receivable(Strict):
    """Read-only: the ERP keeps one receivable per non-draft sales order."""

    so_no: Code
