"""The sender against the Cloud API emulator on loopback (real HTTP, real uvicorn)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import httpx
import pytest
from whatsapp_support import PHONE_NUMBER_ID, TOKEN, make_config

from connectors.whatsapp import TemplateSpec, WhatsAppConnector, WhatsAppSender
from connectors.whatsapp.emulator import EmulatorState
from hub.errors import AuthError, RetriableError

BUYER = "971501234567"
NOW = datetime.now(timezone.utc)


def test_inside_the_window_a_text_goes(connector: WhatsAppConnector,
                                       emulator_state: EmulatorState) -> None:
    emulator_state.receive(BUYER)
    result = connector.send_message(BUYER, "We have 800 in stock, 200 in 15 days.",
                                    last_inbound_at=NOW - timedelta(hours=2),
                                    reply_to="wamid.in1")
    assert (result.outcome, result.kind, result.fell_back_to_template) == ("accepted", "text",
                                                                           False)
    (sent,) = emulator_state.sent
    assert sent.id == result.message_id and result.message_id.startswith("wamid.")
    assert sent.body["text"]["body"] == "We have 800 in stock, 200 in 15 days."
    assert sent.body["context"] == {"message_id": "wamid.in1"}
    assert result.wa_id == BUYER and result.message_status == "accepted"


def test_outside_the_window_the_template_goes(connector: WhatsAppConnector,
                                              emulator_state: EmulatorState) -> None:
    result = connector.send_message(BUYER, "free text", last_inbound_at=NOW - timedelta(days=3))
    assert (result.outcome, result.kind) == ("accepted", "template")
    (sent,) = emulator_state.sent
    assert sent.body["template"] == {
        "name": "quote_follow_up", "language": {"code": "en_US"},
        "components": [{"type": "body", "parameters": [{"type": "text", "text": "Omar"}]}]}


def test_131047_falls_back_to_the_template(connector: WhatsAppConnector,
                                           emulator_state: EmulatorState) -> None:
    # The hub believes the window is open; Meta's record says otherwise.
    emulator_state.receive(BUYER, NOW - timedelta(hours=25))
    result = connector.send_message(BUYER, "hello", last_inbound_at=NOW - timedelta(hours=1),
                                    template=TemplateSpec(name="hello_world"))
    assert (result.outcome, result.kind, result.fell_back_to_template) == ("accepted",
                                                                           "template", True)
    assert [s.type for s in emulator_state.sent] == ["template"]
    assert emulator_state.attempts == 2


def test_throughput_130429_is_retried(connector: WhatsAppConnector,
                                      emulator_state: EmulatorState) -> None:
    emulator_state.receive(BUYER)
    emulator_state.inject(130429, times=2)
    result = connector.send_message(BUYER, "hi", last_inbound_at=NOW)
    assert result.outcome == "accepted"
    assert emulator_state.attempts == 3 and len(emulator_state.sent) == 1


def test_throughput_that_persists_raises_retriable(emulator_url: str,
                                                   emulator_state: EmulatorState) -> None:
    emulator_state.receive(BUYER)
    emulator_state.inject(130429, times=10)
    with httpx.Client() as client:
        sender = WhatsAppSender(make_config(emulator_url, max_retries=1), client)
        with pytest.raises(RetriableError) as info:
            sender.send_text(BUYER, "hi", last_inbound_at=NOW)
    assert info.value.remote_code == "130429"
    assert emulator_state.attempts == 2 and emulator_state.sent == []


def test_undeliverable_131026_is_recorded_not_raised(connector: WhatsAppConnector,
                                                     emulator_state: EmulatorState) -> None:
    emulator_state.receive(BUYER)
    emulator_state.undeliverable.add(BUYER)
    result = connector.send_message(BUYER, "hi", last_inbound_at=NOW)
    assert result.outcome == "failed" and result.message_id is None
    assert result.error is not None
    assert (result.error.code, result.error.message) == (131026, "(#131026) Message Undeliverable")
    assert emulator_state.attempts == 1


def test_unknown_template_is_recorded(connector: WhatsAppConnector,
                                      emulator_state: EmulatorState) -> None:
    result = connector.send_message(BUYER, "x", last_inbound_at=None,
                                    template=TemplateSpec(name="nope"))
    assert result.outcome == "failed" and result.error and result.error.code == 132001


def test_no_template_outside_the_window_is_a_recorded_failure(emulator_url: str) -> None:
    with httpx.Client() as client:
        sender = WhatsAppSender(make_config(emulator_url, default_template=None), client)
        result = sender.send_text(BUYER, "hi", last_inbound_at=None)
    assert result.outcome == "failed" and result.error and result.error.code == 131047


def test_a_wrong_token_is_an_auth_error(emulator_url: str,
                                        emulator_state: EmulatorState) -> None:
    emulator_state.receive(BUYER)
    with httpx.Client() as client:
        sender = WhatsAppSender(make_config(emulator_url, access_token="stale"), client)
        with pytest.raises(AuthError) as info:
            sender.send_text(BUYER, "hi", last_inbound_at=NOW)
    assert info.value.remote_code == "190"
    assert emulator_state.attempts == 0  # refused before anything else


def test_emulator_error_envelopes_are_metas(emulator_url: str) -> None:
    response = httpx.post(f"{emulator_url}/v21.0/{PHONE_NUMBER_ID}/messages",
                          headers={"Authorization": f"Bearer {TOKEN}"},
                          json={"messaging_product": "whatsapp", "to": BUYER, "type": "text"})
    assert response.status_code == 400
    error = response.json()["error"]
    assert (error["code"], error["type"], error["error_data"]["details"]) == (
        100, "OAuthException", "text.body is required")
    response = httpx.post(f"{emulator_url}/v21.0/999/messages",
                          headers={"Authorization": f"Bearer {TOKEN}"}, json={})
    assert response.json()["error"]["code"] == 100
