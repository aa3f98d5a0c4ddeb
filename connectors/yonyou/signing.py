"""Yonyou YonBIP open-platform crypto: token signatures and event push (protocols.md 2.1).

Pure functions used by the client, the connector's webhook side and the emulator:

- token signature: ``URLEncode(Base64(HmacSHA256(key=appSecret, msg)))`` where ``msg`` is
  every parameter but ``signature``, names sorted, each name followed by its value
  (``appKey<key>timestamp<ms>``). ``token_signature`` returns the Base64; the URL
  encoding happens exactly once, where the query string is written.
- event signature: ``Base64(HmacSHA256(appSecret, "".join(sorted([nonce, encrypt,
  str(timestamp)]))))`` — the values sorted, not the names.
- event payload: AES-256-CBC, key = Base64Decode(appSecret without '-', cut or padded
  with '0' to 43 chars, + '='), IV = key[:16], plaintext = 16 random bytes + 4-byte
  big-endian length + JSON + appKey, PKCS#7 padding on 32-byte blocks. (The SDK's own
  encrypt helper writes the length as ``bytes(n)``, i.e. n zero bytes; we do not copy it.)
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import os
import secrets
import struct
from collections.abc import Mapping
from typing import Any

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

BLOCK = 32


class EventCryptoError(ValueError):
    """An event that does not decrypt, or decrypts to someone else's appKey."""


def hmac_b64(key: str, message: str) -> str:
    digest = hmac.new(key.encode(), message.encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def sorted_params_message(params: Mapping[str, object]) -> str:
    return "".join(f"{name}{params[name]}" for name in sorted(params) if name != "signature")


def token_signature(app_key: str, app_secret: str, timestamp_ms: int) -> str:
    """Base64 signature of the token request (URL-encode it once when sending)."""
    return hmac_b64(app_secret, sorted_params_message({"appKey": app_key,
                                                       "timestamp": timestamp_ms}))


def event_signature(app_secret: str, nonce: str, encrypt: str, timestamp: int | str) -> str:
    return hmac_b64(app_secret, "".join(sorted([nonce, encrypt, str(timestamp)])))


def aes_key(app_secret: str) -> bytes:
    text = app_secret.replace("-", "")
    text = text[:43] if len(text) >= 43 else text.ljust(43, "0")
    try:
        key = base64.b64decode(text + "=")
    except (binascii.Error, ValueError) as exc:
        raise EventCryptoError("the appSecret does not yield an AES key") from exc
    if len(key) != 32:
        raise EventCryptoError("the appSecret does not yield a 32-byte AES key")
    return key


def _cipher(app_secret: str) -> Cipher[modes.CBC]:
    key = aes_key(app_secret)
    return Cipher(algorithms.AES(key), modes.CBC(key[:16]))


def encrypt_message(message: str, app_secret: str, app_key: str,
                    *, random_prefix: bytes | None = None) -> str:
    prefix = random_prefix if random_prefix is not None else os.urandom(16)
    if len(prefix) != 16:
        raise ValueError("random_prefix must be 16 bytes")
    body = message.encode()
    plain = prefix + struct.pack(">I", len(body)) + body + app_key.encode()
    pad = BLOCK - len(plain) % BLOCK
    plain += bytes([pad]) * pad
    encryptor = _cipher(app_secret).encryptor()
    return base64.b64encode(encryptor.update(plain) + encryptor.finalize()).decode()


def decrypt_message(encrypt: str, app_secret: str, app_key: str | None) -> str:
    """The JSON text inside ``encrypt``; checks the trailing appKey when given."""
    try:
        raw = base64.b64decode(encrypt, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise EventCryptoError("encrypt is not base64") from exc
    if not raw or len(raw) % 16:
        raise EventCryptoError("encrypt is not a whole number of AES blocks")
    decryptor = _cipher(app_secret).decryptor()
    plain = decryptor.update(raw) + decryptor.finalize()
    pad = plain[-1]
    if 1 <= pad <= BLOCK:
        plain = plain[:-pad]
    if len(plain) < 20:
        raise EventCryptoError("decrypted event is too short")
    (length,) = struct.unpack(">I", plain[16:20])
    if 20 + length > len(plain):
        raise EventCryptoError("decrypted event length does not fit (wrong appSecret?)")
    message, tail = plain[20:20 + length], plain[20 + length:]
    if app_key is not None and not hmac.compare_digest(tail, app_key.encode()):
        raise EventCryptoError("event was encrypted for another appKey")
    try:
        return message.decode()
    except UnicodeDecodeError as exc:
        raise EventCryptoError("decrypted event is not UTF-8 (wrong appSecret?)") from exc


def make_event(payload: Mapping[str, Any] | str, app_secret: str, app_key: str, *,
               timestamp_ms: int, nonce: str | None = None) -> dict[str, Any]:
    """A push body as the open platform sends it: ``{nonce, encrypt, timestamp, signature}``.

    Also the shape of the encrypted "success" a receiver answers with.
    """
    text = payload if isinstance(payload, str) else json.dumps(payload, ensure_ascii=False)
    nonce = nonce or secrets.token_hex(8)
    encrypt = encrypt_message(text, app_secret, app_key)
    return {"nonce": nonce, "encrypt": encrypt, "timestamp": timestamp_ms,
            "signature": event_signature(app_secret, nonce, encrypt, timestamp_ms)}
