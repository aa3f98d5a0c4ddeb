"""The demo story's ETA step: after the ERP ships, three days before the ETA the hub
mails the buyer (aiosmtpd on loopback) and the CRM account shows the reminder."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from hub.builtin.seed import seed
from hub.leads.mailing import send_eta_reminders
from hub.services import AppServer
from hub.story import CUSTOMER, Story
from hub.sync.config import HubConfig
from hub.sync.context import SyncContext
from hub.sync.engine import run_pipeline
from hub.sync.hubfile import load_hub_config
from leads_support import REPO, TOKEN, Crm
from tests.connectors.email.conftest import SmtpServer


def test_story_reminds_the_buyer_three_days_before_the_eta(
        products: AppServer, crm: Crm, smtp_server: SmtpServer,
        make_context: Callable[[HubConfig], SyncContext]) -> None:
    seed(products.url, TOKEN)
    config = load_hub_config(REPO / "examples" / "hub.yaml", environ={
        "TRADEHUB_BUILTIN_URL": products.url, "TRADEHUB_BUILTIN_TOKEN": TOKEN,
        "TRADEHUB_SMTP_HOST": smtp_server.host, "TRADEHUB_SMTP_PORT": str(smtp_server.port)})
    ctx = make_context(config)
    for name in ("customers", "orders", "inventory", "shipments"):
        run_pipeline(ctx, name)
    days: list[date] = []

    def remind(day: date) -> str:
        days.append(day)
        run = send_eta_reminders(ctx, system="outbox", today=day)
        return f"{run.sent} reminder(s) mailed"

    lines: list[str] = []
    story = Story(products.url, TOKEN, lambda name: run_pipeline(ctx, name) and None,
                  lines.append, remind_eta=remind)
    for step in (story.quote_and_confirm, story.order_reaches_erp, story.ship_and_track,
                 story.eta_reminder):
        step()

    assert story.eta is not None and len(days) == 1
    assert (story.eta.date() - days[0]).days == 3
    buyer = [e for e in smtp_server.received.envelopes
             if e.rcpt_tos == ["jonas.becker@hanselicht.example"]]
    assert len(buyer) == 1
    assert f"Subject: Shipment SH-STORY-0001 arrives {story.eta.date()}" in \
        buyer[0].content.decode()
    (entry,) = [a for a in crm.all("activities")
                if a["account_code"] == CUSTOMER and a["kind"] == "email"]
    assert (entry["subject"], entry["message_status"]) == (
        f"Shipment SH-STORY-0001 arrives {story.eta.date()}", "sent")
    assert any(f'CRM account {CUSTOMER}: activity "Shipment SH-STORY-0001' in line
               for line in lines)
