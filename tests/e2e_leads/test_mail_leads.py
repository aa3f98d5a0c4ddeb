"""Mail on a real Dovecot → pipeline email → crm run by the engine → CRM leads, exactly
once across restarts (a new context and connector each time) and a UIDVALIDITY change."""

from __future__ import annotations

from collections.abc import Callable
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any

from hub.services import AppServer
from hub.sync.config import HubConfig
from hub.sync.context import SyncContext
from hub.sync.engine import run_pipeline
from leads_support import Crm, leads_config
from tests.connectors.email.conftest import PASSWORD, ImapServer

BOX = "Inquiries"
INQUIRIES = [
    ("Inquiry: LED lamps", "Hello, we need 1000 LED lamps, CIF Jebel Ali.", "Omar <omar@gulf.example>"),
    ("询价", "您好，我们需要1000盏LED灯，请报价。", "=?utf-8?b?546L57uP55CG?= <wang@cn.example>"),
    ("RFQ solar", "Please quote 50 solar inverters 5kW.", "Ade <ade@lagos.example>"),
    ("Panels", "LED panels: 500 pcs", "Ana <ana@lima.example>"),
    ("Question", "Do you ship to Chile?", "Luis <luis@santiago.example>"),
]


def mail(subject: str, body: str, sender: str, message_id: str | None = None) -> bytes:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = "sales@example.test"
    msg["Subject"] = subject
    msg["Date"] = "Mon, 02 Mar 2026 08:30:00 +0800"
    msg["Message-ID"] = message_id or make_msgid(domain="example.com")
    msg.set_content(body)
    return msg.as_bytes()


def email_system(dovecot: ImapServer, user: str) -> dict[str, Any]:
    return {"connector": "email",
            "settings": {"imap_host": dovecot.host, "imap_port": dovecot.port,
                         "imap_security": "none", "username": user, "password": PASSWORD,
                         "mailboxes": ["INBOX", BOX], "timeout_seconds": 10},
            "mappings": str(leads_config.__globals__["REPO"] / "mappings" / "email")}


def test_mail_becomes_leads_exactly_once_across_restarts_and_uidvalidity(
        dovecot: ImapServer, mail_user: str, products: AppServer, crm: Crm,
        make_context: Callable[[HubConfig], SyncContext]) -> None:
    config = leads_config(products.url, email=email_system(dovecot, mail_user))
    for n, (subject, body, sender) in enumerate(INQUIRIES):
        dovecot.deliver(mail_user, mail(subject, body, sender, f"<inq-{n}@example.com>"),
                        mailbox=BOX if n % 2 else "INBOX")

    def run() -> int:
        """One run in a fresh context, as after a process restart; leads created."""
        ctx = make_context(config)
        try:
            return run_pipeline(ctx, "email-leads").counts.created
        finally:
            ctx.close()

    assert run() == 5
    leads = {lead["email"]: lead for lead in crm.all("leads")}
    assert sorted(leads) == ["ade@lagos.example", "ana@lima.example", "luis@santiago.example",
                             "omar@gulf.example", "wang@cn.example"]
    assert all(lead["source"] == "email" for lead in leads.values())
    assert leads["omar@gulf.example"]["inquiry_items"] == [
        {"product": "LED lamps", "qty": 1000, "uom": None}]
    assert leads["wang@cn.example"]["inquiry_items"] == [
        {"product": "LED灯", "qty": 1000, "uom": "pcs"}]
    assert leads["wang@cn.example"]["contact_name"] == "王经理"
    assert leads["ana@lima.example"]["inquiry_items"][0]["qty"] == 500
    # No country in a mail: the product-line-only rules do not apply, the default rep does.
    assert {lead["assigned_rep"] for lead in leads.values()} == {"alice"}

    assert run() == 0                                   # restart, nothing new
    dovecot.deliver(mail_user, mail("More", "need 200 LED bulbs", "Kim <kim@seoul.example>",
                                    "<inq-5@example.com>"))
    dovecot.deliver(mail_user, mail("Again", "need 300 LED bulbs", "Kim <kim@seoul.example>",
                                    "<inq-5@example.com>"))      # same Message-ID resent
    assert run() == 1
    assert len(crm.all("leads")) == 6

    # The mailbox is restored from a backup: new UIDVALIDITY, UIDs from 1, old mail back.
    admin = dovecot.connect(mail_user)
    assert admin.delete(f'"{BOX}"')[0] == "OK"
    admin.logout()
    for n, (subject, body, sender) in enumerate(INQUIRIES):
        if n % 2:
            dovecot.deliver(mail_user, mail(subject, body, sender, f"<inq-{n}@example.com>"),
                            mailbox=BOX)
    dovecot.deliver(mail_user, mail("New", "need 10 LED strips", "Zoe <zoe@oslo.example>",
                                    "<inq-6@example.com>"), mailbox=BOX)
    assert run() == 1
    assert run() == 0
    emails = sorted(lead["email"] for lead in crm.all("leads"))
    assert len(emails) == 7 and len(set(emails)) == 7, emails
