"""Yonyou token signature and event crypto against values computed here independently.

The expected values use hashlib/hmac/base64/cryptography directly, following the
documented formulas (protocols.md 2.1), not connectors.yonyou.signing.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import struct
from typing import Any
from urllib.parse import quote

import httpx
import pytest
import respx
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from connectors.yonyou import YonyouConfig, YonyouConnector
from connectors.yonyou.client import YonyouClient
from connectors.yonyou.signing import make_event, token_signature
from hub.errors import AuthError

APP_KEY = "41832a3d2df94989b500da6a22268747"
APP_SECRET = "5f2d1c7e-9a3b-4c8d-b6e1-0f9a8b7c6d5e"
TS = 1568098531823


def documented_token_signature(app_key: str, secret: str, ts: int) -> str:
    message = f"appKey{app_key}timestamp{ts}"
    assert message == "appKey41832a3d2df94989b500da6a22268747timestamp1568098531823"
    digest = hmac.new(secret.encode(), message.encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def documented_key(secret: str) -> bytes:
    text = secret.replace("-", "")
    text = (text + "0" * 43)[:43]
    return base64.b64decode(text + "=")


def independent_encrypt(message: str, secret: str, app_key: str) -> str:
    key = documented_key(secret)
    plain = b"R" * 16 + struct.pack(">I", len(message.encode())) + message.encode() + \
        app_key.encode()
    pad = 32 - len(plain) % 32
    plain += bytes([pad]) * pad
    enc = Cipher(algorithms.AES(key), modes.CBC(key[:16])).encryptor()
    return base64.b64encode(enc.update(plain) + enc.finalize()).decode()


def independent_decrypt(encrypt: str, secret: str) -> tuple[str, str]:
    key = documented_key(secret)
    dec = Cipher(algorithms.AES(key), modes.CBC(key[:16])).decryptor()
    plain = dec.update(base64.b64decode(encrypt)) + dec.finalize()
    plain = plain[:-plain[-1]]
    (length,) = struct.unpack(">I", plain[16:20])
    return plain[20:20 + length].decode(), plain[20 + length:].decode()


def event_body(payload: dict[str, Any], *, secret: str = APP_SECRET, app_key: str = APP_KEY,
               nonce: str = "uM48M4qajlEtVCz4", ts: int = 1530862251583) -> bytes:
    encrypt = independent_encrypt(json.dumps(payload), secret, app_key)
    joined = "".join(sorted([nonce, encrypt, str(ts)]))
    signature = base64.b64encode(hmac.new(secret.encode(), joined.encode(),
                                          hashlib.sha256).digest()).decode()
    return json.dumps({"nonce": nonce, "encrypt": encrypt, "timestamp": ts,
                       "signature": signature}).encode()


def connector() -> YonyouConnector:
    return YonyouConnector(YonyouConfig(tenant_id="t", app_key=APP_KEY, app_secret=APP_SECRET,
                                        gateway_url="http://gw.test", token_url="http://auth.test",
                                        fetch_event_records=False),
                           system="yy")


def test_token_signature_matches_the_documented_example() -> None:
    assert token_signature(APP_KEY, APP_SECRET, TS) == documented_token_signature(
        APP_KEY, APP_SECRET, TS)


@respx.mock
def test_token_request_sends_the_signature_url_encoded_once() -> None:
    route = respx.get(url__startswith="http://auth.test/open-auth/selfAppAuth/base/v1/").mock(
        return_value=httpx.Response(200, json={"code": "00000", "message": "成功！", "data": {
            "access_token": "tok+en/with==", "expire": 7200}}))
    business = respx.post(url__startswith="http://gw.test/yonbip/").mock(
        return_value=httpx.Response(200, json={"code": "200", "data": []}))
    config = YonyouConfig(tenant_id="t", app_key=APP_KEY, app_secret=APP_SECRET,
                          gateway_url="http://gw.test", token_url="http://auth.test")
    client = YonyouClient(config, system="yy", clock=lambda: TS / 1000)
    assert client.call("POST", "/yonbip/digitalModel/merchant/newlist", body={}) == []

    query = route.calls.last.request.url.query.decode()
    expected = quote(documented_token_signature(APP_KEY, APP_SECRET, TS), safe="")
    assert query == f"appKey={APP_KEY}&timestamp={TS}&signature={expected}"
    assert "access_token=tok%2Ben%2Fwith%3D%3D" in business.calls.last.request.url.query.decode()
    client.close()


def test_event_from_the_documented_scheme_is_verified_and_parsed() -> None:
    body = event_body({"type": "SALE_AUDITORDER_NOTIFY_SENT", "eventId": "e-1",
                       "timestamp": 1530862251583, "tenantId": "t",
                       "BILL_INFO": {"billId": 2446326816231680, "billCode": "UO-1"}})
    yy = connector()
    yy.verify_webhook({}, body)
    [event] = yy.parse_webhook({}, body)
    assert (event.event_id, event.entity, event.remote_id, event.kind) == (
        "e-1", "sales_order", "2446326816231680", "upsert")


def test_our_event_encryption_round_trips_through_an_independent_decrypt() -> None:
    body = make_event({"type": "YXYBASEDOC_AA_MERCHANT_DELETE", "eventId": "e-2", "id": "9"},
                      APP_SECRET, APP_KEY, timestamp_ms=1, nonce="n")
    message, tail = independent_decrypt(body["encrypt"], APP_SECRET)
    assert json.loads(message)["eventId"] == "e-2" and tail == APP_KEY
    [event] = connector().parse_webhook({}, json.dumps(body).encode())
    assert (event.entity, event.remote_id, event.kind) == ("customer", "9", "delete")


@pytest.mark.parametrize("tamper", ["signature", "nonce", "timestamp", "encrypt"])
def test_tampered_event_is_rejected(tamper: str) -> None:
    body = json.loads(event_body({"type": "SALE_SAVEORDER_NOTIFY_SENT", "id": "1"}))
    body[tamper] = body[tamper] + 1 if tamper == "timestamp" else "X" + str(body[tamper])[1:]
    with pytest.raises(AuthError, match="signature does not match"):
        connector().verify_webhook({}, json.dumps(body).encode())


def test_event_for_another_app_key_is_rejected() -> None:
    body = event_body({"type": "SALE_SAVEORDER_NOTIFY_SENT", "id": "1"}, app_key="other-app")
    with pytest.raises(AuthError, match="another appKey"):
        connector().parse_webhook({}, body)


def test_event_signed_with_another_secret_is_rejected() -> None:
    body = event_body({"type": "SALE_SAVEORDER_NOTIFY_SENT", "id": "1"},
                      secret="0" * 32)
    with pytest.raises(AuthError):
        connector().verify_webhook({}, body)


def test_check_url_and_unknown_events_yield_nothing() -> None:
    assert connector().parse_webhook({}, event_body({"type": "CHECK_URL"})) == []
    assert connector().parse_webhook({}, event_body({"type": "DEPT_ADD", "id": "3"})) == []


def test_body_that_is_not_an_event_is_an_auth_error() -> None:
    with pytest.raises(AuthError, match="needs nonce"):
        connector().verify_webhook({}, b'{"hello": "world"}')
