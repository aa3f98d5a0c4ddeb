from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from hub.models.base import (
    CanonicalRecord,
    CountryCode,
    CurrencyCode,
    Email,
    Incoterm,
    NonNegativeAmount,
    PaymentTerms,
    UtcDatetime,
)

ReceivableStatus = Literal["clear", "open", "overdue", "on_hold"]


class Contact(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str = Field(min_length=1, max_length=200)
    email: Email | None = None
    phone: str | None = Field(None, max_length=40, description="E.164 where known, e.g. +4930123456")
    whatsapp_id: str | None = Field(None, max_length=40)
    title: str | None = Field(None, max_length=100)
    is_primary: bool = False


class Customer(CanonicalRecord):
    """A buyer: an importer, distributor or retailer abroad."""

    entity: ClassVar[str] = "customer"

    number: str | None = Field(None, max_length=40, description="Customer number in the ERP.")
    name: str = Field(min_length=1, max_length=200)
    legal_name: str | None = Field(None, max_length=300)
    country: CountryCode
    city: str | None = Field(None, max_length=100)
    address: str | None = Field(None, max_length=500)
    tax_id: str | None = Field(None, max_length=60)
    website: str | None = Field(None, max_length=200)
    industry: str | None = Field(None, max_length=100)
    currency: CurrencyCode = "USD"
    default_incoterm: Incoterm | None = None
    payment_terms: PaymentTerms | None = None
    credit_limit: NonNegativeAmount | None = None
    receivable_status: ReceivableStatus | None = None
    receivable_balance: NonNegativeAmount | None = None
    sales_rep: str | None = Field(None, max_length=100)
    tags: list[str] = Field(default_factory=list)
    contacts: list[Contact] = Field(default_factory=list)
    # Customs enrichment (filled from TradeRecords).
    annual_import_value_usd: NonNegativeAmount | None = None
    annual_import_weight_kg: NonNegativeAmount | None = None
    last_shipment_date: UtcDatetime | None = None
    top_hs_codes: list[str] = Field(default_factory=list)
    main_suppliers: list[str] = Field(default_factory=list)
    main_ports: list[str] = Field(
        default_factory=list,
        description="Ports the customer imports through (ports of discharge), busiest first.")
    archived: bool = False
