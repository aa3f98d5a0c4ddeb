"""The two checks Meta's webhooks need: the subscription handshake and the signature.

Handshake: Meta sends ``GET ?hub.mode=subscribe&hub.verify_token=…&hub.challenge=…``
once when the callback URL is registered; answering the challenge (200, plain text)
proves we own the URL, anything else must be a 403.

Signature: every POST carries ``X-Hub-Signature-256: sha256=<hex>``, the HMAC-SHA256
of the *raw* body with the app secret. It is computed over the bytes as received,
never over re-serialised JSON (which reorders keys and escapes non-ASCII differently),
and compared in constant time.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping

from connectors.whatsapp.errors import SignatureInvalid, SignatureMissing, SubscriptionRefused
from hub.signing import header_value

__all__ = ["SIGNATURE_HEADER", "sign_body", "verify_signature", "verify_subscription"]

SIGNATURE_HEADER = "X-Hub-Signature-256"


def verify_subscription(params: Mapping[str, str], verify_token: str) -> str:
    """The challenge to echo back, or ``SubscriptionRefused`` (answer 403)."""
    mode = params.get("hub.mode")
    token = params.get("hub.verify_token")
    challenge = params.get("hub.challenge")
    if mode != "subscribe":
        raise SubscriptionRefused("hub.mode must be 'subscribe'", system="whatsapp")
    if challenge is None or challenge == "":
        raise SubscriptionRefused("hub.challenge is missing", system="whatsapp")
    if token is None or not hmac.compare_digest(token.encode(), verify_token.encode()):
        raise SubscriptionRefused("hub.verify_token does not match", system="whatsapp")
    return challenge


def sign_body(body: bytes, app_secret: str) -> str:
    """The header value Meta would send for ``body``."""
    return "sha256=" + hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()


def verify_signature(headers: Mapping[str, str], body: bytes, app_secret: str) -> None:
    """Return quietly when the body carries a valid signature; else raise (401/403)."""
    value = header_value(headers, SIGNATURE_HEADER)
    if not value:
        raise SignatureMissing(f"missing {SIGNATURE_HEADER} header", system="whatsapp")
    value = value.strip()
    if not value.startswith("sha256="):
        raise SignatureInvalid(f"{SIGNATURE_HEADER} must look like 'sha256=<hex>'",
                               system="whatsapp")
    expected = sign_body(body, app_secret)
    if not hmac.compare_digest(expected.encode(), value.lower().encode()):
        raise SignatureInvalid("signature does not match the body", system="whatsapp")
