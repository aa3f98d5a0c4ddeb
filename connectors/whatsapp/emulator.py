"""A Cloud API emulator: the send endpoint as Meta documents it, and signed webhooks.

``create_app(state)`` serves ``POST /{version}/{phone_number_id}/messages``:

* ``Authorization: Bearer <token>`` must match, else 401 with Graph error 190;
* an unknown phone number id is Graph error 100, a malformed body 100 naming the field;
* text to a user whose last message is older than 24 hours → 131047;
* numbers marked undeliverable → 131026;
* ``state.inject(code, times)`` makes the next sends fail with any code (130429
  throughput, 131056 pair rate, …), for retry tests;
* success → ``{messaging_product, contacts[{input, wa_id}], messages[{id}]}``.

The state is a plain object the test holds, so it can open windows (``receive``) and
inspect what was sent. :func:`deliver` POSTs a webhook to a URL signed exactly like
Meta (``X-Hub-Signature-256`` over the raw bytes with the app secret).
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections import deque
from datetime import datetime, timedelta, timezone
from typing import Any

import httpx
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from connectors.whatsapp.webhook import SIGNATURE_HEADER, sign_body

__all__ = ["EmulatorState", "SentMessage", "create_app", "deliver", "inbound_payload",
           "status_payload"]

WINDOW = timedelta(hours=24)
ERRORS: dict[int, tuple[str, str, str]] = {
    # code: (type, title, details) — texts as Meta publishes them.
    100: ("OAuthException", "Invalid parameter", "Invalid parameter"),
    190: ("OAuthException", "Invalid OAuth access token",
          "Invalid OAuth access token - Cannot parse access token"),
    130429: ("OAuthException", "Rate limit hit",
             "Cloud API message throughput has been reached."),
    131026: ("OAuthException", "Message Undeliverable",
             "Message failed to send because the recipient is not a WhatsApp user or has not "
             "accepted the latest terms."),
    131047: ("OAuthException", "Re-engagement message",
             "Message failed to send because more than 24 hours have passed since the "
             "customer last replied to this number."),
    131056: ("OAuthException", "(Business Account, Consumer Account) pair rate limit hit",
             "Too many messages sent from this phone number to the same phone number."),
    132001: ("OAuthException", "Template name does not exist in the translation",
             "template name does not exist in the specified language"),
}


class SentMessage(BaseModel):
    id: str
    to: str
    type: str
    body: dict[str, Any]
    at: datetime


class EmulatorState:
    """What the emulated Meta knows; thread-safe, since uvicorn serves from its thread."""

    def __init__(self, *, access_token: str, phone_number_ids: set[str],
                 templates: set[str] | None = None) -> None:
        self.access_token = access_token
        self.phone_number_ids = phone_number_ids
        self.templates = templates if templates is not None else {"hello_world"}
        self.last_inbound: dict[str, datetime] = {}
        self.undeliverable: set[str] = set()
        self.sent: list[SentMessage] = []
        self.attempts = 0
        self._injected: deque[int] = deque()
        self._lock = threading.Lock()

    def receive(self, wa_id: str, at: datetime | None = None) -> None:
        """The user wrote to us at ``at``: the customer-service window opens."""
        with self._lock:
            self.last_inbound[wa_id] = at or datetime.now(timezone.utc)

    def inject(self, code: int, times: int = 1) -> None:
        with self._lock:
            self._injected.extend([code] * times)

    def next_injected(self) -> int | None:
        with self._lock:
            self.attempts += 1
            return self._injected.popleft() if self._injected else None


def graph_error(code: int, *, status: int = 400, details: str | None = None) -> JSONResponse:
    kind, title, default = ERRORS.get(code, ("OAuthException", "Error", "Error"))
    return JSONResponse(status_code=status, content={"error": {
        "message": f"(#{code}) {title}", "type": kind, "code": code,
        "error_data": {"messaging_product": "whatsapp", "details": details or default},
        "fbtrace_id": uuid.uuid4().hex[:20]}})


def create_app(state: EmulatorState) -> FastAPI:
    app = FastAPI(title="WhatsApp Cloud API emulator")

    @app.post("/{version}/{phone_number_id}/messages")
    async def send(version: str, phone_number_id: str, request: Request) -> JSONResponse:
        auth = request.headers.get("authorization", "")
        if auth != f"Bearer {state.access_token}":
            return graph_error(190, status=401)
        if phone_number_id not in state.phone_number_ids:
            return graph_error(100, details=f"Unsupported post request. Object with ID "
                                            f"'{phone_number_id}' does not exist")
        try:
            body = json.loads(await request.body())
        except json.JSONDecodeError:
            return graph_error(100, details="body is not JSON")
        problem = _check(body, state)
        if problem:
            return graph_error(100, details=problem)
        injected = state.next_injected()
        if injected is not None:
            return graph_error(injected)
        to = str(body["to"])
        if to in state.undeliverable:
            return graph_error(131026)
        kind = body["type"]
        now = datetime.now(timezone.utc)
        if kind == "text":
            last = state.last_inbound.get(to)
            if last is None or now - last >= WINDOW:
                return graph_error(131047)
        if kind == "template" and body["template"]["name"] not in state.templates:
            return graph_error(132001)
        message_id = f"wamid.{uuid.uuid4().hex}"
        state.sent.append(SentMessage(id=message_id, to=to, type=kind, body=body, at=now))
        return JSONResponse({"messaging_product": "whatsapp",
                             "contacts": [{"input": to, "wa_id": to}],
                             "messages": [{"id": message_id, "message_status": "accepted"}]})

    return app


def _check(body: Any, state: EmulatorState) -> str | None:
    if not isinstance(body, dict):
        return "body must be a JSON object"
    if body.get("messaging_product") != "whatsapp":
        return "messaging_product must be 'whatsapp'"
    if not body.get("to"):
        return "to is required"
    kind = body.get("type", "text")
    body.setdefault("type", kind)
    if kind == "text" and not (isinstance(body.get("text"), dict) and body["text"].get("body")):
        return "text.body is required"
    if kind == "template":
        template = body.get("template")
        if not (isinstance(template, dict) and template.get("name")
                and isinstance(template.get("language"), dict)):
            return "template.name and template.language.code are required"
    if kind not in ("text", "template"):
        return f"type '{kind}' is not emulated"
    return None


# -- webhooks ------------------------------------------------------------------

class Envelope(BaseModel):
    waba_id: str = "102290129340398"
    phone_number_id: str = "106540352242922"
    display_phone_number: str = "15550783881"


def _wrap(value: dict[str, Any], env: Envelope) -> dict[str, Any]:
    value = {"messaging_product": "whatsapp",
             "metadata": {"display_phone_number": env.display_phone_number,
                          "phone_number_id": env.phone_number_id}, **value}
    return {"object": "whatsapp_business_account",
            "entry": [{"id": env.waba_id, "changes": [{"value": value, "field": "messages"}]}]}


def inbound_payload(wa_id: str, message: dict[str, Any], *, name: str = "Buyer",
                    message_id: str | None = None, timestamp: int | None = None,
                    envelope: Envelope | None = None) -> dict[str, Any]:
    """A Meta-shaped inbound webhook; ``message`` holds ``type`` and its object."""
    body = {"from": wa_id, "id": message_id or f"wamid.{uuid.uuid4().hex}",
            "timestamp": str(timestamp if timestamp is not None else int(time.time())),
            **message}
    return _wrap({"contacts": [{"profile": {"name": name}, "wa_id": wa_id}],
                  "messages": [body]}, envelope or Envelope())


def status_payload(message_id: str, status: str, recipient: str, *, timestamp: int,
                   errors: list[dict[str, Any]] | None = None,
                   envelope: Envelope | None = None) -> dict[str, Any]:
    entry: dict[str, Any] = {"id": message_id, "status": status, "timestamp": str(timestamp),
                             "recipient_id": recipient}
    if status != "failed":
        entry["conversation"] = {"id": uuid.uuid4().hex, "origin": {"type": "service"}}
        entry["pricing"] = {"billable": True, "pricing_model": "CBP", "category": "service"}
    if errors:
        entry["errors"] = errors
    return _wrap({"statuses": [entry]}, envelope or Envelope())


def deliver(url: str, payload: dict[str, Any], *, app_secret: str,
            client: httpx.Client | None = None) -> httpx.Response:
    """POST a webhook signed the way Meta signs it; returns the receiver's answer."""
    body = json.dumps(payload, ensure_ascii=False).encode()
    headers = {"Content-Type": "application/json",
               SIGNATURE_HEADER: sign_body(body, app_secret)}
    if client is not None:
        return client.post(url, content=body, headers=headers)
    with httpx.Client(timeout=10) as own:
        return own.post(url, content=body, headers=headers)


