"""Lead intake: who a channel's message belongs to, decided before the engine sees it.

A channel record (a WhatsApp message, an inquiry mail) is mapped to a canonical lead
and to a conversation entry. Three things need what the hub already holds, so they
happen here, with the store, and not in the connector:

1. **Which lead.** The engine identifies records by links (system, remote id → hub
   id). Before a channel's lead is observed, intake makes sure its remote id is
   linked: to the lead the sender already has (the same wa_id; or, from another
   channel, the same E.164 phone or e-mail address, see ``LeadIndex``), else to a new
   hub id derived from the remote id. The engine then finds the link and updates
   that lead instead of creating a second one.
2. **Where the conversation goes.** The conversation entry of a message names the
   lead's hub id (the CRM's lead_ref) and, when the sender is a known customer's
   contact, the customer (hub id and number). The engine applies a webhook's
   ``activity`` events before its ``lead`` events (entities in name order), so the
   first message of a new buyer must reserve the lead's link here: both the lead and
   its activity resolve through the same ``resolve`` call, whichever comes first.
3. **What to write.** ``prepare_lead``: the inquiry accumulates across messages, the
   rep comes from hub.yaml's ``lead_assignment`` and stays, the customer is kept.
4. **Messages we sent** (activities with direction "out") and their delivery statuses
   go to ``hub.leads.delivery.OutboundLog``, which keeps a status from regressing.

It is installed as the context's mapping loader (``intake_loader``), wrapping the lead
and activity mappings of channel systems, so the webhook path and the polled path go
through it alike. Link reservation is idempotent (a derived hub id, and the unique
constraint settles races), so calling it twice, or from the webhook's early mapping
check, changes nothing.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from connectors.base import Connector
from connectors.email.connector import EmailConnector
from hub.leads.channels import CHANNEL_LEAD_IDS
from hub.leads.delivery import OutboundLog
from hub.leads.match import LeadIndex, Match, MatchCandidate, MatchQuery
from hub.leads.prepare import prepare_lead
from hub.leads.threads import MailThreads
from hub.models import Customer, Lead
from hub.store.tables import CanonicalState
from hub.sync import state
from hub.sync.config import HubConfig
from hub.sync.context import MappingLoader, RecordMapping, SyncContext, load_system_mappings

__all__ = ["CHANNEL_LEAD_IDS", "IntakeMapping", "LeadIntake", "Resolved", "install_intake",
           "intake_loader"]

log = logging.getLogger(__name__)

LEAD_IDS = uuid.UUID("0c9b7a3e-51d4-4f0e-8a61-3f2d9e6b1c55")


@dataclass(frozen=True)
class Resolved:
    lead_hub_id: str
    customer: Match | None
    customer_number: str | None
    previous: dict[str, Any] | None


class LeadIntake:
    """The store-backed half: links, golden leads and customers, the match index."""

    def __init__(self, config: HubConfig, sessions: sessionmaker[Session]) -> None:
        self.config = config
        self.sessions = sessions
        self._lock = threading.Lock()
        self._index: LeadIndex | None = None
        self._index_version: tuple[int, Any] | None = None
        self._numbers: dict[str, str] = {}

    # -- the match index over what the hub holds ----------------------------------
    def _version(self, session: Session) -> tuple[int, Any]:
        row = session.execute(select(func.count(), func.max(CanonicalState.updated_at)).where(
            CanonicalState.entity.in_(("customer", "lead")))).one()
        return int(row[0]), row[1]

    def index(self, session: Session) -> LeadIndex:
        """Rebuilt only when golden leads or customers changed since the last build."""
        version = self._version(session)
        with self._lock:
            if self._index is not None and self._index_version == version:
                return self._index
        candidates: list[MatchCandidate] = []
        numbers: dict[str, str] = {}
        for entity, hub_id, data in session.execute(
                select(CanonicalState.entity, CanonicalState.hub_id, CanonicalState.data)
                .where(CanonicalState.entity.in_(("customer", "lead")))):
            try:
                if entity == "customer":
                    customer = Customer.model_validate(
                        {"name": "-", "country": "US", **data, "hub_id": hub_id})
                    candidates.append(MatchCandidate.from_customer(customer))
                    if customer.number:
                        numbers[hub_id] = customer.number
                else:
                    lead = Lead.model_validate({"source": "manual", **data, "hub_id": hub_id})
                    candidates.append(MatchCandidate.from_lead(lead))
            except ValidationError:
                continue        # a golden record we cannot read is no evidence
        built = LeadIndex(candidates)
        with self._lock:
            self._index, self._index_version, self._numbers = built, version, numbers
        return built

    # -- resolving a sender ---------------------------------------------------------
    def resolve(self, system: str, remote_id: str, query: MatchQuery) -> Resolved:
        """The lead this channel record belongs to (its link reserved), and the customer."""
        with self.sessions() as session:
            index = self.index(session)
            found = index.match(query)
            customer = found if found is not None and found.kind == "customer" else None
            linked = state.hub_ids_for_remote(session, entity="lead", system=system,
                                              remote_ids=[remote_id]).get(remote_id)
            hub_id = linked or self._choose(session, system, remote_id, found)
            previous = state.golden_for(session, entity="lead", hub_ids=[hub_id]).get(hub_id)
        if linked is None:
            hub_id = self._reserve(system, remote_id, hub_id)
        number = self._numbers.get(customer.hub_id) if customer else None
        return Resolved(lead_hub_id=hub_id, customer=customer, customer_number=number,
                        previous=previous)

    def known(self, system: str, wa_id: str, *, phone: str | None = None,
              ) -> tuple[str | None, str | None, str | None]:
        """The lead and customer (hub id, number) a recipient is known as; reserves nothing."""
        with self.sessions() as session:
            found = self.index(session).match(MatchQuery(whatsapp_id=wa_id, phone=phone))
            lead = state.hub_ids_for_remote(session, entity="lead", system=system,
                                            remote_ids=[wa_id]).get(wa_id)
        if lead is None and found is not None and found.kind == "lead":
            lead = found.hub_id
        customer = found.hub_id if found is not None and found.kind == "customer" else None
        return lead, customer, self._numbers.get(customer) if customer else None

    def _choose(self, session: Session, system: str, remote_id: str,
                found: Match | None) -> str:
        """An existing lead found by phone or e-mail, unless this system already has it
        under another remote id (one remote record per hub record and system)."""
        if found is not None and found.kind == "lead" and found.by in ("phone", "email"):
            taken = state.remote_ids_for_hub(session, entity="lead", system=system,
                                             hub_ids=[found.hub_id])
            if not taken:
                return found.hub_id
        return uuid.uuid5(LEAD_IDS, f"{system}\x1f{remote_id}").hex

    def _reserve(self, system: str, remote_id: str, hub_id: str) -> str:
        try:
            with self.sessions() as session, session.begin():
                state.add_links(session, entity="lead", system=system,
                                pairs=[(hub_id, remote_id)])
            log.info("lead link reserved", extra={"system": system, "hub_id": hub_id})
            return hub_id
        except IntegrityError:          # another worker linked it first: use theirs
            with self.sessions() as session:
                winner = state.hub_ids_for_remote(session, entity="lead", system=system,
                                                  remote_ids=[remote_id]).get(remote_id)
            if winner is None:          # the hub id is linked to another remote id here
                winner = uuid.uuid5(LEAD_IDS, f"{system}\x1f{remote_id}").hex
                return self._reserve(system, remote_id, winner) if winner != hub_id else hub_id
            return winner


class IntakeMapping:
    """A channel system's lead or activity mapping, with intake after ``to_canonical``."""

    def __init__(self, inner: RecordMapping, *, intake: LeadIntake, system: str,
                 id_field: str, lead_mapping: RecordMapping,
                 threads: MailThreads | None = None) -> None:
        self.inner = inner
        self.intake = intake
        self.system = system
        self.id_field = id_field
        self.lead_mapping = lead_mapping
        self.entity = inner.entity
        self.canonical_key = inner.canonical_key
        self.canonical_key_fields = inner.canonical_key_fields
        self.inbound_fields = inner.inbound_fields
        self.outbound_fields = inner.outbound_fields
        self.outbound = OutboundLog(intake, system)
        self.threads = threads

    def canonical_key_of(self, canonical: dict[str, Any]) -> str | None:
        return self.inner.canonical_key_of(canonical)

    def to_remote(self, canonical: dict[str, Any]) -> dict[str, Any]:
        return self.inner.to_remote(canonical)

    def _sender(self, remote: Mapping[str, Any]) -> tuple[Lead, Resolved] | None:
        remote_id = remote.get(self.id_field)
        if not isinstance(remote_id, str) or not remote_id:
            return None
        lead = Lead.model_validate({**self.lead_mapping.to_canonical(dict(remote)),
                                    "hub_id": "-"})
        query = MatchQuery(whatsapp_id=lead.whatsapp_id, phone=lead.phone,
                           email=lead.email, contact_name=lead.contact_name)
        return lead, self.intake.resolve(self.system, remote_id, query)

    def to_canonical(self, remote: dict[str, Any]) -> dict[str, Any]:
        if self.entity == "activity" and remote.get("direction") == "out":
            return self.outbound.to_canonical(self.inner, remote)
        canonical = self.inner.to_canonical(remote)
        if self.entity == "activity" and self.threads is not None:
            target = self.threads.target_of_record(remote)
            if target is not None:      # a reply, or a customer writing: no new lead
                canonical.update(lead_hub_id=target.lead_hub_id,
                                 customer_hub_id=target.customer_hub_id,
                                 customer_number=target.customer_number)
                return canonical
        sender = self._sender(remote)
        if sender is None:
            return canonical
        lead, resolved = sender
        customer_hub_id = resolved.customer.hub_id if resolved.customer else None
        if self.entity == "activity":
            canonical["lead_hub_id"] = resolved.lead_hub_id
            canonical["customer_hub_id"] = customer_hub_id
            canonical["customer_number"] = resolved.customer_number
            return canonical
        prepared = prepare_lead(lead.model_copy(update={"hub_id": resolved.lead_hub_id}),
                                previous=resolved.previous,
                                assignment=self.intake.config.lead_assignment,
                                customer_hub_id=customer_hub_id)
        canonical.update(prepared.model_dump(include=set(canonical) | {
            "inquiry", "assigned_to", "customer_hub_id"}, exclude={"hub_id"}))
        return canonical


def intake_loader(sessions: sessionmaker[Session],
                  base: MappingLoader = load_system_mappings,
                  connectors: Callable[[str], Connector] | None = None) -> MappingLoader:
    """A ``SyncContext.mapping_loader`` that puts intake on channel systems' leads.

    With ``connectors`` (the context's ``connector``), a mailbox connector is also told
    which mail continues a known conversation, so a reply becomes no new lead.
    """
    intakes: dict[int, LeadIntake] = {}

    def load(config: HubConfig, system: str) -> dict[str, RecordMapping]:
        mappings = base(config, system)
        id_field = CHANNEL_LEAD_IDS.get(config.systems[system].connector)
        lead_mapping = mappings.get("lead")
        if id_field is None or lead_mapping is None:
            return mappings
        intake = intakes.setdefault(id(config), LeadIntake(config, sessions))
        threads = None
        if config.systems[system].connector == "email":
            threads = MailThreads(sessions, system)
            if connectors is not None:
                connector = connectors(system)
                if isinstance(connector, EmailConnector):
                    connector.continues = threads.continues
        wrapped = dict(mappings)
        for entity in ("lead", "activity"):
            if entity in mappings:
                wrapped[entity] = IntakeMapping(mappings[entity], intake=intake, system=system,
                                                id_field=id_field, lead_mapping=lead_mapping,
                                                threads=threads)
        return wrapped

    return load


def install_intake(ctx: SyncContext) -> SyncContext:
    """Put lead intake on a context built elsewhere (``hub.sync.runtime.build_context``)."""
    ctx.mapping_loader = intake_loader(ctx.sessions, connectors=ctx.connector)
    ctx.reload_mappings()
    return ctx
