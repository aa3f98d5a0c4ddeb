"""Sending a WhatsApp message to a lead or customer, logged on it in the CRM.

The hub already holds what a send needs: the recipient's wa_id (the lead's, or the
customer's contact's) and the conversation log it wrote to the CRM, whose last inbound
WhatsApp message opens the 24-hour customer-service window (text inside it, the
template outside; ``connectors.whatsapp.sender`` also falls back when Meta answers
131047). Every outcome, the wamid or Meta's error code and title, becomes a
conversation entry on the lead or customer through the same activity pipeline as the
inbound messages (``apply_events``), so later delivery statuses update that entry.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict
from sqlalchemy import select

from connectors.base import ChangeEvent
from connectors.whatsapp.connector import WhatsAppConnector, message_ref, outbound_record
from connectors.whatsapp.sender import SendResult, TemplateSpec
from hub.errors import ConfigError
from hub.models import Customer, Lead
from hub.store.tables import CanonicalState
from hub.sync import state
from hub.sync.context import SyncContext
from hub.sync.counts import RunCounts
from hub.leads.delivery import log_entry, require_activity_pipeline

__all__ = ["Recipient", "WhatsAppSent", "last_inbound_at", "recipient_of", "send_whatsapp"]

log = logging.getLogger(__name__)


class Recipient(BaseModel):
    """Whom a message goes to, and where its log entry is filed."""

    model_config = ConfigDict(frozen=True)

    wa_id: str
    name: str | None = None
    lead_hub_id: str | None = None
    customer_hub_id: str | None = None
    customer_number: str | None = None


class WhatsAppSent(BaseModel):
    """A send's outcome and the conversation entry that records it in the CRM."""

    recipient: Recipient
    last_inbound_at: datetime | None
    result: SendResult
    activity_ref: str
    logged: RunCounts


def _digits(value: str | None) -> str | None:
    digits = "".join(ch for ch in value or "" if ch.isdigit())
    return digits or None


def _golden(ctx: SyncContext, entity: str, hub_id: str) -> dict[str, Any]:
    with ctx.sessions() as session:
        found = state.golden_for(session, entity=entity, hub_ids=[hub_id]).get(hub_id)
    if found is None:
        raise ConfigError(f"no {entity} with hub id '{hub_id}'")
    return found


def _customer(ctx: SyncContext, hub_id: str) -> Customer:
    return Customer.model_validate({**_golden(ctx, "customer", hub_id), "hub_id": hub_id})


def recipient_of(ctx: SyncContext, *, lead_hub_id: str | None = None,
                 customer_hub_id: str | None = None) -> Recipient:
    """The lead's WhatsApp number, or the customer's (primary contact first)."""
    if (lead_hub_id is None) == (customer_hub_id is None):
        raise ConfigError("name exactly one of a lead or a customer to send to")
    if lead_hub_id is not None:
        lead = Lead.model_validate({**_golden(ctx, "lead", lead_hub_id), "hub_id": lead_hub_id})
        wa_id = _digits(lead.whatsapp_id) or _digits(lead.phone)
        if wa_id is None:
            raise ConfigError(f"lead '{lead_hub_id}' has no WhatsApp number or phone")
        number = (_customer(ctx, lead.customer_hub_id).number
                  if lead.customer_hub_id else None)
        return Recipient(wa_id=wa_id, name=lead.contact_name or lead.company,
                         lead_hub_id=lead_hub_id, customer_hub_id=lead.customer_hub_id,
                         customer_number=number)
    assert customer_hub_id is not None
    customer = _customer(ctx, customer_hub_id)
    for contact in sorted(customer.contacts, key=lambda c: not c.is_primary):
        wa_id = _digits(contact.whatsapp_id) or _digits(contact.phone)
        if wa_id:
            return Recipient(wa_id=wa_id, name=contact.name, customer_hub_id=customer_hub_id,
                             customer_number=customer.number)
    raise ConfigError(f"customer '{customer_hub_id}' has no contact with a WhatsApp number")


def last_inbound_at(ctx: SyncContext, recipient: Recipient) -> datetime | None:
    """When the recipient last wrote to us on WhatsApp, per the conversation log."""
    data = CanonicalState.data
    owners = [data[f].as_string() == v for f, v in (
        ("lead_hub_id", recipient.lead_hub_id), ("customer_hub_id", recipient.customer_hub_id),
    ) if v]
    query = select(data["at"].as_string()).where(
        CanonicalState.entity == "activity", data["channel"].as_string() == "whatsapp",
        data["direction"].as_string() == "in")
    with ctx.sessions() as session:
        times = session.scalars(query.where(owners[0] if len(owners) == 1
                                            else owners[0] | owners[1])).all()
    parsed = [datetime.fromisoformat(t.replace("Z", "+00:00")) for t in times if t]
    return max(parsed, default=None)


def send_whatsapp(ctx: SyncContext, *, text: str, lead_hub_id: str | None = None,
                  customer_hub_id: str | None = None, template: TemplateSpec | None = None,
                  system: str = "whatsapp") -> WhatsAppSent:
    """Send ``text`` (or the template, outside the window) and log the outcome."""
    require_activity_pipeline(ctx, system)
    connector = ctx.connector(system)
    if not isinstance(connector, WhatsAppConnector):
        raise ConfigError(f"system '{system}' is not a WhatsApp system")
    recipient = recipient_of(ctx, lead_hub_id=lead_hub_id, customer_hub_id=customer_hub_id)
    since = last_inbound_at(ctx, recipient)
    result = connector.send_message(recipient.wa_id, text, last_inbound_at=since,
                                    template=template)
    remote_id = result.message_id or f"failed-{uuid.uuid4().hex}"
    record = outbound_record(result, text=text, remote_id=remote_id,
                             contact_name=recipient.name)
    record.update(lead_hub_id=recipient.lead_hub_id, customer_hub_id=recipient.customer_hub_id,
                  customer_number=recipient.customer_number)
    counts = log_entry(ctx, system, ChangeEvent(event_id=f"{remote_id}#sent", entity="activity",
                                           remote_id=remote_id, data=record))
    log.info("whatsapp sent", extra={"system": system, "outcome": result.outcome,
                                     "kind": result.kind, "lead": recipient.lead_hub_id,
                                     "customer": recipient.customer_hub_id,
                                     "code": result.error.code if result.error else None})
    return WhatsAppSent(recipient=recipient, last_inbound_at=since, result=result,
                        activity_ref=message_ref(remote_id), logged=counts)
