"""The end-to-end foreign-trade story the demo tells, step by step, over real HTTP.

A buyer asks for 1,000 LED lamps; the ERP holds 800; the salesperson quotes 800 now and
200 in 15 days; the order reaches the ERP, the shortage goes through an OA approval and
comes back as a purchase order; the ERP ships and the CRM sees tracking and the ETA; the
customer pays in USD and the CRM shows the order paid. People's actions are calls to the
reference products' APIs; everything between the systems is the hub's pipelines, each a
Prefect flow run.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx

from hub.builtin.seed import STORY_SKU

Echo = Callable[[str], None]
RunPipeline = Callable[[str], None]

CUSTOMER = "C-9001"
BUYER_WA_ID = "4915112345678"
ORDER = "SO-STORY-0001"


class Products:
    """The people at the trading company, clicking in the CRM, ERP and OA."""

    def __init__(self, base_url: str, token: str) -> None:
        self.http = httpx.Client(base_url=base_url, timeout=60,
                                 headers={"Authorization": f"Bearer {token}"})

    def get(self, path: str, **params: Any) -> Any:
        response = self.http.get(path, params=params)
        response.raise_for_status()
        return response.json()

    def items(self, path: str, **params: Any) -> list[dict[str, Any]]:
        body = self.get(path, **params)
        return body["items"] if isinstance(body, dict) else body  # type: ignore[no-any-return]

    def send(self, method: str, path: str, body: Any) -> Any:
        response = self.http.request(method, path, json=body)
        if response.status_code >= 400:
            raise RuntimeError(f"{method} {path} → {response.status_code}: {response.text}")
        return response.json()

    def upsert(self, path: str, item: dict[str, Any]) -> dict[str, Any]:
        [result] = self.send("POST", f"{path}/batch-upsert", {"items": [item]})["results"]
        if result["outcome"] == "error":
            raise RuntimeError(f"{path}: {result['error']}")
        return result  # type: ignore[no-any-return]

    def by_key(self, path: str, key: str) -> dict[str, Any]:
        return self.get(f"{path}/by-key/{key}")  # type: ignore[no-any-return]


def tell(story: Story) -> None:
    for step in (story.whatsapp_inquiry, story.stock_in_crm, story.quote_and_confirm,
                 story.order_reaches_erp, story.approval_round_trip, story.ship_and_track,
                 story.eta_reminder, story.customer_pays, story.customs_enrichment):
        step()


class Story:
    def __init__(self, builtin_url: str, token: str, run: RunPipeline, echo: Echo, *,
                 hub_url: str | None = None, whatsapp_secret: str | None = None,
                 import_customs: Callable[[Path], str] | None = None,
                 remind_eta: Callable[[date], str] | None = None) -> None:
        self.products = Products(builtin_url, token)
        self.run = run
        self.echo = echo
        self.today = date.today()
        self.hub_url = hub_url
        self.whatsapp_secret = whatsapp_secret
        self.import_customs = import_customs
        # With the hub running (the demo), reminders go through the eta-reminders flow.
        self.remind_eta = remind_eta or (remind_eta_by_flow if hub_url else None)
        self.eta: datetime | None = None

    def say(self, text: str) -> None:
        self.echo(f"\n▶ {text}")

    def whatsapp_inquiry(self) -> None:
        if not (self.hub_url and self.whatsapp_secret):
            return
        from connectors.whatsapp.emulator import deliver, inbound_payload

        self.say("A buyer writes on WhatsApp asking for 1,000 LED lamps; the hub creates a "
                 "CRM lead")
        text = "Hi, we need 1000 LED lamps (A60 9W E27), CIF Hamburg. Please quote."
        answer = deliver(f"{self.hub_url}/webhooks/whatsapp", inbound_payload(
            BUYER_WA_ID, {"type": "text", "text": {"body": text}}, name="Jonas Becker"),
            app_secret=self.whatsapp_secret)
        self.echo(f"  WhatsApp → POST /webhooks/whatsapp: {answer.status_code} (signed by Meta's "
                  "scheme, stored in the inbox, applied by the inbox worker)")
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            leads = [lead for lead in self.products.items("/crm/leads", limit=500)
                     if lead.get("whatsapp_id") in (BUYER_WA_ID, f"+{BUYER_WA_ID}")]
            if leads:
                lead = leads[0]
                items = ", ".join(" ".join(str(part) for part in (
                    i.get("qty"), i.get("uom"), i.get("product")) if part)
                    for i in lead.get("inquiry_items", []))
                self.echo(f"  CRM lead {lead['lead_ref']}: {lead.get('contact_name')}, "
                          f"{lead.get('country_code')}, asked for {items}; assigned to "
                          f"{lead.get('assigned_rep')}")
                return
            time.sleep(0.5)
        raise RuntimeError("the WhatsApp inquiry did not become a CRM lead within 60 s")

    def stock_in_crm(self) -> None:
        self.say("The ERP holds 800 LED lamps; the hub shows that in the CRM")
        self.run("inventory")
        rows = [r for r in self.products.items("/crm/stock", sku=STORY_SKU) if r["sku"] == STORY_SKU]
        for row in rows:
            self.echo(f"  CRM stock {row['sku']} @ {row['warehouse']}: on hand {row['on_hand']}, "
                      f"reserved {row['reserved']}, available {row.get('available')}")

    def quote_and_confirm(self) -> None:
        self.say("The salesperson quotes 800 now and 200 in 15 days; the customer confirms")
        self.products.upsert("/crm/customers", {
            "account_code": CUSTOMER, "company_name": "Hanse Licht Import GmbH",
            "country_code": "DE", "city": "Hamburg", "currency": "USD",
            "account_owner": "anna.schmidt",
            "contacts": [{"full_name": "Jonas Becker", "email": "jonas.becker@hanselicht.example",
                          "phone": "+4940123456", "primary": True}]})
        self.products.upsert("/crm/orders", {
            "doc_no": ORDER, "doc_type": "order", "account_code": CUSTOMER,
            "doc_date": self.today.isoformat(), "currency": "USD", "incoterm": "CIF",
            "pod": "Hamburg", "pol": "Ningbo", "fulfilment_status": "confirmed",
            "lines": [
                {"line_key": "1", "sku": STORY_SKU, "qty": 800, "unit_price": "0.95",
                 "available_now": 800, "delivery_date": self.today.isoformat()},
                {"line_key": "2", "sku": STORY_SKU, "qty": 200, "unit_price": "0.95",
                 "lead_time_days": 15,
                 "delivery_date": (self.today + timedelta(days=15)).isoformat()}]})
        self.echo(f"  CRM order {ORDER}: 800 + 200 × {STORY_SKU} at USD 0.95, CIF Hamburg")

    def order_reaches_erp(self) -> None:
        self.say("The order reaches the ERP, which reserves the 800 and raises a purchase "
                 "request for the 200 it lacks")
        self.run("customers")
        self.run("orders")
        order = self.products.by_key("/erp/sales-orders", ORDER)
        self.echo(f"  ERP sales order {order['so_no']}: {order['status']}, "
                  f"reservations {order.get('reservations')}, shortages {order.get('shortages')}")

    def approval_round_trip(self) -> None:
        self.say("The purchase request goes through an OA approval and comes back as a "
                 "purchase order")
        self.run("approvals")
        shortages = self.products.by_key("/erp/sales-orders", ORDER)["shortages"]
        request_no = f"PR-{ORDER}-{shortages[0]['line_key']}"
        form = self.products.by_key("/oa/approvals", request_no)
        self.echo(f"  OA approval {form['form_no']}: {form['title']}, approvers "
                  f"{' → '.join(s['approver'] for s in form['steps'])}")
        for step in form["steps"]:
            self.products.send("POST", f"/oa/approvals/{form['id']}/steps/{step['step']}/approve",
                               {"approver": step["approver"], "comment": "OK, urgent order"})
            self.echo(f"  OA {form['form_no']}: step {step['step']} approved by {step['approver']}")
        self.run("approvals")
        request = self.products.by_key("/erp/purchase-requests", request_no)
        self.echo(f"  ERP purchase request {request['pr_no']}: {request['status']}, "
                  f"purchase order {request.get('po_no')}")

    def ship_and_track(self) -> None:
        self.say("The ERP ships; tracking and the ETA appear in the CRM")
        eta = datetime.now(timezone.utc).replace(microsecond=0) + timedelta(days=28)
        self.eta = eta
        shipment = self.products.upsert("/erp/shipments", {
            "ship_no": "SH-STORY-0001", "so_no": ORDER, "carrier": "COSCO",
            "bl_no": "COSU6312345670", "containers": ["CSNU1234565"], "vessel": "COSCO Aries",
            "pol": "Ningbo", "pod": "Hamburg", "etd": datetime.now(timezone.utc).isoformat(),
            "eta": eta.isoformat(), "status": "departed",
            "lines": [{"sku": STORY_SKU, "qty": 800}]})
        self.products.send("POST", f"/erp/shipments/{shipment['id']}/events", {
            "at": datetime.now(timezone.utc).isoformat(), "status": "in_transit",
            "location": "Singapore", "remark": "Transhipment"})
        self.run("shipments")
        self.run("orders")
        order = self.products.by_key("/crm/orders", ORDER)
        tracking = order.get("tracking") or {}
        self.echo(f"  CRM order {ORDER}: {order['fulfilment_status']}, {tracking.get('carrier')} "
                  f"B/L {tracking.get('bl_no')}, ETA {tracking.get('eta')}, "
                  f"{len(tracking.get('events', []))} tracking events")

    def eta_reminder(self) -> None:
        if self.remind_eta is None or self.eta is None:
            return
        day = self.eta.date() - timedelta(days=3)
        self.say(f"On {day}, three days before the ETA, the hub mails the buyer a reminder "
                 "and logs it on the CRM account")
        self.echo(f"  {self.remind_eta(day)}")
        for entry in self.products.items("/crm/activities", limit=1000):
            if entry.get("account_code") == CUSTOMER and entry.get("kind") == "email":
                self.echo(f"  CRM account {CUSTOMER}: activity \"{entry['subject']}\" "
                          f"({entry.get('message_status')}, {entry.get('message_id')})")

    def customer_pays(self) -> None:
        self.say("The customer pays in USD; the ERP books it at the day's rate and the CRM "
                 "shows the order paid")
        order = self.products.by_key("/erp/sales-orders", ORDER)
        amount = Decimal(str(order["amount_total"]))
        self.products.upsert("/erp/payments", {
            "pay_no": "PAY-STORY-0001", "so_no": ORDER, "cust_no": CUSTOMER,
            "received_on": self.today.isoformat(), "amount": str(amount), "currency": "USD",
            "fx_rate": "7.1234", "method": "T/T", "bank_ref": "HSBC-HK-889911"})
        self.run("orders")
        crm = self.products.by_key("/crm/orders", ORDER)
        self.echo(f"  CRM order {ORDER}: {crm['payment_status']}, paid USD {crm['paid_amount']} "
                  f"= CNY {crm.get('paid_amount_base')}")

    def customs_enrichment(self) -> None:
        if self.import_customs is None:
            return
        import csv
        import tempfile

        from connectors.customs.synthetic import AMS_HEADER, ams_row

        self.say("Customs data enriches the customer's profile")
        bills = [{
            "id": f"BOLSTORY{n:04d}",
            "arrival_date": (self.today - timedelta(days=20 * n + 5)).isoformat(),
            "importer": {"name": "HANSE LICHT IMPORT GMBH", "country": "DE"},
            "exporter": {"name": supplier, "country": "CN"},
            "hs_code": "8539.52.0000", "description": "LED LAMPS",
            "quantity": 400 + 10 * n, "quantity_unit": "CTN",
            "weight": 2400 + 15 * n, "weight_unit": "K", "value_usd": 18000 + 250 * n,
            "port_of_lading": "Ningbo", "port_of_unlading": "Hamburg",
            "bill_of_lading": f"COSU{n:010d}"}
            for n, supplier in enumerate(["Ningbo Sunrise Electric Co., Ltd.",
                                          "Xiamen Topstar Lighting Co., Ltd."] * 4)]
        # A European trade-data extract: AMS-style columns plus the consignee's country.
        path = Path(tempfile.mkdtemp(prefix="tradehub-customs-")) / "imports.csv"
        with path.open("w", newline="", encoding="utf-8") as out:
            writer = csv.DictWriter(out, fieldnames=[*AMS_HEADER, "consignee_country"])
            writer.writeheader()
            for bill in bills:
                writer.writerow({**ams_row(bill), "consignee_country": "DE"})
        self.echo(f"  {self.import_customs(path)}")
        profile = self.products.by_key("/crm/customers", CUSTOMER).get("customs_profile") or {}
        self.echo(f"  CRM account {CUSTOMER}: imports USD {profile.get('annual_import_usd')} a "
                  f"year, last shipment {profile.get('last_shipment_on')}, top HS "
                  f"{profile.get('top_hs_codes')}, suppliers {profile.get('main_suppliers')}, "
                  f"ports {profile.get('main_ports')}")


def remind_eta_by_flow(day: date) -> str:
    """Run the eta-reminders flow as of ``day``, with a loopback SMTP server standing in
    for the buyer's mail server (aiosmtpd, installed with the demo's dev extras)."""
    import os

    try:
        from aiosmtpd.controller import Controller
    except ImportError:
        return "skipped: no loopback SMTP server (aiosmtpd comes with the dev extras)"

    from flows.leads import eta_reminders
    from hub.services import free_port

    class Inbox:
        def __init__(self) -> None:
            self.recipients: list[str] = []

        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
            self.recipients.extend(envelope.rcpt_tos)
            return "250 Message accepted for delivery"

    inbox = Inbox()
    port = free_port("127.0.0.1")
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        os.environ.update(TRADEHUB_SMTP_HOST="127.0.0.1", TRADEHUB_SMTP_PORT=str(port),
                          TRADEHUB_SMTP_SECURITY="none")
        run = eta_reminders(today=day)
    finally:
        controller.stop()
    return (f"[flow run: eta reminders] {run.due} shipment(s) due, {run.sent} reminder(s) "
            f"mailed to {', '.join(inbox.recipients) or 'nobody'}")
