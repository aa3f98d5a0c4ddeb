"""The generic webhook signature scheme, used in both directions.

Any product can implement it in a few lines: the sender computes
``HMAC-SHA256(secret, f"{timestamp}.{raw_body}")`` and sends

    X-TradeHub-Timestamp: <unix seconds>
    X-TradeHub-Signature: sha256=<hex digest>
    X-TradeHub-Event-Id:  <unique id of the event>

The receiver recomputes it over the raw bytes, compares in constant time, and
refuses timestamps more than five minutes away from its clock (replay window).
"""

from __future__ import annotations

import hmac
import time
import uuid
from collections.abc import Mapping

from hub.errors import AuthError

TIMESTAMP_HEADER = "X-TradeHub-Timestamp"
SIGNATURE_HEADER = "X-TradeHub-Signature"
EVENT_ID_HEADER = "X-TradeHub-Event-Id"
REPLAY_WINDOW_SECONDS = 300


def compute_signature(secret: str, timestamp: str, body: bytes) -> str:
    message = timestamp.encode() + b"." + body
    return "sha256=" + hmac.digest(secret.encode(), message, "sha256").hex()


def sign(secret: str, body: bytes, *, event_id: str | None = None,
         timestamp: int | None = None) -> dict[str, str]:
    """Headers that make ``body`` verifiable by a holder of ``secret``."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    return {
        TIMESTAMP_HEADER: ts,
        SIGNATURE_HEADER: compute_signature(secret, ts, body),
        EVENT_ID_HEADER: event_id or uuid.uuid4().hex,
    }


def header_value(headers: Mapping[str, str], name: str) -> str | None:
    """A header by its case-insensitive name, from any mapping (ASGI servers and the
    inbox hand over lower-case names, so that is tried first)."""
    value = headers.get(name.lower())
    if value is None:
        value = headers.get(name)
    if value is None:
        wanted = name.lower()
        value = next((v for k, v in headers.items() if k.lower() == wanted), None)
    return value


def verify(secret: str, headers: Mapping[str, str], body: bytes, *,
           now: float | None = None, window: int = REPLAY_WINDOW_SECONDS) -> None:
    """Raise ``AuthError`` unless the headers carry a fresh, valid signature of ``body``."""
    timestamp = header_value(headers, TIMESTAMP_HEADER)
    signature = header_value(headers, SIGNATURE_HEADER)
    if not timestamp or not signature:
        raise AuthError(f"missing {TIMESTAMP_HEADER} or {SIGNATURE_HEADER} header")
    try:
        sent_at = int(timestamp)
    except ValueError:
        raise AuthError(f"{TIMESTAMP_HEADER} must be unix seconds") from None
    current = time.time() if now is None else now
    if abs(current - sent_at) > window:
        raise AuthError(f"{TIMESTAMP_HEADER} is outside the {window} s replay window")
    expected = compute_signature(secret, timestamp, body)
    if not hmac.compare_digest(expected.encode(), signature.strip().encode()):
        raise AuthError("signature does not match the body")
