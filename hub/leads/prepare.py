"""What the hub adds to a lead a channel delivered, before it is written anywhere.

Pure functions: the channel's lead (what one message says), what the hub already holds
for that lead, and who the sender turned out to be go in; the lead to write comes out.

* The inquiry *accumulates*: a buyer's "thanks, and the price?" must not erase the
  "1000 LED lamps" of the message before. Items are merged by product (case and width
  folded); a newer quantity for the same product replaces the older one.
* The sales rep is chosen once, by hub.yaml's ``lead_assignment`` rules, and kept
  afterwards: a lead does not change hands because its buyer wrote again.
* A sender recognised as a customer's contact ties the lead to that customer.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from typing import Any

from hub.leads.assign import LeadAssignmentConfig
from hub.models import InquiryItem, Lead

__all__ = ["merge_inquiry", "prepare_lead"]


def _product_key(item: InquiryItem) -> str:
    return " ".join(unicodedata.normalize("NFKC", item.product).casefold().split())


def merge_inquiry(previous: list[InquiryItem], incoming: list[InquiryItem]) -> list[InquiryItem]:
    """Earlier items in their order, updated by the newer ones; new products appended."""
    merged: dict[str, InquiryItem] = {_product_key(i): i for i in previous}
    for item in incoming:
        merged[_product_key(item)] = item
    return list(merged.values())


def prepare_lead(lead: Lead, *, previous: Lead | Mapping[str, Any] | None = None,
                 assignment: LeadAssignmentConfig | None = None,
                 customer_hub_id: str | None = None) -> Lead:
    """The lead to write, given what the hub already holds for it (``previous``)."""
    before = (previous if isinstance(previous, Lead) or previous is None
              else Lead.model_validate({"source": lead.source, **previous, "hub_id": lead.hub_id}))
    updates: dict[str, Any] = {}
    if before is not None:
        updates["inquiry"] = merge_inquiry(before.inquiry, lead.inquiry)
        for field in ("company", "contact_name", "email", "phone", "whatsapp_id", "country"):
            if getattr(lead, field) is None and getattr(before, field) is not None:
                updates[field] = getattr(before, field)
        if before.customer_hub_id and not customer_hub_id:
            customer_hub_id = before.customer_hub_id
    merged = lead.model_copy(update=updates)
    if customer_hub_id:
        merged = merged.model_copy(update={"customer_hub_id": customer_hub_id})
    rep = before.assigned_to if before is not None else None
    if rep is None and lead.assigned_to is None and assignment is not None:
        rep = assignment.assign(merged).rep
    if rep is not None:
        merged = merged.model_copy(update={"assigned_to": rep})
    return Lead.model_validate(merged.model_dump())
