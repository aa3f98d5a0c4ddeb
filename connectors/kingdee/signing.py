"""Kingdee K3Cloud request signing, as the official Python SDK 8.2.0 does it.

Pure functions shared by the client (to sign) and the emulator (to verify), so the
scheme lives in one place; the tests check it against vectors computed independently
from the documented formula (protocols.md 1.4, 1.5).

Two traps the SDK sets and we follow on purpose:

- the "HMAC" is base64 of the *lower-case hex string* of HMAC-SHA256, not of the raw
  digest;
- the gateway secret is not the app secret: it is the 32-character tail of the app id,
  base64-decoded, XOR-ed with a fixed key, and base64-encoded again.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from dataclasses import dataclass
from urllib.parse import quote

SDK_XOR_KEY = b"0054f397c6234378b09ca7d3e5debce7"
"""The key encode_util.py derives by ROT13 from a fixed string (also in YiKdWebClient)."""

AUTH_VERSION = "2.0"
SIGN_HEADERS = "x-api-timestamp,x-api-nonce"

H_CLIENT_ID = "X-Api-ClientID"
H_AUTH_VERSION = "X-Api-Auth-Version"
H_TIMESTAMP = "x-api-timestamp"
H_NONCE = "x-api-nonce"
H_SIGN_HEADERS = "x-api-signheaders"
H_SIGNATURE = "X-Api-Signature"
H_APP_KEY = "X-Kd-Appkey"
H_APP_DATA = "X-Kd-Appdata"
H_KD_SIGNATURE = "X-Kd-Signature"
SESSION_COOKIE = "kdservice-sessionid"

SIGNED_HEADERS = (H_CLIENT_ID, H_AUTH_VERSION, H_TIMESTAMP, H_NONCE, H_SIGN_HEADERS,
                  H_SIGNATURE, H_APP_KEY, H_APP_DATA, H_KD_SIGNATURE)


def kd_hmac(message: str, key: str) -> str:
    """base64(hex(HMAC-SHA256(key, message))) — hmac_util.py's definition of HMAC."""
    digest_hex = hmac.new(key.encode(), message.encode(), hashlib.sha256).hexdigest()
    return base64.b64encode(digest_hex.encode()).decode()


def split_app_id(app_id: str) -> tuple[str, str]:
    """``<clientId>_<32 chars>`` → (client id, encoded secret part)."""
    client_id, sep, encoded = app_id.partition("_")
    if not sep or not client_id or not encoded:
        raise ValueError("a Kingdee app id looks like '<clientId>_<32 characters>'")
    return client_id, encoded


def client_secret(app_id: str, override: str | None = None) -> str:
    """The gateway secret for X-Api-Signature (X-KDApi-SecPwd overrides it)."""
    if override:
        return override
    _, encoded = split_app_id(app_id)
    try:
        raw = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValueError("the part of the app id after '_' is not base64") from exc
    return base64.b64encode(bytes(b ^ k for b, k in zip(raw, SDK_XOR_KEY))).decode()


def encode_path(path: str) -> str:
    """The request path percent-encoded with '/' → '%2F' (urllib quote, nothing safe)."""
    return quote(path, safe="")


def api_signature_message(path: str, nonce: str, timestamp: str) -> str:
    return (f"POST\n{encode_path(path)}\n\n"
            f"x-api-nonce:{nonce}\nx-api-timestamp:{timestamp}\n")


def app_data(acct_id: str, username: str, lcid: int, org_num: str) -> str:
    """The plain text behind X-Kd-Appdata (the header carries its base64)."""
    return f"{acct_id},{username},{lcid},{org_num}"


@dataclass(frozen=True)
class SigningIdentity:
    acct_id: str
    username: str
    app_id: str
    app_secret: str
    lcid: int = 2052
    org_num: str = "0"
    secret_override: str | None = None


def build_headers(identity: SigningIdentity, path: str, *, timestamp: int) -> dict[str, str]:
    """Headers sdk 8.2.0 puts on every call; its nonce is the timestamp itself."""
    ts = str(timestamp)
    client_id, _ = split_app_id(identity.app_id)
    secret = client_secret(identity.app_id, identity.secret_override)
    plain = app_data(identity.acct_id, identity.username, identity.lcid, identity.org_num)
    return {
        H_CLIENT_ID: client_id,
        H_AUTH_VERSION: AUTH_VERSION,
        H_TIMESTAMP: ts,
        H_NONCE: ts,
        H_SIGN_HEADERS: SIGN_HEADERS,
        H_SIGNATURE: kd_hmac(api_signature_message(path, ts, ts), secret),
        H_APP_KEY: identity.app_id,
        H_APP_DATA: base64.b64encode(plain.encode()).decode(),
        H_KD_SIGNATURE: kd_hmac(identity.app_id + plain, identity.app_secret),
    }


def login_sign(acct_id: str, username: str, app_id: str, app_secret: str,
               timestamp: int) -> str:
    """LoginBySign's sign: hex SHA-256 of the five values sorted, then concatenated."""
    parts = sorted([acct_id, username, app_id, app_secret, str(timestamp)])
    return hashlib.sha256("".join(parts).encode()).hexdigest()
