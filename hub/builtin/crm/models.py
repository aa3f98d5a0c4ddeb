"""What a client may write to the CRM, in the CRM's own vocabulary."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from hub.builtin.common.types import (
    Code,
    Country,
    Currency,
    Money,
    Name,
    Qty,
    Text,
    Timestamp,
)
from hub.models.base import Email

Incoterm = Literal["EXW", "FCA", "FAS", "FOB", "CFR", "CIF", "CPT", "CIP", "DAP", "DPU", "DDP"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Contact(Strict):
    full_name: Name
    email: Email | None = None
    phone: str | None = Field(None, max_length=40)
    whatsapp: str | None = Field(None, max_length=40)
    position: str | None = Field(None, max_length=100)
    primary: bool = False


class CustomsProfile(Strict):
    annual_import_usd: Money | None = None
    annual_import_kg: Qty | None = None
    last_shipment_on: date | None = None
    top_hs_codes: list[str] = Field(default_factory=list)
    main_suppliers: list[str] = Field(default_factory=list)
    main_ports: list[str] = Field(default_factory=list, description="Ports of discharge.")


class Account(Strict):
    account_code: Code
    company_name: Name
    legal_name: str | None = Field(None, max_length=300)
    country_code: Country
    city: str | None = Field(None, max_length=100)
    address: str | None = Field(None, max_length=500)
    website: str | None = Field(None, max_length=200)
    industry: str | None = Field(None, max_length=100)
    erp_cust_no: Code | None = None
    account_owner: str | None = Field(None, max_length=100)
    currency: Currency = "USD"
    grade: Literal["A", "B", "C"] | None = None
    credit_limit: Money | None = None
    receivable_status: Literal["clear", "open", "overdue", "on_hold"] | None = None
    receivable_balance: Money | None = None
    tags: list[str] = Field(default_factory=list)
    contacts: list[Contact] = Field(default_factory=list)
    customs_profile: CustomsProfile | None = None


class InquiryLine(Strict):
    product: Name
    qty: Qty | None = None
    uom: str | None = Field(None, max_length=20)


class ConversationEntry(Strict):
    at: Timestamp
    channel: Literal["whatsapp", "email", "phone", "meeting", "web"]
    direction: Literal["in", "out"]
    text: str = Field(max_length=10000)


class Lead(Strict):
    lead_ref: Code
    source: Literal["whatsapp", "email", "customs", "web", "manual", "trade_show"]
    status: Literal["new", "contacted", "qualified", "quoted", "won", "lost"] = "new"
    company: str | None = Field(None, max_length=200)
    contact_name: str | None = Field(None, max_length=200)
    email: Email | None = None
    phone: str | None = Field(None, max_length=40)
    whatsapp_id: str | None = Field(None, max_length=40, pattern=r"^[^\x00-\x1f]*$")
    country_code: Country | None = None
    message: str | None = Field(None, max_length=10000)
    inquiry_items: list[InquiryLine] = Field(default_factory=list)
    hs_codes: list[str] = Field(default_factory=list)
    assigned_rep: str | None = Field(None, max_length=100)
    account_code: Code | None = None
    received_at: Timestamp | None = None
    conversation: list[ConversationEntry] = Field(default_factory=list)


class OrderLine(Strict):
    line_key: Code
    sku: Code
    product_name: str | None = Field(None, max_length=200)
    qty: Qty
    unit_price: Money
    uom: str = Field("pcs", max_length=20)
    available_now: Qty | None = Field(None, description="Stock the rep saw when quoting.")
    lead_time_days: int | None = Field(None, ge=0, le=365)
    delivery_date: date | None = None


class TrackingEvent(Strict):
    at: Timestamp
    status: str = Field(min_length=1, max_length=40)
    location: str | None = Field(None, max_length=200)
    remark: str | None = Field(None, max_length=500)


class Tracking(Strict):
    shipment_no: str | None = Field(None, max_length=60)
    carrier: str | None = Field(None, max_length=100)
    bl_no: str | None = Field(None, max_length=60)
    vessel: str | None = Field(None, max_length=100)
    containers: list[str] = Field(default_factory=list)
    pol: str | None = Field(None, max_length=100)
    pod: str | None = Field(None, max_length=100)
    etd: Timestamp | None = None
    eta: Timestamp | None = None
    status: str | None = Field(None, max_length=40)
    events: list[TrackingEvent] = Field(default_factory=list)


class SalesDoc(Strict):
    """A quote or an order; a quote becomes an order by changing ``doc_type``."""

    doc_no: Code
    doc_type: Literal["quote", "order"]
    account_code: Code
    erp_so_no: Code | None = None
    doc_date: date
    valid_until: date | None = None
    currency: Currency
    incoterm: Incoterm | None = None
    payment_terms: str | None = Field(None, max_length=40)
    pol: str | None = Field(None, max_length=100)
    pod: str | None = Field(None, max_length=100)
    quote_status: Literal["draft", "sent", "accepted", "rejected", "expired"] | None = None
    fulfilment_status: Literal["pending", "confirmed", "in_production", "partially_shipped",
                               "shipped", "delivered", "cancelled"] = "pending"
    payment_status: Literal["unpaid", "partial", "paid", "overdue"] = "unpaid"
    paid_amount: Money = Decimal(0)
    base_currency: Currency = "CNY"
    paid_amount_base: Money | None = None
    tracking: Tracking | None = None
    owner: str | None = Field(None, max_length=100)
    notes: Text | None = None
    lines: list[OrderLine] = Field(default_factory=list)

    @model_validator(mode="after")
    def _unique_line_keys(self) -> SalesDoc:
        keys = [line.line_key for line in self.lines]
        duplicates = sorted({k for k in keys if keys.count(k) > 1})
        if duplicates:
            raise ValueError(f"duplicate line_key {duplicates}")
        return self


class Ticket(Strict):
    ticket_no: Code
    account_code: Code | None = None
    doc_no: Code | None = None
    subject: Name
    description: Text | None = None
    category: Literal["quality", "delivery", "documents", "payment", "other"] = "other"
    severity: Literal["low", "medium", "high"] = "medium"
    status: Literal["open", "in_progress", "resolved", "closed"] = "open"
    owner: str | None = Field(None, max_length=100)
    opened_at: Timestamp | None = None


class Activity(Strict):
    ref: Code
    kind: Literal["note", "conversation", "reminder", "call", "email", "meeting"]
    subject: Name
    body: str | None = Field(None, max_length=10000)
    account_code: Code | None = None
    lead_ref: Code | None = None
    doc_no: Code | None = None
    owner: str | None = Field(None, max_length=100)
    due_at: Timestamp | None = None
    done: bool = False
    message_id: str | None = Field(None, max_length=200, description="wamid or Message-ID.")
    message_status: Literal["accepted", "sent", "delivered", "read", "played", "failed",
                            "deleted", "warning"] | None = Field(
        None, description="A message we sent: how far it got.")
    status_at: Timestamp | None = None
    error_code: int | None = None
    error_title: str | None = Field(None, max_length=300)

    @model_validator(mode="after")
    def _reminder_has_due_date(self) -> Activity:
        if self.kind == "reminder" and self.due_at is None:
            raise ValueError("a reminder needs due_at")
        return self


class StockLine(Strict):
    """ERP stock as sales sees it (written by the hub from the ERP)."""

    sku: Code
    warehouse: Code
    product_name: str | None = Field(None, max_length=200)
    warehouse_country: Country | None = None
    overseas: bool = False
    on_hand: Qty = Decimal(0)
    reserved: Qty = Decimal(0)
    in_transit: Qty = Decimal(0)
