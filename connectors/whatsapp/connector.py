"""``WhatsAppConnector``: the Cloud API on the connector protocol.

WhatsApp only pushes: there is no API to list received messages, so
``read_changes`` yields nothing and everything arrives through ``parse_webhook``:

* each inbound message → a ``lead`` change event keyed by the sender's wa_id (every
  message from one buyer updates the same lead), event id = the wamid (dedupe key),
  ``data`` = the remote record below;
* with ``log_conversations``, each inbound message also → an ``activity`` event (the conversation log entry),
  event id ``wamid#activity``, keyed by ``ref`` (a short digest of the wamid);
* each status → an ``activity`` event for the message we sent (keyed by its wamid,
  event id ``wamid:status``, ``direction`` "out", ``record`` "status"): the hub
  applies it to that message's conversation entry with
  :func:`connectors.whatsapp.parse.next_status`, so a late status never regresses it.

The lead record (``data``) is ready for a mapping: ``wa_id``, ``phone`` (E.164),
``country`` (from the calling code), ``contact_name``, ``message`` (one line),
``inquiry`` (extracted items, or the order's items), ``received_at`` and the full
typed ``raw`` message.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping
from datetime import datetime

import httpx

from connectors.base import Batch, ChangeEvent, Connector, ConnectorConfig
from connectors.whatsapp.models import StatusUpdate
from connectors.whatsapp.parse import ParsedWebhook, ReceivedMessage, parse_webhook_body
from connectors.whatsapp.sender import SendResult, TemplateSpec, WhatsAppConfig, WhatsAppSender
from connectors.whatsapp.webhook import verify_signature, verify_subscription
from hub.leads.extract import extract_inquiry
from hub.leads.match import country_of_phone, normalise_wa_id
from hub.models import InquiryItem

__all__ = ["WhatsAppConnector", "activity_record", "lead_record", "message_ref",
           "outbound_record", "status_record"]


def _inquiry(received: ReceivedMessage) -> list[InquiryItem]:
    message = received.message
    if message.order:
        return [InquiryItem(product=i.product_retailer_id, quantity=i.quantity, unit="pcs")
                for i in message.order.product_items]
    text = message.text.body if message.text else (
        message.media.caption if message.media and message.media.caption else None)
    return extract_inquiry(text) if text else []


def lead_record(received: ReceivedMessage) -> dict[str, object]:
    """The remote-shaped lead a message stands for (what a lead mapping reads)."""
    message = received.message
    wa_id = received.sender.wa_id
    phone = normalise_wa_id(wa_id)
    return {
        "wa_id": wa_id,
        "phone": phone,
        "country": country_of_phone(phone),
        "contact_name": received.sender.profile_name,
        "message": message.summary()[:10000],
        "message_type": message.type,
        "inquiry": [i.model_dump(mode="json") for i in _inquiry(received)],
        "received_at": message.timestamp.isoformat(),
        "phone_number_id": received.phone_number_id,
        "reply_to": message.context.id if message.context else None,
        "raw": message.model_dump(mode="json", by_alias=True, exclude_none=True),
    }


def message_ref(wamid: str) -> str:
    """A key for the message that any CRM accepts (wamids are long base64 with '=')."""
    return "WA-" + hashlib.sha256(wamid.encode()).hexdigest()[:32].upper()


def activity_record(received: ReceivedMessage) -> dict[str, object]:
    """The conversation entry a message stands for (what an activity mapping reads)."""
    record = lead_record(received)
    record["ref"] = message_ref(received.message.id)
    record["message_id"] = received.message.id
    return record


def status_record(update: StatusUpdate) -> dict[str, object]:
    """A delivery status as a change of the conversation entry of the message we sent."""
    error = update.errors[0] if update.errors else None
    return {
        "record": "status",
        "ref": message_ref(update.id),
        "message_id": update.id,
        "wa_id": update.recipient_id,
        "phone": normalise_wa_id(update.recipient_id),
        "direction": "out",
        "message_status": update.status,
        "status_at": update.timestamp.isoformat(),
        "error_code": error.code if error else None,
        "error_title": error.headline if error else None,
    }


def outbound_record(result: SendResult, *, text: str, remote_id: str,
                    contact_name: str | None = None) -> dict[str, object]:
    """The conversation entry of a message we sent (or tried to): what was sent, and
    Meta's answer — the wamid, or the error code and title."""
    error = result.error
    what = (f"template {result.template}" if result.kind == "template" and result.template
            else result.kind)
    return {
        "record": "outbound",
        "ref": message_ref(remote_id),
        "message_id": result.message_id,
        "wa_id": result.wa_id or result.to,
        "phone": normalise_wa_id(result.wa_id or result.to),
        "contact_name": contact_name,
        "direction": "out",
        "message_type": what,
        "message": text[:10000],
        "received_at": result.sent_at.isoformat(),
        "message_status": "accepted" if result.outcome == "accepted" else "failed",
        "status_at": result.sent_at.isoformat(),
        "error_code": error.code if error else None,
        "error_title": error.headline if error else None,
    }


class WhatsAppConnector(Connector):
    name = "whatsapp"
    config_model = WhatsAppConfig
    readable = frozenset({"lead", "activity"})
    writable = frozenset()

    def __init__(self, config: ConnectorConfig, *, system: str,
                 transport: httpx.BaseTransport | None = None) -> None:
        super().__init__(config, system=system, transport=transport)
        assert isinstance(config, WhatsAppConfig)
        self.settings: WhatsAppConfig = config
        self._client: httpx.Client | None = None

    @property
    def sender(self) -> WhatsAppSender:
        if self._client is None:
            self._client = httpx.Client(timeout=self.settings.timeout_seconds,
                                        transport=self.transport)
        return WhatsAppSender(self.settings, self._client, system=self.system)

    def read_changes(self, entity: str, cursor: str | None, *,
                     batch_size: int = 500) -> Iterator[Batch]:
        """Nothing to poll: WhatsApp delivers messages only by webhook."""
        self.check_entity(entity)
        return iter(())

    # -- push ------------------------------------------------------------------
    def verify_subscription(self, params: Mapping[str, str]) -> str:
        """The GET handshake: the challenge to answer, or ``SubscriptionRefused`` (403)."""
        return verify_subscription(params, self.settings.verify_token.get_secret_value())

    def verify_webhook(self, headers: Mapping[str, str], body: bytes) -> None:
        verify_signature(headers, body, self.settings.app_secret.get_secret_value())

    def parse(self, body: bytes) -> ParsedWebhook:
        return parse_webhook_body(body)

    def parse_webhook(self, headers: Mapping[str, str], body: bytes) -> list[ChangeEvent]:
        parsed = self.parse(body)
        events = [ChangeEvent(event_id=m.message.id, entity="lead", remote_id=m.sender.wa_id,
                              data=lead_record(m), occurred_at=m.message.timestamp)
                  for m in parsed.messages]
        events.extend(
            ChangeEvent(event_id=f"{m.message.id}#activity", entity="activity",
                        remote_id=m.message.id, data=activity_record(m),
                        occurred_at=m.message.timestamp)
            for m in parsed.messages if self.settings.log_conversations)
        events.extend(
            ChangeEvent(event_id=s.status.event_id, entity="activity",
                        remote_id=s.status.id, occurred_at=s.status.timestamp,
                        data=status_record(s.status))
            for s in parsed.statuses)
        return events

    # -- sending ---------------------------------------------------------------
    def send_message(self, to: str, body: str, *, last_inbound_at: datetime | None,
                     template: TemplateSpec | None = None,
                     reply_to: str | None = None) -> SendResult:
        """Text inside the 24-hour window, else a template; failures come back recorded."""
        return self.sender.send_text(to, body, last_inbound_at=last_inbound_at,
                                     template=template, reply_to=reply_to)

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None
