"""Whose conversation a received mail continues, from what the hub holds.

A reply (In-Reply-To/References naming a Message-ID the hub knows: an inquiry that
became a lead, or any mail logged on a lead or customer, such as our quote or ETA
reminder) belongs to that lead or customer; so does a mail from a known customer's
contact. Such mail is logged as an activity there and does not become a new lead.
The pure rules are ``connectors.email.thread`` (``find_thread``, nearest known
ancestor first; ``customer_for_sender``); this module feeds them the hub's knowledge:

* known Message-IDs: the email system's lead links (remote id = the inquiry's
  Message-ID) and the golden e-mail activities (each names its lead or customer);
* customers: the golden customer records with their contacts.

Both are rebuilt only when the store changed since the last look (a cheap count and
max(updated_at) query), as ``LeadIndex`` is.
"""

from __future__ import annotations

import threading
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from connectors.email.models import Address, ParsedEmail
from connectors.email.thread import customer_for_sender, find_thread
from hub.models import Customer
from hub.store.tables import CanonicalState, Link

__all__ = ["MailThreads", "ThreadTarget"]


class ThreadTarget(BaseModel):
    """The lead or customer a mail is logged on."""

    model_config = ConfigDict(frozen=True)

    lead_hub_id: str | None = None
    customer_hub_id: str | None = None
    customer_number: str | None = None
    via: str


class MailThreads:
    def __init__(self, sessions: sessionmaker[Session], system: str) -> None:
        self.sessions = sessions
        self.system = system
        self._lock = threading.Lock()
        self._version: tuple[Any, ...] | None = None
        self._known: dict[str, ThreadTarget] = {}
        self._customers: list[Customer] = []

    def _current_version(self, session: Session) -> tuple[Any, ...]:
        golden = session.execute(select(func.count(), func.max(CanonicalState.updated_at)).where(
            CanonicalState.entity.in_(("customer", "activity")))).one()
        links = session.execute(select(func.count()).select_from(Link).where(
            Link.entity == "lead", Link.system == self.system)).scalar_one()
        return (*golden, links)

    def _refresh(self) -> tuple[dict[str, ThreadTarget], list[Customer]]:
        with self.sessions() as session:
            version = self._current_version(session)
            with self._lock:
                if version == self._version:
                    return self._known, self._customers
            known: dict[str, ThreadTarget] = {}
            for remote_id, hub_id in session.execute(select(Link.remote_id, Link.hub_id).where(
                    Link.entity == "lead", Link.system == self.system)):
                known[remote_id] = ThreadTarget(lead_hub_id=hub_id, via="lead")
            data = CanonicalState.data
            for message_id, lead, customer, number in session.execute(select(
                    data["message_id"].as_string(), data["lead_hub_id"].as_string(),
                    data["customer_hub_id"].as_string(), data["customer_number"].as_string(),
            ).where(CanonicalState.entity == "activity", data["channel"].as_string() == "email")):
                if message_id and (lead or customer):
                    known.setdefault(message_id, ThreadTarget(
                        lead_hub_id=lead, customer_hub_id=customer, customer_number=number,
                        via="activity"))
            customers: list[Customer] = []
            for hub_id, record in session.execute(select(
                    CanonicalState.hub_id, CanonicalState.data).where(
                    CanonicalState.entity == "customer")):
                try:
                    customers.append(Customer.model_validate({**record, "hub_id": hub_id}))
                except ValidationError:
                    continue
        with self._lock:
            self._version, self._known, self._customers = version, known, customers
        return known, customers

    def target(self, mail: ParsedEmail) -> ThreadTarget | None:
        """The lead or customer ``mail`` continues, or None for a new conversation."""
        known, customers = self._refresh()
        thread = find_thread(mail, {message_id: message_id for message_id in known})
        if thread is not None:
            found = known[thread.message_id]
            return found.model_copy(update={"via": thread.via})
        customer_hub_id = customer_for_sender(mail, customers)
        if customer_hub_id is None:
            return None
        number = next((c.number for c in customers if c.hub_id == customer_hub_id), None)
        return ThreadTarget(customer_hub_id=customer_hub_id, customer_number=number,
                            via="sender")

    def continues(self, mail: ParsedEmail) -> bool:
        """For the connector: True when the mail is no new inquiry (no new lead)."""
        return self.target(mail) is not None

    def target_of_record(self, record: dict[str, Any]) -> ThreadTarget | None:
        """The same question for a received-mail activity record (what the mapping sees)."""
        sender = record.get("counterpart")
        mail = ParsedEmail(mailbox="-", uid=1, uidvalidity=1,
                           message_id=str(record.get("message_id") or "-"),
                           in_reply_to=record.get("in_reply_to"),
                           references=list(record.get("references") or []),
                           sender=Address(email=sender) if isinstance(sender, str) else None)
        return self.target(mail)
