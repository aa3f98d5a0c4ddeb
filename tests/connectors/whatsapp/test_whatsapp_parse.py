"""Every inbound message type and status, from Meta-shaped payloads (pywa's recorded
updates, protocols.md §3), through the parser and the connector's change events."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from decimal import Decimal
from typing import Any

import pytest

from connectors.whatsapp import WhatsAppConnector, next_status, parse_webhook_body
from connectors.whatsapp.emulator import inbound_payload, status_payload
from connectors.whatsapp.errors import InvalidPayload
from connectors.whatsapp.models import StatusUpdate
from connectors.whatsapp.parse import order_statuses
from connectors.whatsapp.samples import SAMPLE_MESSAGES

WA_ID = "971501234567"

MESSAGES = SAMPLE_MESSAGES


def parse_one(message: dict[str, Any], **kw: Any) -> Any:
    body = json.dumps(inbound_payload(WA_ID, message, name="Omar", message_id="wamid.m1",
                                      timestamp=1_760_000_000, **kw)).encode()
    parsed = parse_webhook_body(body)
    assert len(parsed.messages) == 1
    return parsed.messages[0]


@pytest.mark.parametrize("kind", list(MESSAGES))
def test_every_message_type_parses(kind: str) -> None:
    payload, summary = MESSAGES[kind]
    received = parse_one(payload)
    assert received.sender.wa_id == WA_ID and received.sender.profile_name == "Omar"
    assert received.message.id == "wamid.m1"
    assert received.message.timestamp == datetime.fromtimestamp(1_760_000_000, timezone.utc)
    assert received.message.summary() == summary


def test_typed_details_survive() -> None:
    m = parse_one(MESSAGES["contacts"][0]).message
    assert m.contacts[0].phones[0].wa_id == "971507654321"
    assert m.contacts[0].org.company == "Desert Lights LLC"
    m = parse_one(MESSAGES["order"][0]).message
    assert [(i.product_retailer_id, i.quantity) for i in m.order.product_items] == [
        ("LED-9W", Decimal(800)), ("LED-12W", Decimal(200))]
    m = parse_one(MESSAGES["list_reply"][0]).message
    assert (m.interactive.type, m.interactive.choice.id) == ("list_reply", "sku-9w")
    assert m.context.id == "wamid.list1" and m.context.from_ == "15550783881"
    m = parse_one(MESSAGES["referral"][0]).message
    assert (m.referral.source_id, m.referral.ctwa_clid) == ("ADID", "CTWA_CLID")
    m = parse_one(MESSAGES["video"][0]).message
    assert m.context.forwarded is True and m.media.mime_type == "video/mp4"
    m = parse_one(MESSAGES["future_type"][0]).message
    assert (m.type, m.original_type) == ("unsupported", "poll")
    assert parse_one(MESSAGES["button_reply"][0]).message.interactive.choice.id == "accept_quote"
    assert parse_one(MESSAGES["template_button"][0]).message.button.payload == "CALL_ME"


def test_change_level_errors_are_kept() -> None:
    payload = inbound_payload(WA_ID, {"type": "interactive"}, message_id="wamid.e")
    payload["entry"][0]["changes"][0]["value"]["errors"] = [{
        "code": 131000, "title": "Something went wrong",
        "error_data": {"details": "Unsupported webhook payload"}}]
    parsed = parse_webhook_body(json.dumps(payload).encode())
    assert [e.code for e in parsed.errors] == [131000]
    assert parsed.messages[0].message.summary() == "[interactive]"


@pytest.mark.parametrize("status", ["sent", "delivered", "read"])
def test_statuses_parse(status: str) -> None:
    body = json.dumps(status_payload("wamid.out1", status, WA_ID, timestamp=1_760_000_100))
    (received,) = parse_webhook_body(body.encode()).statuses
    assert (received.status.id, received.status.status) == ("wamid.out1", status)
    assert received.status.pricing.category == "service"
    assert received.status.conversation.origin.type == "service"


def test_failed_status_carries_error_codes() -> None:
    body = json.dumps(status_payload("wamid.out1", "failed", WA_ID, timestamp=1_760_000_100,
                                     errors=[{"code": 131026, "title": "Message Undeliverable",
                                              "error_data": {"details": "not on WhatsApp"}}]))
    (received,) = parse_webhook_body(body.encode()).statuses
    assert [(e.code, e.details) for e in received.status.errors] == [(131026, "not on WhatsApp")]


def test_event_ids_dedupe_messages_and_each_status() -> None:
    payload = inbound_payload(WA_ID, MESSAGES["text"][0], message_id="wamid.in1")
    statuses = status_payload("wamid.out1", "delivered", WA_ID, timestamp=1)
    payload["entry"][0]["changes"].append(statuses["entry"][0]["changes"][0])
    parsed = parse_webhook_body(json.dumps(payload).encode())
    assert parsed.event_ids == ["wamid.in1", "wamid.out1:delivered"]


@pytest.mark.parametrize(("current", "update", "result"), [
    (None, "sent", "sent"), ("sent", "delivered", "delivered"), ("delivered", "read", "read"),
    ("read", "delivered", None), ("read", "sent", None), ("delivered", "sent", None),
    ("sent", "failed", "failed"), ("delivered", "failed", None), ("failed", "sent", None),
    ("failed", "delivered", "delivered"), ("read", "read", None), ("read", "played", "played"),
])
def test_status_never_regresses(current: Any, update: Any, result: Any) -> None:
    assert next_status(current, update) == result


def test_a_late_delivered_after_read_is_skipped() -> None:
    updates = [StatusUpdate.model_validate({"id": "wamid.x", "status": s, "timestamp": t,
                                            "recipient_id": WA_ID})
               for s, t in (("read", 105), ("sent", 100), ("delivered", 105))]
    state = None
    applied = []
    for update in order_statuses(updates):
        new = next_status(state, update.status)
        if new is not None:
            state = new
            applied.append(new)
    assert applied == ["sent", "delivered", "read"]
    # in arrival order, the late 'delivered' is refused by the same rule
    assert next_status("read", "delivered") is None


@pytest.mark.parametrize(("body", "problem"), [
    (b"not json", "body is not JSON"),
    (b'{"object": "page", "entry": []}', "not a WhatsApp Business webhook: object:"),
    (json.dumps({"object": "whatsapp_business_account", "entry": [{"id": "1", "changes": [
        {"field": "messages", "value": {"metadata": {"phone_number_id": "1"},
                                        "messages": [{"from": WA_ID, "type": "text"}]}}]}]}
                ).encode(), "entry[0].changes[0].value.messages.0.id: Field required"),
])
def test_bad_bodies_are_400_naming_the_problem(body: bytes, problem: str) -> None:
    with pytest.raises(InvalidPayload) as info:
        parse_webhook_body(body)
    assert info.value.http_status == 400
    assert problem in info.value.message


def test_other_fields_are_ignored_not_refused() -> None:
    body = {"object": "whatsapp_business_account", "entry": [{"id": "1", "changes": [
        {"field": "message_template_status_update", "value": {"event": "APPROVED"}}]}]}
    parsed = parse_webhook_body(json.dumps(body).encode())
    assert parsed.ignored_fields == ["message_template_status_update"]
    assert parsed.event_ids == []


def connector_events(payload: dict[str, Any]) -> list[Any]:
    conn = WhatsAppConnector.from_settings(
        {"phone_number_id": "1", "access_token": "t", "app_secret": "s", "verify_token": "v"},
        system="whatsapp")
    return conn.parse_webhook({}, json.dumps(payload, ensure_ascii=False).encode())


def test_connector_turns_a_message_into_a_lead_event() -> None:
    (event,) = connector_events(inbound_payload(
        "8613800138000", {"type": "text", "text": {"body": "我们需要1000盏LED灯"}},
        name="王先生", message_id="wamid.cn1", timestamp=1_760_000_000))
    assert (event.event_id, event.entity, event.remote_id) == ("wamid.cn1", "lead",
                                                              "8613800138000")
    data = event.data
    assert (data["phone"], data["country"], data["contact_name"]) == (
        "+8613800138000", "CN", "王先生")
    assert data["inquiry"] == [{"product": "LED灯", "quantity": "1000", "unit": "pcs"}]
    assert data["raw"]["text"]["body"] == "我们需要1000盏LED灯"


def test_an_order_message_is_its_own_inquiry() -> None:
    (event,) = connector_events(inbound_payload(WA_ID, MESSAGES["order"][0]))
    assert event.data["inquiry"] == [
        {"product": "LED-9W", "quantity": "800", "unit": "pcs"},
        {"product": "LED-12W", "quantity": "200", "unit": "pcs"}]


def test_statuses_become_changes_of_the_sent_messages_activity() -> None:
    (event,) = connector_events(status_payload("wamid.out1", "read", WA_ID, timestamp=5))
    assert (event.event_id, event.entity, event.remote_id) == ("wamid.out1:read",
                                                              "activity", "wamid.out1")
    assert event.data is not None
    assert (event.data["record"], event.data["direction"], event.data["message_status"],
            event.data["error_code"]) == ("status", "out", "read", None)
    (failed,) = connector_events(status_payload(
        "wamid.out2", "failed", WA_ID, timestamp=6,
        errors=[{"code": 131026, "title": "Message Undeliverable"}]))
    assert failed.data is not None
    assert (failed.data["message_status"], failed.data["error_code"],
            failed.data["error_title"]) == ("failed", 131026, "Message Undeliverable")
