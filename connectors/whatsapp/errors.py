"""WhatsApp-specific refusals and the Graph API error envelope.

The refusals carry the HTTP status the hub's webhook endpoint should answer (pywa's
server answers 401 for a missing signature, 403 for a wrong one or a wrong verify
token, and a malformed body is the sender's 400), so the endpoint maps any of them
with ``exc.http_status`` and ``exc.to_problem()``.

Graph errors look like ``{"error": {message, type, code, error_subcode,
error_data: {details}, fbtrace_id}}``; :func:`classify` says what a sender does
about each code (protocols.md §3, pywa ``errors.py``).
"""

from __future__ import annotations

import re
from typing import Any, Literal

import httpx
from pydantic import BaseModel, ConfigDict, ValidationError, model_validator

from hub.errors import AuthError, FatalError

__all__ = ["GraphError", "InvalidPayload", "SignatureInvalid", "SignatureMissing",
           "SubscriptionRefused", "classify"]


class SubscriptionRefused(AuthError):
    """The verification GET did not carry our verify token."""

    code = "whatsapp-subscription-refused"
    http_status = 403


class SignatureMissing(AuthError):
    code = "whatsapp-signature-missing"
    http_status = 401


class SignatureInvalid(AuthError):
    code = "whatsapp-signature-invalid"
    http_status = 403


class InvalidPayload(FatalError):
    """The body is not a WhatsApp Business webhook; the problem names what is wrong."""

    code = "whatsapp-invalid-payload"
    http_status = 400


class GraphError(BaseModel):
    """One error as Meta reports it, in a send reply, a status or an inbound message."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    code: int
    title: str | None = None
    message: str | None = None
    type: str | None = None
    error_subcode: int | None = None
    details: str | None = None
    fbtrace_id: str | None = None
    href: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _flatten(cls, data: Any) -> Any:
        if isinstance(data, dict) and isinstance(data.get("error_data"), dict):
            data = {**data, "details": data["error_data"].get("details")}
        return data

    @classmethod
    def from_response(cls, response: httpx.Response) -> GraphError | None:
        """The error in a Graph reply, or ``None`` when the body is no error envelope."""
        if response.status_code < 400:
            return None
        try:
            body = response.json()
        except ValueError:
            return None
        if not isinstance(body, dict) or not isinstance(body.get("error"), dict):
            return None
        try:
            return cls.model_validate(body["error"])
        except ValidationError:
            return None

    @property
    def headline(self) -> str | None:
        """The error's title: a status error's ``title``, else a send reply's ``message``
        without Meta's "(#131026) " prefix."""
        if self.title:
            return self.title
        if self.message:
            return re.sub(r"^\(#\d+\)\s*", "", self.message) or None
        return None

    def describe(self) -> str:
        text = self.title or self.message or "error"
        return f"{self.code} {text}" + (f": {self.details}" if self.details else "")


Action = Literal["retry", "auth", "reengage", "record"]

THROUGHPUT_CODES = frozenset({4, 80007, 130429, 131056, 131064})
"""Too many messages (app, account, number, or pair rate): wait and send again."""
AUTH_CODES = frozenset({0, 190}) | frozenset(range(200, 300)) | {3, 10}
REENGAGEMENT_CODE = 131047
"""More than 24 hours since the customer's last message: only a template may go."""
RETRIABLE_SERVER_CODES = frozenset({1, 2, 131000, 131016})
"""Meta's own trouble (unknown error, service unavailable)."""


def classify(error: GraphError) -> Action:
    """What a sender does about an error: retry later, fix credentials, send a template,
    or record the failure against the message (undeliverable, bad template, spam…)."""
    if error.code in THROUGHPUT_CODES or error.code in RETRIABLE_SERVER_CODES:
        return "retry"
    if error.code in AUTH_CODES:
        return "auth"
    if error.code == REENGAGEMENT_CODE:
        return "reengage"
    return "record"
