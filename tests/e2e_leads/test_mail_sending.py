"""ERP logistics → CRM → ETA reminder by SMTP (aiosmtpd on loopback) → the sent mail as
an activity on the CRM customer, once however often the reminders run; and a quote
mail the same way."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import httpx

from connectors.email.activity import mail_ref
from connectors.email.notify import QuoteLine
from hub.leads.mailing import send_eta_reminders, send_quote
from hub.models import Money
from hub.services import AppServer
from hub.store.tables import CanonicalState
from hub.sync.config import HubConfig
from hub.sync.context import SyncContext
from hub.sync.engine import run_pipeline
from leads_support import REPO, TOKEN, Crm, crm_system
from tests.connectors.email.conftest import SmtpServer

ETA = datetime.now(timezone.utc).replace(hour=6, minute=0, second=0, microsecond=0) \
    + timedelta(days=3)
REMINDER_DAY = ETA.date() - timedelta(days=3)
"""The runs below say which day it is: a suite running past midnight must not move it."""


def mail_system(smtp: SmtpServer) -> dict[str, Any]:
    return {"connector": "email", "mappings": str(REPO / "mappings" / "email"),
            "settings": {"smtp_host": smtp.host, "smtp_port": smtp.port,
                         "smtp_security": "none", "from_address": "Sales <sales@tradehub.test>",
                         "timeout_seconds": 10}}


def config(base_url: str, smtp: SmtpServer) -> HubConfig:
    one_way = {"direction": "one_way"}
    return HubConfig.model_validate({
        "systems": {"crm": crm_system(base_url), "erp": crm_system(base_url, "erp"),
                    "mailbox": mail_system(smtp)},
        "pipelines": {
            "customers": {"entity": "customer", "source": "crm", "target": "erp", **one_way},
            "orders": {"entity": "sales_order", "source": "erp", "target": "crm", **one_way},
            "shipments": {"entity": "shipment", "source": "erp", "target": "crm", **one_way},
            "mail-log": {"entity": "activity", "source": "mailbox", "target": "crm"}}})


def erp_upsert(erp: httpx.Client, path: str, items: list[dict[str, Any]]) -> None:
    response = erp.post(f"/{path}/batch-upsert", json={"items": items})
    assert response.status_code == 200 and response.json()["summary"]["error"] == 0, \
        response.text


def logistics(products: AppServer, crm: Crm, ctx: SyncContext) -> None:
    """A customer in the CRM, its order and shipment in the ERP, synced as the hub does."""
    crm.upsert("customers", [{
        "account_code": "C-HANSE", "company_name": "Hanse Licht Import GmbH",
        "country_code": "DE", "contacts": [
            {"full_name": "Jens Buyer", "email": "jens@hanse.example"},
            {"full_name": "Petra Einkauf", "email": "petra@hanse.example", "primary": True}]}])
    assert run_pipeline(ctx, "customers").counts.created == 1
    with httpx.Client(base_url=f"{products.url}/erp", timeout=30,
                      headers={"Authorization": f"Bearer {TOKEN}"}) as erp:
        erp_upsert(erp, "warehouses", [{"wh_code": "SH-01", "wh_name": "Shanghai",
                                        "country": "CN"}])
        erp_upsert(erp, "products", [{"sku": "LED-9W", "item_name": "LED bulb 9W",
                                      "hs_code": "8539.52.00"}])
        erp_upsert(erp, "inventory", [{"sku": "LED-9W", "wh_code": "SH-01", "on_hand": 800}])
        for order_no, number, eta in (("SO-ETA-1", "SHP-ETA-1", ETA),
                                      ("SO-ETA-2", "SHP-LATER", ETA + timedelta(days=9))):
            order = erp.post("/sales-orders", json={
                "so_no": order_no, "cust_no": "C-HANSE",
                "order_date": date.today().isoformat(), "currency": "EUR", "fx_rate": "7.8",
                "status": "confirmed",
                "lines": [{"line_key": "10", "sku": "LED-9W", "qty": 300, "price": "1.20"}]})
            assert order.status_code in (200, 201), order.text
            shipped = erp.post("/shipments", json={
                "ship_no": number, "so_no": order_no, "carrier": "COSCO Shipping",
                "bl_no": f"COSU{number[-1]}", "containers": ["CSLU1234567"], "pol": "Shanghai",
                "pod": "Hamburg", "vessel": "COSCO Aries", "eta": eta.isoformat()})
            assert shipped.status_code in (200, 201), shipped.text
    assert run_pipeline(ctx, "orders").counts.created == 2
    shipments = run_pipeline(ctx, "shipments").counts       # each patches its CRM order
    assert (shipments.read, shipments.dead_lettered) == (2, 0)


def test_eta_reminder_is_mailed_once_and_logged_on_the_customer(
        products: AppServer, crm: Crm, smtp_server: SmtpServer,
        make_context: Callable[[HubConfig], SyncContext]) -> None:
    ctx = make_context(config(products.url, smtp_server))
    logistics(products, crm, ctx)

    first = send_eta_reminders(ctx, system="mailbox", today=REMINDER_DAY)
    assert (first.due, first.sent, first.already_sent, first.no_contact) == (1, 1, 0, 0)
    (envelope,) = smtp_server.received.envelopes
    assert envelope.rcpt_tos == ["petra@hanse.example"]          # the primary contact
    text = envelope.content.decode()
    assert f"Subject: Shipment SHP-ETA-1 arrives {ETA.date().isoformat()}" in text
    assert "COSCO Aries" in text and "Port of discharge: Hamburg" in text

    (entry,) = [a for a in crm.all("activities") if a["account_code"] == "C-HANSE"]
    assert (entry["kind"], entry["subject"], entry["message_status"]) == (
        "email", f"Shipment SHP-ETA-1 arrives {ETA.date().isoformat()}", "sent")
    assert entry["ref"] == mail_ref(entry["message_id"])
    assert "Bill of lading: COSU1" in entry["body"]

    # The next run (a fresh context, as after a restart) finds it logged: nothing sent.
    again = send_eta_reminders(make_context(config(products.url, smtp_server)),
                               system="mailbox", today=REMINDER_DAY)
    assert (again.due, again.sent, again.already_sent) == (1, 0, 1)
    assert len(smtp_server.received.envelopes) == 1
    assert len(crm.all("activities")) == 1
    # Nine days later the second shipment is due, and only it.
    later = send_eta_reminders(ctx, system="mailbox", today=ETA.date() + timedelta(days=6))
    assert (later.due, later.sent) == (1, 1)
    assert "SHP-LATER" in smtp_server.received.envelopes[-1].content.decode()


def test_quote_mail_is_logged_on_the_customer(
        products: AppServer, crm: Crm, smtp_server: SmtpServer,
        make_context: Callable[[HubConfig], SyncContext]) -> None:
    ctx = make_context(config(products.url, smtp_server))
    crm.upsert("customers", [{
        "account_code": "C-Q", "company_name": "Quote Buyer Ltd", "country_code": "GB",
        "contacts": [{"full_name": "Amy", "email": "amy@buyer.example", "primary": True}]}])
    assert run_pipeline(ctx, "customers").counts.created == 1
    with ctx.sessions() as session:
        (customer_hub_id,) = session.query(CanonicalState.hub_id).filter_by(
            entity="customer").one()
    lines = [QuoteLine(product="LED bulb 9W", quantity=Decimal(800),
                       unit_price=Money(amount=Decimal("1.20"), currency="USD")),
             QuoteLine(product="LED bulb 9W", quantity=Decimal(200), lead_time_days=15,
                       unit_price=Money(amount=Decimal("1.20"), currency="USD"))]
    sent = send_quote(ctx, quote_number="Q-2026-7", lines=lines,
                      customer_hub_id=customer_hub_id, in_reply_to="<inq-7@buyer.example>",
                      system="mailbox")
    assert sent.outcome == "sent" and sent.message_id == "<quote-Q-2026-7@tradehub.test>"
    (envelope,) = smtp_server.received.envelopes
    assert "In-Reply-To: <inq-7@buyer.example>" in envelope.content.decode()
    (entry,) = crm.all("activities")
    assert (entry["account_code"], entry["subject"], entry["message_id"]) == (
        "C-Q", "Quote Q-2026-7", "<quote-Q-2026-7@tradehub.test>")
    assert "in 15 days" in entry["body"]
    assert send_quote(ctx, quote_number="Q-2026-7", lines=lines,
                      customer_hub_id=customer_hub_id, system="mailbox").outcome == "already_sent"
    assert len(smtp_server.received.envelopes) == 1
