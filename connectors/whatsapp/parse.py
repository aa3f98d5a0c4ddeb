"""From a webhook body to typed messages and statuses, plus the ordering rule.

Meta retries a webhook until it gets a 2xx (for up to 7 days) and reorders
deliveries, so a receiver must (1) dedupe by id — ``ParsedWebhook.event_ids`` lists
one key per message (its wamid) and per status (``wamid:status``) — and (2) never
let a late status regress a newer one: :func:`next_status` says whether an update
moves a message forward.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from connectors.whatsapp.errors import GraphError, InvalidPayload
from connectors.whatsapp.models import (
    ChangeValue,
    InboundMessage,
    StatusName,
    StatusUpdate,
    WebhookContact,
    WebhookPayload,
)

__all__ = ["ParsedWebhook", "ReceivedMessage", "ReceivedStatus", "next_status",
           "order_statuses", "parse_webhook_body"]


class ReceivedMessage(BaseModel):
    """An inbound message with who sent it and which of our numbers received it."""

    model_config = ConfigDict(frozen=True)

    waba_id: str
    phone_number_id: str
    sender: WebhookContact
    message: InboundMessage


class ReceivedStatus(BaseModel):
    model_config = ConfigDict(frozen=True)

    waba_id: str
    phone_number_id: str
    status: StatusUpdate


class ParsedWebhook(BaseModel):
    model_config = ConfigDict(frozen=True)

    messages: list[ReceivedMessage] = Field(default_factory=list)
    statuses: list[ReceivedStatus] = Field(default_factory=list)
    errors: list[GraphError] = Field(default_factory=list,
                                     description="Errors Meta attached to the change itself.")
    ignored_fields: list[str] = Field(default_factory=list,
                                      description="Changes of other fields (templates, account).")

    @property
    def event_ids(self) -> list[str]:
        """Dedupe keys, in delivery order."""
        return ([m.message.id for m in self.messages]
                + [s.status.event_id for s in self.statuses])


def _location(exc: ValidationError) -> str:
    first = exc.errors()[0]
    where = ".".join(str(p) for p in first["loc"])
    return f"{where}: {first['msg']}"


def parse_webhook_body(body: bytes) -> ParsedWebhook:
    """Parse a webhook POST body; ``InvalidPayload`` (400) names the first bad field."""
    try:
        raw: Any = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidPayload(f"body is not JSON: {exc}", system="whatsapp") from exc
    try:
        payload = WebhookPayload.model_validate(raw)
    except ValidationError as exc:
        raise InvalidPayload(f"not a WhatsApp Business webhook: {_location(exc)}",
                             system="whatsapp") from exc
    messages: list[ReceivedMessage] = []
    statuses: list[ReceivedStatus] = []
    errors: list[GraphError] = []
    ignored: list[str] = []
    for e, entry in enumerate(payload.entry):
        for c, change in enumerate(entry.changes):
            if change.field != "messages":
                ignored.append(change.field)
                continue
            try:
                value = ChangeValue.model_validate(change.value)
            except ValidationError as exc:
                raise InvalidPayload(
                    f"entry[{e}].changes[{c}].value.{_location(exc)}", system="whatsapp"
                ) from exc
            if value.metadata is None:
                raise InvalidPayload(f"entry[{e}].changes[{c}].value.metadata is missing",
                                     system="whatsapp")
            number = value.metadata.phone_number_id
            senders = {contact.wa_id: contact for contact in value.contacts}
            for message in value.messages:
                sender = senders.get(message.from_) or WebhookContact(wa_id=message.from_)
                messages.append(ReceivedMessage(waba_id=entry.id, phone_number_id=number,
                                                sender=sender, message=message))
            statuses.extend(ReceivedStatus(waba_id=entry.id, phone_number_id=number,
                                           status=s) for s in value.statuses)
            errors.extend(value.errors)
    return ParsedWebhook(messages=messages, statuses=statuses, errors=errors,
                         ignored_fields=ignored)


STATUS_RANK: dict[StatusName, int] = {
    "warning": 0, "sent": 1, "failed": 1, "delivered": 2, "read": 3, "played": 4, "deleted": 5}
"""How far along a message is. ``failed`` ranks with ``sent``: a message that was
delivered or read cannot have failed, and a failure replaces only ``sent``."""


def next_status(current: StatusName | None, update: StatusName) -> StatusName | None:
    """The status after applying ``update``, or ``None`` when it would go backwards.

    >>> next_status("read", "delivered") is None   # a late 'delivered' is skipped
    True
    """
    if current is None:
        return update
    if update == current:
        return None
    if update == "failed":
        return "failed" if current in ("sent", "warning") else None
    if current == "failed":
        return update if STATUS_RANK[update] >= STATUS_RANK["delivered"] else None
    return update if STATUS_RANK[update] > STATUS_RANK[current] else None


def order_statuses(updates: list[StatusUpdate]) -> list[StatusUpdate]:
    """A batch sorted so each message's statuses apply oldest-first (rank breaks ties:
    Meta timestamps are whole seconds and 'delivered' and 'read' often share one)."""
    return sorted(updates, key=lambda u: (u.id, u.timestamp, STATUS_RANK[u.status]))
