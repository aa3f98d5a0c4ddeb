"""Mail threading on a real Dovecot: a reply (In-Reply-To/References naming a Message-ID
the hub knows) and a known customer's mail are logged as activities on that lead or
customer in the reference CRM, and become no new lead."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from connectors.email.notify import QuoteLine
from hub.leads.mailing import send_quote
from hub.models import Money
from hub.services import AppServer
from hub.store.tables import CanonicalState
from hub.sync.config import HubConfig
from hub.sync.context import SyncContext
from hub.sync.engine import run_pipeline
from leads_support import Crm, crm_system, leads_config
from test_mail_leads import email_system, mail
from tests.connectors.email.conftest import ImapServer, SmtpServer


def config(products: AppServer, dovecot: ImapServer, user: str,
           smtp: SmtpServer) -> HubConfig:
    system: dict[str, Any] = email_system(dovecot, user)
    system["settings"].update(mailboxes=["INBOX"], smtp_host=smtp.host, smtp_port=smtp.port, smtp_security="none",
                              from_address="Sales <sales@tradehub.test>")
    cfg = leads_config(products.url, email=system, erp=crm_system(products.url, "erp"))
    cfg.pipelines["email-conversations"] = cfg.pipelines["email-leads"].model_copy(
        update={"entity": "activity"})
    cfg.pipelines["customers"] = cfg.pipelines["email-leads"].model_copy(
        update={"entity": "customer", "source": "crm", "target": "erp"})
    return cfg


def reply(subject: str, body: str, sender: str, message_id: str, *, in_reply_to: str | None,
          references: list[str] | None = None) -> bytes:
    raw = mail(subject, body, sender, message_id)
    headers = b""
    if in_reply_to:
        headers += b"In-Reply-To: " + in_reply_to.encode() + b"\r\n"
    if references:
        headers += b"References: " + " ".join(references).encode() + b"\r\n"
    return headers + raw


def test_replies_and_customer_mail_are_logged_on_the_lead_or_customer(
        dovecot: ImapServer, mail_user: str, products: AppServer, crm: Crm,
        smtp_server: SmtpServer, make_context: Callable[[HubConfig], SyncContext]) -> None:
    cfg = config(products, dovecot, mail_user, smtp_server)

    def run() -> tuple[int, int]:
        """Both mail pipelines in a fresh context (as after a restart): leads, entries."""
        ctx = make_context(cfg)
        leads = run_pipeline(ctx, "email-leads").counts.created
        return leads, run_pipeline(ctx, "email-conversations").counts.created

    crm.upsert("customers", [{
        "account_code": "C-HANSE", "company_name": "Hanse Licht Import GmbH",
        "country_code": "DE", "contacts": [{"full_name": "Petra Einkauf",
                                            "email": "Petra@Hanse.example", "primary": True}]}])
    ctx = make_context(cfg)
    assert run_pipeline(ctx, "customers").counts.created == 1

    # A new buyer's inquiry: one lead, one conversation entry on it.
    dovecot.deliver(mail_user, mail("Inquiry: LED lamps", "We need 1000 LED lamps.",
                                    "Omar <omar@gulf.example>", "<inq-1@gulf.example>"))
    assert run() == (1, 1)
    (lead,) = crm.all("leads")
    # A colleague answers in the thread from another address; then a reply quoting
    # only References (the inquiry, then our lost mail): both are the lead's.
    dovecot.deliver(mail_user, reply("Re: Inquiry: LED lamps", "Make it 1200 please.",
                                     "Ali <ali@gulf.example>", "<re-1@gulf.example>",
                                     in_reply_to="<inq-1@gulf.example>"))
    dovecot.deliver(mail_user, reply("Re: Re: Inquiry", "Any update?", "Omar <omar@gulf.example>",
                                     "<re-2@gulf.example>", in_reply_to="<unknown@tradehub.test>",
                                     references=["<inq-1@gulf.example>",
                                                 "<unknown@tradehub.test>"]))
    # A known customer's contact writes (address case differs): the customer's.
    dovecot.deliver(mail_user, mail("Next order", "Please quote 500 LED panels.",
                                    "Petra <petra@hanse.example>", "<po-1@hanse.example>"))
    assert run() == (0, 3)
    assert len(crm.all("leads")) == 1
    entries = {a["message_id"]: a for a in crm.all("activities")}
    assert {m: (a["lead_ref"], a["account_code"]) for m, a in entries.items()} == {
        "<inq-1@gulf.example>": (lead["lead_ref"], None),
        "<re-1@gulf.example>": (lead["lead_ref"], None),
        "<re-2@gulf.example>": (lead["lead_ref"], None),
        "<po-1@hanse.example>": (None, "C-HANSE")}
    assert entries["<re-1@gulf.example>"]["body"] == "Make it 1200 please."
    assert entries["<re-1@gulf.example>"]["subject"] == "Re: Inquiry: LED lamps"

    # Our quote to the customer, and a reply to it from an address the CRM does not
    # know: the thread puts it on the customer.
    with ctx.sessions() as session:
        (customer_hub_id,) = session.query(CanonicalState.hub_id).filter_by(
            entity="customer").one()
    quote = send_quote(ctx, quote_number="Q-77", customer_hub_id=customer_hub_id,
                       system="email", lines=[QuoteLine(
                           product="LED panel", quantity=Decimal(500),
                           unit_price=Money(amount=Decimal("4.10"), currency="EUR"))])
    assert quote.outcome == "sent"
    dovecot.deliver(mail_user, reply("Re: Quote Q-77", "Accepted.", "Buyer <ap@hanse-group.example>",
                                     "<ok-77@hanse-group.example>",
                                     in_reply_to=quote.message_id))
    assert run() == (0, 1)
    assert len(crm.all("leads")) == 1
    accepted = [a for a in crm.all("activities")
                if a["message_id"] == "<ok-77@hanse-group.example>"]
    assert [(a["account_code"], a["lead_ref"], a["body"]) for a in accepted] == [
        ("C-HANSE", None, "Accepted.")]
    # Nothing is read twice.
    assert run() == (0, 0)
