"""Hub → WhatsApp → CRM, end to end: ``send_whatsapp`` against the Cloud API emulator on
loopback, the outcome logged as a conversation entry on the lead or customer in the
reference CRM, and Meta-signed delivery statuses through /webhooks/whatsapp applied to
that entry in order."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

from connectors.whatsapp.emulator import EmulatorState, deliver, inbound_payload, status_payload
from connectors.whatsapp.sender import TemplateSpec
from hub.leads.outreach import WhatsAppSent, send_whatsapp
from hub.services import AppServer
from hub.sync.engine import run_pipeline
from leads_support import APP_SECRET, Crm, Hub, crm_system, leads_config

MakeHub = Callable[..., Hub]
URL = "/webhooks/whatsapp"
BUYER = "971501112233"


def inquiry(hub: Hub, crm: Crm, wa_id: str, *, at: int, text: str = "need 1000 LED lamps",
            message_id: str = "wamid.in1") -> dict[str, Any]:
    """A buyer's message through the webhook; returns the CRM lead it became."""
    payload = inbound_payload(wa_id, {"type": "text", "text": {"body": text}}, name="Omar",
                              message_id=message_id, timestamp=at)
    assert deliver(URL, payload, app_secret=APP_SECRET, client=hub.client).status_code == 202
    hub.process()
    (lead,) = crm.leads_of(wa_id)
    return lead


def replied(hub: Hub, crm: Crm, graph: EmulatorState, *, ago: int, text: str
            ) -> tuple[dict[str, Any], WhatsAppSent, int]:
    """A buyer's inquiry ``ago`` seconds back, and our reply to its lead; with the time."""
    now = int(time.time())
    lead = inquiry(hub, crm, BUYER, at=now - ago)
    graph.receive(BUYER)
    return lead, send_whatsapp(hub.ctx, lead_hub_id=lead["lead_ref"], text=text), now


def status(hub: Hub, wamid: str, name: str, at: int, **extra: Any) -> None:
    response = deliver(URL, status_payload(wamid, name, BUYER, timestamp=at, **extra),
                       app_secret=APP_SECRET, client=hub.client)
    assert response.status_code == 202, response.text


def entry(crm: Crm, ref: str) -> dict[str, Any]:
    (found,) = [a for a in crm.all("activities") if a["ref"] == ref]
    return found


def test_statuses_move_the_sent_message_forward_only(
        products: AppServer, crm: Crm, graph: EmulatorState, graph_url: str,
        make_hub: MakeHub) -> None:
    hub = make_hub(leads_config(products.url, graph_url=graph_url))
    lead, sent, now = replied(hub, crm, graph, ago=600, text="800 in stock, 200 in 15 days")
    assert (sent.result.outcome, sent.result.kind) == ("accepted", "text")
    wamid = sent.result.message_id
    assert wamid is not None and graph.sent[-1].id == wamid
    logged = entry(crm, sent.activity_ref)
    assert (logged["lead_ref"], logged["message_id"], logged["message_status"],
            logged["body"]) == (lead["lead_ref"], wamid, "accepted",
                                "800 in stock, 200 in 15 days")
    assert logged["subject"] == "WhatsApp text to Omar"

    status(hub, wamid, "sent", now)
    hub.process()
    assert entry(crm, sent.activity_ref)["message_status"] == "sent"
    # 'read' and a late 'delivered' land in one inbox batch; Meta then repeats 'read'.
    status(hub, wamid, "read", now + 5)
    status(hub, wamid, "delivered", now + 3)
    status(hub, wamid, "read", now + 5)
    hub.process()
    after = entry(crm, sent.activity_ref)
    assert (after["message_status"], after["status_at"]) == (
        "read", datetime.fromtimestamp(now + 5, timezone.utc).isoformat().replace("+00:00", "Z"))
    # A 'delivered' arriving on its own, later still, does not regress it either.
    status(hub, wamid, "delivered", now + 4)
    hub.process()
    final = entry(crm, sent.activity_ref)
    assert final["message_status"] == "read"
    assert (final["body"], final["lead_ref"]) == ("800 in stock, 200 in 15 days",
                                                  lead["lead_ref"])
    assert len(crm.activities_of(lead["lead_ref"])) == 2       # the inquiry and our reply


def test_a_failed_status_records_metas_error(
        products: AppServer, crm: Crm, graph: EmulatorState, graph_url: str,
        make_hub: MakeHub) -> None:
    hub = make_hub(leads_config(products.url, graph_url=graph_url))
    _, sent, now = replied(hub, crm, graph, ago=60, text="price list attached")
    assert sent.result.message_id is not None
    status(hub, sent.result.message_id, "failed", now + 1, errors=[
        {"code": 131026, "title": "Message Undeliverable",
         "error_data": {"details": "receiver is incapable of receiving this message"}}])
    hub.process()
    failed = entry(crm, sent.activity_ref)
    assert (failed["message_status"], failed["error_code"], failed["error_title"]) == (
        "failed", 131026, "Message Undeliverable")


def test_the_window_comes_from_the_logged_conversation_and_every_outcome_is_logged(
        products: AppServer, crm: Crm, graph: EmulatorState, graph_url: str,
        make_hub: MakeHub) -> None:
    config = leads_config(products.url, graph_url=graph_url, erp=crm_system(products.url, "erp"))
    config.pipelines["customers"] = config.pipelines["whatsapp-leads"].model_copy(
        update={"entity": "customer", "source": "crm", "target": "erp"})
    hub = make_hub(config)
    now = int(time.time())
    template = TemplateSpec(name="hello_world")

    # Two days since the buyer wrote: the hub sends the template without trying text.
    old = inquiry(hub, crm, "971502000001", at=now - 2 * 86400, message_id="wamid.old")
    closed = send_whatsapp(hub.ctx, lead_hub_id=old["lead_ref"], text="any news?",
                           template=template)
    assert (closed.result.kind, closed.result.fell_back_to_template) == ("template", False)
    assert graph.attempts == 1 and graph.sent[-1].type == "template"
    assert closed.last_inbound_at == datetime.fromtimestamp(now - 2 * 86400, timezone.utc)

    # The hub's log says the window is open, Meta says closed (131047): template instead.
    fresh = inquiry(hub, crm, "971502000002", at=now - 60, message_id="wamid.fresh")
    fallback = send_whatsapp(hub.ctx, lead_hub_id=fresh["lead_ref"], text="800 in stock")
    assert (fallback.result.kind, fallback.result.fell_back_to_template,
            fallback.result.outcome) == ("template", True, "accepted")
    assert entry(crm, fallback.activity_ref)["subject"] == "WhatsApp template hello_world to Omar"

    # An undeliverable number: Meta's 131026 is logged on the lead, nothing raised.
    graph.receive("971502000003")
    graph.undeliverable.add("971502000003")
    gone = inquiry(hub, crm, "971502000003", at=now - 60, message_id="wamid.gone")
    refused = send_whatsapp(hub.ctx, lead_hub_id=gone["lead_ref"], text="800 in stock")
    assert (refused.result.outcome, refused.result.error and refused.result.error.code) == (
        "failed", 131026)
    logged = entry(crm, refused.activity_ref)
    assert (logged["lead_ref"], logged["message_status"], logged["error_code"],
            logged["error_title"], logged["message_id"]) == (
        gone["lead_ref"], "failed", 131026, "Message Undeliverable", None)

    # A customer: the contact's number, the entry filed under the account.
    crm.upsert("customers", [{
        "account_code": "C-DL", "company_name": "Desert Lights LLC", "country_code": "AE",
        "contacts": [{"full_name": "Omar Haddad", "whatsapp": "971507654321",
                      "primary": True}]}])
    assert run_pipeline(hub.ctx, "customers").counts.created == 1
    with hub.ctx.sessions() as session:
        from hub.store.tables import CanonicalState
        (customer_hub_id,) = session.query(CanonicalState.hub_id).filter_by(
            entity="customer").one()
    graph.receive("971507654321")
    to_customer = send_whatsapp(hub.ctx, customer_hub_id=customer_hub_id,
                                text="your order ships Friday", template=template)
    assert to_customer.recipient.wa_id == "971507654321"
    assert to_customer.result.kind == "template"       # no inbound message logged for them
    logged = entry(crm, to_customer.activity_ref)
    assert (logged["account_code"], logged["message_status"]) == ("C-DL", "accepted")
