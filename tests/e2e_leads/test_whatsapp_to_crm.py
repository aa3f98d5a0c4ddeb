"""WhatsApp → hub → CRM, end to end: Meta-signed webhooks into /webhooks/whatsapp, the
inbox worker, the engine, lead intake, and the reference CRM's leads and activities."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from connectors.whatsapp.connector import message_ref
from connectors.whatsapp.emulator import deliver, inbound_payload, status_payload
from connectors.whatsapp.webhook import sign_body
from hub.services import AppServer
from hub.sync.engine import run_pipeline
from leads_support import (
    APP_SECRET,
    VERIFY_TOKEN,
    WA_MESSAGES,
    Crm,
    Hub,
    crm_system,
    leads_config,
)

MakeHub = Callable[..., Hub]
URL = "/webhooks/whatsapp"


def send(hub: Hub, wa_id: str, message: dict[str, Any], *, message_id: str,
         name: str = "Buyer", timestamp: int = 1767225600) -> dict[str, Any]:
    payload = inbound_payload(wa_id, message, name=name, message_id=message_id,
                              timestamp=timestamp)
    response = deliver(URL, payload, app_secret=APP_SECRET, client=hub.client)
    assert response.status_code == 202, response.text
    return response.json()  # type: ignore[no-any-return]


def test_every_message_type_becomes_a_lead_and_a_conversation_entry(
        products: AppServer, crm: Crm, make_hub: MakeHub) -> None:
    hub = make_hub(leads_config(products.url))
    senders = {kind: f"9715012{n:05d}" for n, kind in enumerate(WA_MESSAGES)}
    for kind, (message, _) in WA_MESSAGES.items():
        send(hub, senders[kind], message, message_id=f"wamid.{kind}")
    hub.process()

    leads = {lead["whatsapp_id"]: lead for lead in crm.all("leads")}
    activities = {a["ref"]: a for a in crm.all("activities")}
    assert len(leads) == len(WA_MESSAGES) and len(activities) == len(WA_MESSAGES)
    for kind, (_, summary) in WA_MESSAGES.items():
        lead = leads[senders[kind]]
        assert (lead["source"], lead["message"], lead["country_code"]) == (
            "whatsapp", summary, "AE"), kind
        assert lead["phone"] == "+" + senders[kind]
        entry = activities[message_ref(f"wamid.{kind}")]
        assert (entry["kind"], entry["lead_ref"], entry["body"]) == (
            "conversation", lead["lead_ref"], summary), kind
        assert entry["subject"].startswith("WhatsApp "), entry["subject"]
    assert leads[senders["text"]]["inquiry_items"] == [
        {"product": "LED lamps", "qty": 1000, "uom": "pcs"}]
    assert leads[senders["order"]]["inquiry_items"] == [
        {"product": "LED-9W", "qty": 800, "uom": "pcs"},
        {"product": "LED-12W", "qty": 200, "uom": "pcs"}]
    # Gulf buyers asking for lighting go to omar; the rest of the Gulf to the default rep.
    assert leads[senders["text"]]["assigned_rep"] == "omar"
    assert leads[senders["sticker"]]["assigned_rep"] == "alice"


def test_one_buyer_is_one_lead_and_the_conversation_grows(
        products: AppServer, crm: Crm, make_hub: MakeHub) -> None:
    hub = make_hub(leads_config(products.url))
    wa_id = "8613800138000"
    first = send(hub, wa_id, {"type": "text", "text": {"body": "我们需要1000盏LED灯"}},
                 message_id="wamid.zh1", name="王经理")
    again = send(hub, wa_id, {"type": "text", "text": {"body": "我们需要1000盏LED灯"}},
                 message_id="wamid.zh1", name="王经理")     # Meta retried the delivery
    assert (first["accepted"], again["duplicates"]) == (2, 2)
    hub.process()
    send(hub, wa_id, {"type": "text", "text": {"body": "also 50 solar inverters"}},
         message_id="wamid.zh2", name="王经理", timestamp=1767229200)
    hub.process()

    (lead,) = crm.leads_of(wa_id)
    assert lead["message"] == "also 50 solar inverters"
    assert lead["country_code"] == "CN" and lead["contact_name"] == "王经理"
    # The inquiry accumulates; the rep chosen for the first message stays.
    assert [(i["product"], i["qty"]) for i in lead["inquiry_items"]] == [
        ("LED灯", 1000), ("solar inverters", 50)]
    assert lead["assigned_rep"] == "alice"
    bodies = sorted(a["body"] for a in crm.activities_of(lead["lead_ref"]))
    assert bodies == ["also 50 solar inverters", "我们需要1000盏LED灯"]


def test_first_message_assigned_by_country_and_product_line(
        products: AppServer, crm: Crm, make_hub: MakeHub) -> None:
    hub = make_hub(leads_config(products.url))
    send(hub, "8613900139000", {"type": "text", "text": {"body": "需要200台太阳能逆变器"}},
         message_id="wamid.cn-solar")
    send(hub, "2348031234567", {"type": "text", "text": {"body": "price for 20 fans?"}},
         message_id="wamid.ng")
    hub.process()
    assert crm.leads_of("8613900139000")[0]["assigned_rep"] == "wei"
    assert crm.leads_of("2348031234567")[0]["assigned_rep"] == "grace"


def test_message_from_a_customers_contact_is_logged_on_the_customer(
        products: AppServer, crm: Crm, make_hub: MakeHub) -> None:
    config = leads_config(products.url, erp=crm_system(products.url, "erp"))
    config.pipelines["customers"] = config.pipelines["whatsapp-leads"].model_copy(
        update={"entity": "customer", "source": "crm", "target": "erp"})
    hub = make_hub(config)
    crm.upsert("customers", [{
        "account_code": "C-DL", "company_name": "Desert Lights LLC", "country_code": "AE",
        "contacts": [{"full_name": "Omar Haddad", "phone": "+971 50 765 4321",
                      "whatsapp": "971507654321", "primary": True}]}])
    assert run_pipeline(hub.ctx, "customers").counts.created == 1

    send(hub, "971507654321", {"type": "text", "text": {"body": "send 300 more lamps"}},
         message_id="wamid.cust", name="Omar")
    hub.process()
    (lead,) = crm.leads_of("971507654321")
    (entry,) = crm.activities_of(lead["lead_ref"])
    assert entry["account_code"] == "C-DL"


def test_unsigned_and_wrongly_signed_webhooks_are_refused(
        products: AppServer, crm: Crm, make_hub: MakeHub) -> None:
    hub = make_hub(leads_config(products.url))
    payload = inbound_payload("971501234567", {"type": "text", "text": {"body": "1000 lamps"}},
                              message_id="wamid.forged")
    body = json.dumps(payload).encode()
    unsigned = hub.client.post(URL, content=body, headers={"Content-Type": "application/json"})
    forged = hub.client.post(URL, content=body, headers={
        "Content-Type": "application/json",
        "X-Hub-Signature-256": sign_body(body, "not-the-app-secret")})
    tampered = hub.client.post(URL, content=body.replace(b"1000", b"9000"), headers={
        "Content-Type": "application/json", "X-Hub-Signature-256": sign_body(body, APP_SECRET)})
    assert [r.status_code for r in (unsigned, forged, tampered)] == [401, 401, 401]
    assert "X-Hub-Signature-256" in unsigned.json()["title"]
    assert forged.json()["title"] == "signature does not match the body"
    hub.process()
    assert crm.all("leads") == [] and crm.all("activities") == []


def test_handshake_and_statuses(products: AppServer, crm: Crm, make_hub: MakeHub) -> None:
    hub = make_hub(leads_config(products.url))
    ok = hub.client.get(URL, params={"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN,
                                     "hub.challenge": "1158201444"})
    bad = hub.client.get(URL, params={"hub.mode": "subscribe", "hub.verify_token": "guess",
                                      "hub.challenge": "1158201444"})
    assert (ok.status_code, ok.text, bad.status_code) == (200, "1158201444", 403)
    # A delivery status is accepted (Meta must get its 2xx), changes the sent message's
    # conversation entry (here one the hub never logged) and writes no lead.
    response = deliver(URL, status_payload("wamid.out1", "read", "971501234567",
                                           timestamp=1767225600),
                       app_secret=APP_SECRET, client=hub.client)
    assert response.status_code == 202
    assert response.json()["events"][0]["entity"] == "activity"
    hub.process()
    assert crm.all("leads") == []
    (entry,) = crm.all("activities")
    assert (entry["ref"], entry["message_status"], entry["subject"]) == (
        message_ref("wamid.out1"), "read", "WhatsApp message to +971501234567")
