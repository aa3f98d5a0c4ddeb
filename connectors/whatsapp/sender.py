"""Sending through the Cloud API: the 24-hour rule, template fallback, typed results.

WhatsApp allows free-form text only within 24 hours of the customer's last message
(the customer-service window); outside it only an approved template may go, and a
text is refused with 131047. The sender picks the kind from the time of the last
inbound message the hub logged, and still falls back to the template when Meta says
131047 (our clock and Meta's can disagree at the edge of the window).

Errors are sorted by :func:`connectors.whatsapp.errors.classify`: throughput limits
(130429 …) and Meta's own trouble are ``RetriableError`` and retried by
``connectors.http.with_retries`` (the one retry loop), credentials raise
``AuthError``, and everything about the message itself (131026 undeliverable, a bad
template, spam) comes back as a ``failed`` :class:`SendResult` to be recorded.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import datetime, timedelta, timezone
from typing import Any, Literal

import httpx
from pydantic import BaseModel, ConfigDict, Field, SecretStr

from connectors.base import ConnectorConfig
from connectors.http import parse_retry_after, raise_for_status, with_retries
from connectors.whatsapp.errors import GraphError, classify
from hub.errors import AuthError, RetriableError

__all__ = ["SERVICE_WINDOW", "SendResult", "TemplateSpec", "WhatsAppConfig", "WhatsAppSender"]

log = logging.getLogger(__name__)
SERVICE_WINDOW = timedelta(hours=24)


class TemplateSpec(BaseModel):
    """An approved message template and the body parameters to fill in."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1, max_length=512)
    language: str = Field("en_US", min_length=2, max_length=15)
    body_parameters: list[str] = Field(default_factory=list)


class WhatsAppConfig(ConnectorConfig):
    """Settings of one WhatsApp Business phone number (hub.yaml ``systems.<name>``)."""

    graph_url: str = Field("https://graph.facebook.com", description="No trailing slash.")
    api_version: str = Field("v21.0", pattern=r"^v\d+\.\d+$")
    phone_number_id: str = Field(min_length=1)
    access_token: SecretStr
    app_secret: SecretStr
    verify_token: SecretStr
    default_template: TemplateSpec | None = Field(
        None, description="Sent when the customer-service window is closed.")
    messages_per_second: float = Field(
        80.0, gt=0, le=1000, description="Meta's per-number throughput (80/s by default).")
    default_region: str | None = Field(
        None, min_length=2, max_length=2, description="For national phone numbers.")
    log_conversations: bool = Field(
        False, description="Also emit an 'activity' event per inbound message (the "
                           "conversation log entry on the lead or customer).")


SendKind = Literal["text", "template"]


class SendResult(BaseModel):
    """What happened to one send; ``failed`` results are recorded, not raised."""

    model_config = ConfigDict(frozen=True)

    to: str
    kind: SendKind
    outcome: Literal["accepted", "failed"]
    message_id: str | None = None
    wa_id: str | None = None
    message_status: str | None = None
    fell_back_to_template: bool = False
    template: str | None = Field(None, description="The template's name, when one was sent.")
    error: GraphError | None = None
    sent_at: datetime


def within_window(last_inbound_at: datetime | None, now: datetime) -> bool:
    return last_inbound_at is not None and now - last_inbound_at < SERVICE_WINDOW


class _Throttle:
    """Spaces sends to the number's throughput so we are not the cause of 130429."""

    def __init__(self, per_second: float) -> None:
        self.interval = 1.0 / per_second
        self.next_at = 0.0
        self.lock = threading.Lock()

    def wait(self) -> None:
        with self.lock:
            now = time.monotonic()
            delay = self.next_at - now
            self.next_at = max(now, self.next_at) + self.interval
        if delay > 0:
            time.sleep(delay)


class WhatsAppSender:
    def __init__(self, config: WhatsAppConfig, client: httpx.Client, *,
                 system: str = "whatsapp") -> None:
        self.config = config
        self.client = client
        self.system = system
        self.url = (f"{config.graph_url.rstrip('/')}/{config.api_version}/"
                    f"{config.phone_number_id}/messages")
        self._throttle = _Throttle(config.messages_per_second)

    def send_text(self, to: str, body: str, *, last_inbound_at: datetime | None,
                  template: TemplateSpec | None = None, reply_to: str | None = None,
                  now: datetime | None = None) -> SendResult:
        """Text inside the window, else the template (``template`` or the default)."""
        now = now or datetime.now(timezone.utc)
        template = template or self.config.default_template
        if not within_window(last_inbound_at, now):
            if template is None:
                return self._no_template(to, now)
            return self.send_template(to, template, now=now)
        payload: dict[str, Any] = {"type": "text", "text": {"body": body, "preview_url": False}}
        if reply_to:
            payload["context"] = {"message_id": reply_to}
        result = self._send(to, "text", payload, now)
        if result.error is not None and classify(result.error) == "reengage":
            if template is None:
                return result
            log.info("window closed at Meta, sending template",
                     extra={"system": self.system, "template": template.name})
            fallback = self.send_template(to, template, now=now)
            return fallback.model_copy(update={"fell_back_to_template": True})
        return result

    def send_template(self, to: str, template: TemplateSpec, *,
                      now: datetime | None = None) -> SendResult:
        components = ([{"type": "body", "parameters": [
            {"type": "text", "text": p} for p in template.body_parameters]}]
            if template.body_parameters else [])
        payload = {"type": "template", "template": {
            "name": template.name, "language": {"code": template.language},
            "components": components}}
        result = self._send(to, "template", payload, now or datetime.now(timezone.utc))
        return result.model_copy(update={"template": template.name})

    def _no_template(self, to: str, now: datetime) -> SendResult:
        error = GraphError(code=131047, title="Re-engagement message",
                           details="outside the 24-hour window and no template configured")
        return SendResult(to=to, kind="text", outcome="failed", error=error, sent_at=now)

    def _send(self, to: str, kind: SendKind, payload: dict[str, Any],
              now: datetime) -> SendResult:
        body = {"messaging_product": "whatsapp", "recipient_type": "individual", "to": to,
                **payload}
        headers = {"Authorization": f"Bearer {self.config.access_token.get_secret_value()}"}

        def call() -> httpx.Response | GraphError:
            self._throttle.wait()
            try:
                response = self.client.post(self.url, json=body, headers=headers)
            except (httpx.TimeoutException, httpx.NetworkError,
                    httpx.RemoteProtocolError) as exc:
                raise RetriableError(f"{self.system} did not answer: {type(exc).__name__}",
                                     system=self.system) from exc
            error = GraphError.from_response(response)
            if error is None:
                raise_for_status(response, system=self.system)
                return response
            action = classify(error)
            if action == "retry":
                raise RetriableError(
                    f"{self.system} is busy: {error.describe()}", system=self.system,
                    remote_code=str(error.code),
                    retry_after=parse_retry_after(response.headers.get("retry-after")))
            if action == "auth":
                raise AuthError(f"{self.system} refused our access token: {error.describe()}",
                                system=self.system, remote_code=str(error.code))
            return error

        outcome = with_retries(call, max_retries=self.config.max_retries, system=self.system)
        if isinstance(outcome, GraphError):
            log.warning("send failed", extra={"system": self.system, "kind": kind,
                                              "code": outcome.code})
            return SendResult(to=to, kind=kind, outcome="failed", error=outcome, sent_at=now)
        reply = outcome.json()
        message = (reply.get("messages") or [{}])[0]
        contact = (reply.get("contacts") or [{}])[0]
        return SendResult(to=to, kind=kind, outcome="accepted", message_id=message.get("id"),
                          message_status=message.get("message_status"),
                          wa_id=contact.get("wa_id"), sent_at=now)
