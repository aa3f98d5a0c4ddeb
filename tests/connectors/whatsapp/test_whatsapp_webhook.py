from __future__ import annotations

import hashlib
import hmac
import json

import pytest

from connectors.whatsapp import sign_body, verify_signature, verify_subscription
from connectors.whatsapp.errors import SignatureInvalid, SignatureMissing, SubscriptionRefused
from connectors.whatsapp.emulator import inbound_payload

SECRET = "app-secret-0123"
BODY = json.dumps(inbound_payload("971501234567", {"type": "text", "text": {
    "body": "我们需要1000盏LED灯"}}), ensure_ascii=False).encode()


def test_handshake_answers_the_challenge() -> None:
    params = {"hub.mode": "subscribe", "hub.verify_token": "verify-me",
              "hub.challenge": "1158201444"}
    assert verify_subscription(params, "verify-me") == "1158201444"


@pytest.mark.parametrize(("params", "problem"), [
    ({"hub.mode": "subscribe", "hub.verify_token": "wrong", "hub.challenge": "1"},
     "hub.verify_token does not match"),
    ({"hub.mode": "unsubscribe", "hub.verify_token": "verify-me", "hub.challenge": "1"},
     "hub.mode must be 'subscribe'"),
    ({"hub.mode": "subscribe", "hub.verify_token": "verify-me"}, "hub.challenge is missing"),
    ({"hub.mode": "subscribe", "hub.challenge": "1"}, "hub.verify_token does not match"),
])
def test_handshake_refusals_are_403(params: dict[str, str], problem: str) -> None:
    with pytest.raises(SubscriptionRefused) as info:
        verify_subscription(params, "verify-me")
    assert info.value.http_status == 403
    assert info.value.to_problem() == {"type": "whatsapp-subscription-refused",
                                       "title": problem, "status": 403}


def test_signature_is_hmac_sha256_of_the_raw_body() -> None:
    expected = "sha256=" + hmac.new(SECRET.encode(), BODY, hashlib.sha256).hexdigest()
    assert sign_body(BODY, SECRET) == expected
    verify_signature({"X-Hub-Signature-256": expected}, BODY, SECRET)
    verify_signature({"x-hub-signature-256": expected.upper().replace("SHA256=", "sha256=")},
                     BODY, SECRET)


def test_missing_signature_is_401() -> None:
    with pytest.raises(SignatureMissing) as info:
        verify_signature({"Content-Type": "application/json"}, BODY, SECRET)
    assert info.value.http_status == 401


@pytest.mark.parametrize("header", [
    "sha256=" + "0" * 64,
    "sha1=abc",
    sign_body(BODY, "another-secret"),
    sign_body(json.dumps(json.loads(BODY)).encode(), SECRET),  # re-serialised JSON
])
def test_wrong_signature_is_403(header: str) -> None:
    with pytest.raises(SignatureInvalid) as info:
        verify_signature({"X-Hub-Signature-256": header}, BODY, SECRET)
    assert info.value.http_status == 403


def test_a_tampered_body_fails() -> None:
    header = sign_body(BODY, SECRET)
    with pytest.raises(SignatureInvalid):
        verify_signature({"X-Hub-Signature-256": header}, BODY.replace(b"1000", b"9000"), SECRET)
