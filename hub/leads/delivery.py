"""Messages we send, and how far they got, kept on their conversation entry.

A WhatsApp message we send is logged as an ``activity`` (direction "out") keyed by its
wamid, like an inbound message; its delivery statuses arrive later as changes of that
same activity. Meta delivers statuses late, twice and out of order, and the engine only
knows "newer data wins", so the status is folded here, in the mapping step, against
what the hub already agreed for that message (its golden record):

* a status only moves a message forward (:func:`connectors.whatsapp.parse.next_status`):
  a late "delivered" after "read" leaves "read" in place; a repeat changes nothing;
* "failed" keeps Meta's error code and title;
* the send's own answer ("accepted") never overrides a webhook status that got there
  first (the "sent" webhook can beat our own write of the send's log entry).

Several statuses of one message can sit in one inbox batch, all mapped before any is
written, so the furthest status seen per message is also remembered in memory
(bounded) and folded in: the golden record is the truth, the memory only bridges a
batch. A status of a message the hub never logged (sent from another tool) still gets
an entry, on the lead or customer the recipient is known as.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict
from tenacity import Retrying, retry_if_exception_type, stop_after_attempt, wait_incrementing

from connectors.base import ChangeEvent
from connectors.whatsapp.parse import next_status
from hub.errors import ConfigError, PipelineBusyError
from hub.models.activity import MessageStatus
from hub.sync import state
from hub.sync.context import RecordMapping, SyncContext
from hub.sync.counts import RunCounts
from hub.sync.events import apply_events, pipelines_reading

if TYPE_CHECKING:
    from hub.leads.intake import LeadIntake

__all__ = ["STATUS_FIELDS", "Delivery", "OutboundLog", "fold", "log_entry",
           "require_activity_pipeline"]

log = logging.getLogger(__name__)

STATUS_FIELDS = ("message_status", "status_at", "error_code", "error_title")
REMEMBERED = 10_000
BUSY_ATTEMPTS = 10


def require_activity_pipeline(ctx: SyncContext, system: str) -> None:
    """A message sent without a pipeline to log it would leave no trace in the CRM."""
    if not pipelines_reading(ctx, system, "activity"):
        raise ConfigError(f"no enabled pipeline takes '{system}' activities to the CRM; "
                          f"add one with entity: activity, source: {system}")


def log_entry(ctx: SyncContext, system: str, event: ChangeEvent) -> RunCounts:
    """Apply a sent message's log entry now, through the system's activity pipeline; a
    run holding the pipeline's lock is waited for (bounded)."""
    waiting = Retrying(retry=retry_if_exception_type(PipelineBusyError),
                       stop=stop_after_attempt(BUSY_ATTEMPTS),
                       wait=wait_incrementing(start=0.2, increment=0.2), reraise=True)
    return waiting(apply_events, ctx, system, [event])


class Delivery(BaseModel):
    """One message's delivery state: the status and, for a failure, Meta's error."""

    model_config = ConfigDict(frozen=True)

    status: MessageStatus
    at: datetime | None = None
    error_code: int | None = None
    error_title: str | None = None

    @classmethod
    def of(cls, data: Mapping[str, Any]) -> Delivery | None:
        status = data.get("message_status")
        if not status:
            return None
        return cls(status=status, at=data.get("status_at"), error_code=data.get("error_code"),
                   error_title=data.get("error_title"))

    def fields(self) -> dict[str, Any]:
        return {"message_status": self.status, "status_at": self.at,
                "error_code": self.error_code, "error_title": self.error_title}


def fold(current: Delivery | None, update: Delivery) -> Delivery:
    """The delivery state after ``update``: forward only; the send's answer is weakest."""
    if current is None or current.status == "accepted":
        return update
    if update.status == "accepted":
        return current
    return update if next_status(current.status, update.status) is not None else current


class OutboundLog:
    """The outbound half of a channel's activity mapping (sent messages and statuses)."""

    def __init__(self, intake: LeadIntake, system: str) -> None:
        self.intake = intake
        self.system = system
        self._seen: OrderedDict[str, Delivery] = OrderedDict()
        self._lock = threading.Lock()

    def _golden(self, remote_id: str) -> dict[str, Any] | None:
        with self.intake.sessions() as session:
            hub_id = state.hub_ids_for_remote(session, entity="activity", system=self.system,
                                              remote_ids=[remote_id]).get(remote_id)
            if hub_id is None:
                return None
            return state.golden_for(session, entity="activity", hub_ids=[hub_id]).get(hub_id)

    def _advance(self, key: str, golden: Mapping[str, Any] | None,
                 update: Delivery) -> Delivery:
        current = Delivery.of(golden) if golden else None
        with self._lock:
            seen = self._seen.get(key)
            if seen is not None:
                current = fold(current, seen)
            after = fold(current, update)
            self._seen[key] = after
            self._seen.move_to_end(key)
            while len(self._seen) > REMEMBERED:
                self._seen.popitem(last=False)
        if after != update:
            log.info("message status kept", extra={"system": self.system, "kept": after.status,
                                                     "update": update.status})
        return after

    def to_canonical(self, inner: RecordMapping, remote: Mapping[str, Any]) -> dict[str, Any]:
        canonical = inner.to_canonical(dict(remote))
        remote_id = remote.get("message_id") or remote.get("ref")
        update = Delivery.of(canonical)
        if not isinstance(remote_id, str) or update is None:
            return canonical
        golden = self._golden(remote_id) if remote.get("message_id") else None
        if remote.get("record") == "status":
            if golden is not None:      # the entry as logged, with the new status
                for name in canonical:
                    if name not in STATUS_FIELDS and golden.get(name) is not None:
                        canonical[name] = golden[name]
            else:                       # a message the hub did not log
                self._place(canonical, remote)
        elif remote.get("subject") is None:     # WhatsApp has no subject: name the send
            what = remote.get("message_type") or "message"
            who = remote.get("contact_name") or remote.get("phone") or "buyer"
            canonical["subject"] = f"WhatsApp {what} to {who}"[:200]
        canonical.update(self._advance(remote_id, golden, update).fields())
        return canonical

    def _place(self, canonical: dict[str, Any], remote: Mapping[str, Any]) -> None:
        phone = remote.get("phone") or remote.get("wa_id")
        canonical["subject"] = f"WhatsApp message to {phone}"[:200]
        wa_id = remote.get("wa_id")
        if isinstance(wa_id, str):
            lead, customer, number = self.intake.known(self.system, wa_id, phone=phone)
            canonical.update(lead_hub_id=lead, customer_hub_id=customer,
                             customer_number=number)
