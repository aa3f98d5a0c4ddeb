"""What a client may write to the OA, in the OA's own vocabulary."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from hub.builtin.common.types import Code, Currency, Money, Name, Text


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


Approver = Field(min_length=1, max_length=100)


class ApprovalForm(Strict):
    form_no: Code
    form_type: str = Field(min_length=1, max_length=60, description="e.g. purchase_request")
    title: Name
    applicant: str = Field(min_length=1, max_length=100)
    ref_doc: Code | None = Field(None, description="The document this approves (PR-…).")
    amount: Money | None = None
    currency: Currency | None = None
    content: Text | None = None
    approvers: list[str] = Field(min_length=1, max_length=10,
                                 description="The chain, decided in this order.")


class Decision(Strict):
    approver: str = Field(min_length=1, max_length=100, description="Who is deciding.")
    comment: str | None = Field(None, max_length=1000)


class WorkOrder(Strict):
    wo_no: Code
    title: Name
    description: Text | None = None
    assignee: str | None = Field(None, max_length=100)
    ref_doc: Code | None = None
    priority: Literal["low", "normal", "high", "urgent"] = "normal"
    due_date: date | None = None
    status: Literal["open", "in_progress", "done", "cancelled"] = "open"
