"""Yonyou event push: verify, decrypt, and turn into the hub's ``ChangeEvent``s.

The decrypted JSON carries ``type`` (the event code), ``eventId``, ``timestamp`` and
``tenantId`` (documented outer fields); where the business record sits differs per
event (flat merchant object, ``BILL_INFO.billId`` for sales orders, ``content``...), so
the id is looked for in those places. An event is a signal that a record changed; the
pipeline fetches the current record with ``get`` (Yonyou's own advice).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from datetime import datetime, timezone
from typing import Any

from connectors.base import ChangeEvent
from connectors.yonyou.signing import EventCryptoError, decrypt_message, event_signature
from hub.errors import AuthError, FatalError

log = logging.getLogger(__name__)

ENTITY_BY_PREFIX: tuple[tuple[str, str], ...] = (
    ("YXYBASEDOC_AA_MERCHANT", "customer"),
    ("SALE_", "sales_order"),
)
CHECK_URL = "CHECK_URL"
_ID_KEYS = ("billId", "id")
_NESTED = ("BILL_INFO", "content", "data", "archive", "bill")


def _envelope(body: bytes, system: str) -> dict[str, Any]:
    try:
        payload = json.loads(body)
    except ValueError:
        raise AuthError(f"{system}: event body is not JSON", system=system) from None
    if not isinstance(payload, dict) or not all(
            isinstance(payload.get(k), (str, int)) for k in ("nonce", "encrypt", "timestamp",
                                                             "signature")):
        raise AuthError(f"{system}: event body needs nonce, encrypt, timestamp and signature",
                        system=system)
    return payload


def verify(app_secret: str, body: bytes, *, system: str) -> None:
    """Raise ``AuthError`` unless the signature over sorted nonce/encrypt/timestamp holds."""
    p = _envelope(body, system)
    expected = event_signature(app_secret, str(p["nonce"]), str(p["encrypt"]), p["timestamp"])
    if not hmac.compare_digest(expected.encode(), str(p["signature"]).encode()):
        raise AuthError(f"{system}: event signature does not match", system=system)


def decrypt(app_secret: str, app_key: str, body: bytes, *, system: str) -> dict[str, Any]:
    p = _envelope(body, system)
    try:
        text = decrypt_message(str(p["encrypt"]), app_secret, app_key)
    except EventCryptoError as exc:
        raise AuthError(f"{system}: event does not decrypt: {exc}", system=system) from exc
    try:
        event = json.loads(text)
    except ValueError:
        raise FatalError(f"{system}: decrypted event is not JSON", system=system) from None
    if not isinstance(event, dict):
        raise FatalError(f"{system}: decrypted event is not a JSON object", system=system)
    event.setdefault("_digest", hashlib.sha256(text.encode()).hexdigest())
    return event


def _find_id(node: Any, depth: int = 0) -> str | None:
    if isinstance(node, str) and depth and node.strip().startswith("{"):
        try:
            node = json.loads(node)
        except ValueError:
            return None
    if not isinstance(node, dict) or depth > 3:
        return None
    for key in _ID_KEYS:
        if node.get(key) not in (None, ""):
            return str(node[key])
    for key in _NESTED:
        if key in node:
            found = _find_id(node[key], depth + 1)
            if found:
                return found
    return None


def parse(app_secret: str, app_key: str, body: bytes, *, system: str) -> list[ChangeEvent]:
    verify(app_secret, body, system=system)
    event = decrypt(app_secret, app_key, body, system=system)
    kind = str(event.get("type") or event.get("eventType") or "")
    if kind == CHECK_URL:
        return []
    entity = next((e for prefix, e in ENTITY_BY_PREFIX if kind.startswith(prefix)), None)
    remote_id = _find_id({k: v for k, v in event.items() if k not in ("tenantId",)})
    if entity is None or remote_id is None:
        log.info("yonyou event ignored", extra={"system": system, "type": kind,
                                                 "has_id": remote_id is not None})
        return []
    occurred = None
    if isinstance(event.get("timestamp"), (int, float)):
        occurred = datetime.fromtimestamp(event["timestamp"] / 1000, tz=timezone.utc)
    digest = event.pop("_digest")
    return [ChangeEvent(event_id=str(event.get("eventId") or digest), entity=entity,
                        remote_id=remote_id, kind="delete" if "DELETE" in kind else "upsert",
                        data=event, occurred_at=occurred)]
