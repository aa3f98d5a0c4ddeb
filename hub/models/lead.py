from __future__ import annotations

from decimal import Decimal
from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from hub.models.base import CanonicalRecord, CountryCode, Email, UtcDatetime

LeadSource = Literal["whatsapp", "email", "customs", "web", "manual", "trade_show"]
LeadStatus = Literal["new", "contacted", "qualified", "quoted", "won", "lost"]


class InquiryItem(BaseModel):
    """What a buyer asked for, as extracted from a message."""

    model_config = ConfigDict(extra="forbid")

    product: str = Field(min_length=1, max_length=200)
    quantity: Decimal | None = Field(None, ge=0)
    unit: str | None = Field(None, max_length=20)


class Lead(CanonicalRecord):
    entity: ClassVar[str] = "lead"

    source: LeadSource
    status: LeadStatus = "new"
    company: str | None = Field(None, max_length=200)
    contact_name: str | None = Field(None, max_length=200)
    email: Email | None = None
    phone: str | None = Field(None, max_length=40)
    whatsapp_id: str | None = Field(None, max_length=40)
    country: CountryCode | None = None
    message: str | None = Field(None, max_length=10000)
    inquiry: list[InquiryItem] = Field(default_factory=list)
    hs_codes: list[str] = Field(default_factory=list)
    assigned_to: str | None = Field(None, max_length=100)
    customer_hub_id: str | None = Field(None, max_length=64)
    received_at: UtcDatetime | None = None
