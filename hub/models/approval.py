from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from hub.models.base import Amount, CanonicalRecord, CurrencyCode, UtcDatetime

ApprovalStatus = Literal["pending", "approved", "rejected", "cancelled"]
StepDecision = Literal["pending", "approved", "rejected"]


class ApprovalStep(BaseModel):
    model_config = ConfigDict(extra="forbid")

    approver: str = Field(min_length=1, max_length=100)
    decision: StepDecision = "pending"
    decided_at: UtcDatetime | None = None
    comment: str | None = Field(None, max_length=1000)


class ApprovalRequest(CanonicalRecord):
    """Something that needs a person's yes: a purchase request, a discount, a credit line."""

    entity: ClassVar[str] = "approval"

    number: str = Field(min_length=1, max_length=40)
    kind: str = Field(min_length=1, max_length=60, description="e.g. purchase_request")
    title: str = Field(min_length=1, max_length=300)
    reference: str | None = Field(None, max_length=60, description="The document it approves.")
    requested_by: str = Field(min_length=1, max_length=100)
    amount: Amount | None = None
    currency: CurrencyCode | None = None
    status: ApprovalStatus = "pending"
    steps: list[ApprovalStep] = Field(default_factory=list)
