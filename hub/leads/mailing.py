"""Mail the hub sends on its own, each logged on the customer or lead in the CRM.

* ETA reminders: shipments whose ETA is three days away, from the logistics the
  ERP → CRM pipeline syncs (the hub's agreed shipment records, the same data the CRM's
  order tracking shows), go to the ordering customer's contact by SMTP.
* Quotes: a quote mail to a customer or lead, in the inquiry's thread when given.

Idempotency: a mail's Message-ID is derived from what it is about (the shipment and
its ETA, the quote number), and the sent mail is logged as an ``activity`` keyed by
that id. A mail whose log entry exists is not sent again, so running the reminders
twice on one day sends each once. SMTP has no idempotency key: a crash after the
server accepted a mail and before its entry is logged sends it again next time (the
same Message-ID lets the buyer's client fold the two together).
"""

from __future__ import annotations

import logging
from datetime import date, datetime, timezone
from typing import Any, Literal

from pydantic import BaseModel
from sqlalchemy import select

from connectors.base import ChangeEvent
from connectors.email.activity import failed_record, mail_ref, sent_record
from connectors.email.connector import EmailConnector
from connectors.email.models import OutgoingEmail
from connectors.email.notify import QuoteLine, due_eta_reminders, eta_reminder, quote_mail
from connectors.email.smtp import sender_domain
from hub.errors import ConfigError, FatalError, RetriableError
from hub.leads.delivery import log_entry, require_activity_pipeline
from hub.models import Customer, Lead, Shipment
from hub.store.tables import CanonicalState
from hub.sync import state
from hub.sync.context import SyncContext

__all__ = ["EtaReminderRun", "MailOutcome", "MailOwner", "send_eta_reminders",
           "send_logged", "send_quote"]

log = logging.getLogger(__name__)


class MailOwner(BaseModel):
    """Whom a mail goes to and whose history it joins."""

    email: str
    name: str
    customer_hub_id: str | None = None
    customer_number: str | None = None
    lead_hub_id: str | None = None


class MailOutcome(BaseModel):
    message_id: str
    activity_ref: str
    outcome: Literal["sent", "failed", "already_sent"]
    error: str | None = None


class EtaReminderRun(BaseModel):
    """What one reminder run did; ``retry_later`` mails meet a server that was away."""

    today: date
    due: int = 0
    sent: int = 0
    already_sent: int = 0
    no_contact: int = 0
    failed: int = 0
    retry_later: int = 0


def _email_connector(ctx: SyncContext, system: str) -> EmailConnector:
    connector = ctx.connector(system)
    if not isinstance(connector, EmailConnector) or not connector.config.from_address:
        raise ConfigError(f"system '{system}' is not an email system that can send")
    require_activity_pipeline(ctx, system)
    return connector


def _logged(ctx: SyncContext, system: str, message_id: str) -> bool:
    with ctx.sessions() as session:
        return bool(state.hub_ids_for_remote(session, entity="activity", system=system,
                                             remote_ids=[message_id]))


def send_logged(ctx: SyncContext, system: str, mail: OutgoingEmail,
                owner: MailOwner) -> MailOutcome:
    """Send once and log it on the owner; ``RetriableError`` when the server is away."""
    connector = _email_connector(ctx, system)
    assert mail.message_id, "logged mail carries a derived Message-ID"
    if _logged(ctx, system, mail.message_id):
        return MailOutcome(message_id=mail.message_id, activity_ref=mail_ref(mail.message_id),
                           outcome="already_sent")
    error: str | None = None
    try:
        sent = connector.send(mail)
        record = sent_record(mail, sent)
    except FatalError as exc:       # refused for good: logged as failed, not retried
        code = int(exc.remote_code) if (exc.remote_code or "").isdigit() else None
        error = exc.message
        record = failed_record(mail, message_id=mail.message_id,
                               at=datetime.now(timezone.utc), code=code, reason=exc.message)
    record.update(lead_hub_id=owner.lead_hub_id, customer_hub_id=owner.customer_hub_id,
                  customer_number=owner.customer_number)
    log_entry(ctx, system, ChangeEvent(event_id=f"{mail.message_id}#sent", entity="activity",
                                       remote_id=mail.message_id, data=record))
    log.info("mail logged", extra={"system": system, "failed": error is not None,
                                   "customer": owner.customer_hub_id, "lead": owner.lead_hub_id})
    return MailOutcome(message_id=mail.message_id, activity_ref=mail_ref(mail.message_id),
                       outcome="failed" if error else "sent", error=error)


# -- who a mail goes to ----------------------------------------------------------

def _golden_rows(ctx: SyncContext, entity: str, *, hub_id: str | None = None,
                 natural_key: str | None = None) -> list[tuple[str, dict[str, Any]]]:
    query = select(CanonicalState.hub_id, CanonicalState.data).where(
        CanonicalState.entity == entity)
    if hub_id is not None:
        query = query.where(CanonicalState.hub_id == hub_id)
    if natural_key is not None:
        query = query.where(CanonicalState.natural_key == natural_key)
    with ctx.sessions() as session:
        return [(h, d) for h, d in session.execute(query)]


def customer_owner(ctx: SyncContext, *, hub_id: str | None = None,
                   number: str | None = None) -> MailOwner | None:
    """The customer's contact to write to (primary first), or None without an address."""
    rows = (_golden_rows(ctx, "customer", hub_id=hub_id) if hub_id
            else _golden_rows(ctx, "customer", natural_key=number) if number else [])
    if not rows:
        return None
    found, data = rows[0]
    customer = Customer.model_validate({**data, "hub_id": found})
    for contact in sorted(customer.contacts, key=lambda c: not c.is_primary):
        if contact.email:
            return MailOwner(email=contact.email, name=contact.name, customer_hub_id=found,
                             customer_number=customer.number)
    return None


def lead_owner(ctx: SyncContext, hub_id: str) -> MailOwner | None:
    rows = _golden_rows(ctx, "lead", hub_id=hub_id)
    if not rows:
        return None
    lead = Lead.model_validate({"source": "manual", **rows[0][1], "hub_id": hub_id})
    if not lead.email:
        return None
    return MailOwner(email=lead.email, name=lead.contact_name or lead.company or lead.email,
                     lead_hub_id=hub_id, customer_hub_id=lead.customer_hub_id)


# -- the two kinds of mail ---------------------------------------------------------

def send_eta_reminders(ctx: SyncContext, *, system: str = "email", today: date | None = None,
                       days_before: int = 3) -> EtaReminderRun:
    """Remind each customer whose shipment arrives in ``days_before`` days, once."""
    connector = _email_connector(ctx, system)
    today = today or datetime.now(timezone.utc).date()
    domain = sender_domain(connector.config.from_address or "")
    shipments = []
    for hub_id, data in _golden_rows(ctx, "shipment"):
        try:
            shipments.append(Shipment.model_validate({**data, "hub_id": hub_id}))
        except ValueError:
            continue                    # a record the hub cannot read is no shipment
    run = EtaReminderRun(today=today)
    for shipment in due_eta_reminders(shipments, today=today, days_before=days_before):
        run.due += 1
        orders = _golden_rows(ctx, "sales_order", natural_key=shipment.order_number)
        order = orders[0][1] if orders else {}
        owner = customer_owner(ctx, hub_id=order.get("customer_hub_id"),
                               number=order.get("customer_number"))
        if owner is None:
            run.no_contact += 1
            log.warning("eta reminder: no customer e-mail", extra={
                "system": system, "shipment": shipment.number, "order": shipment.order_number})
            continue
        mail = eta_reminder(shipment, to=[owner.email], customer_name=owner.name, domain=domain)
        try:
            outcome = send_logged(ctx, system, mail, owner)
        except RetriableError:
            run.retry_later += 1
            continue
        run.sent += outcome.outcome == "sent"
        run.already_sent += outcome.outcome == "already_sent"
        run.failed += outcome.outcome == "failed"
    return run


def send_quote(ctx: SyncContext, *, quote_number: str, lines: list[QuoteLine],
               customer_hub_id: str | None = None, lead_hub_id: str | None = None,
               in_reply_to: str | None = None, system: str = "email") -> MailOutcome:
    """A quote mail to a customer's contact or a lead, logged on it."""
    if (customer_hub_id is None) == (lead_hub_id is None):
        raise ConfigError("name exactly one of a customer or a lead to quote")
    connector = _email_connector(ctx, system)
    owner = (customer_owner(ctx, hub_id=customer_hub_id) if customer_hub_id
             else lead_owner(ctx, lead_hub_id or ""))
    if owner is None:
        raise ConfigError(f"no e-mail address for {'customer' if customer_hub_id else 'lead'} "
                          f"'{customer_hub_id or lead_hub_id}'")
    mail = quote_mail(quote_number=quote_number, lines=lines, to=[owner.email],
                      customer_name=owner.name,
                      domain=sender_domain(connector.config.from_address or ""),
                      in_reply_to=in_reply_to)
    return send_logged(ctx, system, mail, owner)
