"""Sending quotes and ETA reminders through a real aiosmtpd server on loopback."""

from __future__ import annotations

import socket
from datetime import date, datetime, timezone
from decimal import Decimal
from email import message_from_bytes
from email.policy import default as default_policy

import pytest
from aiosmtpd.controller import Controller

from connectors.email import (
    EmailConfig,
    EmailConnector,
    OutgoingAttachment,
    OutgoingEmail,
    QuoteLine,
    due_eta_reminders,
    eta_reminder,
    quote_mail,
)
from hub.errors import FatalError, RetriableError
from hub.models import Money, Shipment


def sender(server, **overrides) -> EmailConnector:
    settings = {"smtp_host": server.host, "smtp_port": server.port, "smtp_security": "none",
                "from_address": "Sales Team <sales@example.test>", "timeout_seconds": 10}
    settings.update(overrides)
    return EmailConnector(EmailConfig.model_validate(settings), system="outbox")


def received(server):
    [envelope] = server.received.envelopes
    return envelope, message_from_bytes(envelope.content, policy=default_policy)


def test_quote_is_received_with_threading_headers_and_attachment(smtp_server):
    mail = quote_mail(
        quote_number="Q-2026-007", customer_name="张伟", to=["张伟 <zhang.wei@example.cn>"],
        domain="example.test", in_reply_to="<inq-1@example.cn>",
        lines=[QuoteLine(product="LED lamp 9W", quantity=Decimal(800),
                         unit_price=Money(amount=Decimal("1.25"), currency="USD")),
               QuoteLine(product="LED lamp 9W", quantity=Decimal(200), lead_time_days=15,
                         unit_price=Money(amount=Decimal("1.25"), currency="USD"))])
    mail = mail.model_copy(update={
        "subject": "报价 Quote Q-2026-007", "cc": ["boss@example.test"],
        "attachments": [OutgoingAttachment(filename="quote.pdf", content_type="application/pdf",
                                           data=b"%PDF-1.4 quote")]})
    result = sender(smtp_server).send(mail)

    envelope, msg = received(smtp_server)
    assert envelope.mail_from == "sales@example.test"
    assert sorted(envelope.rcpt_tos) == ["boss@example.test", "zhang.wei@example.cn"]
    assert result.message_id == "<quote-Q-2026-007@example.test>" == msg["Message-ID"]
    assert result.recipients == ["zhang.wei@example.cn", "boss@example.test"]
    assert result.refused == {}
    assert msg["Subject"] == "报价 Quote Q-2026-007"
    assert b"=?utf-8?" in envelope.content.lower()  # non-ASCII subject encoded on the wire
    assert msg["From"] == "Sales Team <sales@example.test>"
    assert msg["To"].addresses[0].display_name == "张伟"
    assert msg["In-Reply-To"] == "<inq-1@example.cn>"
    assert msg["References"] == "<inq-1@example.cn>"
    body = msg.get_body(("plain",)).get_content()
    assert "- LED lamp 9W: 800 pcs x 1.25 USD = 1000.00 USD, from stock" in body
    assert "- LED lamp 9W: 200 pcs x 1.25 USD = 250.00 USD, in 15 days" in body
    [attachment] = list(msg.iter_attachments())
    assert attachment.get_filename() == "quote.pdf"
    assert attachment.get_content() == b"%PDF-1.4 quote"


def test_generated_message_id_is_returned_when_the_caller_sets_none(smtp_server):
    result = sender(smtp_server).send(OutgoingEmail(to=["a@example.com"], subject="Hi",
                                                    text="Hello"))
    _, msg = received(smtp_server)
    assert result.message_id == msg["Message-ID"]
    assert result.message_id.endswith("@example.test>")


def test_eta_reminder_three_days_before_arrival(smtp_server):
    def ship(number: str, eta: datetime | None, status: str = "in_transit") -> Shipment:
        return Shipment(number=number, order_number="SO-1", eta=eta, status=status,
                        vessel="MSC Aurora", port_of_discharge="Hamburg",
                        bill_of_lading="MSCU1234567", container_numbers=["MSCU7654321"])

    today = date(2026, 3, 1)
    shipments = [ship("SH-1", datetime(2026, 3, 4, 10, tzinfo=timezone.utc)),
                 ship("SH-2", datetime(2026, 3, 5, tzinfo=timezone.utc)),
                 ship("SH-3", datetime(2026, 3, 4, tzinfo=timezone.utc), status="arrived"),
                 ship("SH-4", None)]
    [due] = due_eta_reminders(shipments, today=today)
    assert due.number == "SH-1"

    result = sender(smtp_server).send(eta_reminder(due, to=["buyer@example.de"],
                                                   customer_name="Müller GmbH",
                                                   domain="example.test"))
    envelope, msg = received(smtp_server)
    assert envelope.rcpt_tos == ["buyer@example.de"]
    assert msg["Subject"] == "Shipment SH-1 arrives 2026-03-04"
    assert result.message_id == msg["Message-ID"] == f"<eta-{due.hub_id}-2026-03-04@example.test>"
    body = msg.get_content()
    assert "Dear Müller GmbH," in body and "Port of discharge: Hamburg" in body


class _RefuseAll:
    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        return "550 5.1.1 no such user"


def test_refused_recipient_is_a_fatal_error(smtp_server):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    controller = Controller(_RefuseAll(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        with pytest.raises(FatalError, match="every recipient was refused: ghost@example.com"):
            sender(smtp_server, smtp_port=port).send(
                OutgoingEmail(to=["ghost@example.com"], subject="x", text="y"))
    finally:
        controller.stop()


def test_unreachable_server_is_retriable(smtp_server):
    closed = sender(smtp_server, smtp_port=1)  # nothing listens on port 1 here
    with pytest.raises(RetriableError, match="SMTP server unreachable"):
        closed.send(OutgoingEmail(to=["a@example.com"], subject="x", text="y"))
    assert smtp_server.received.envelopes == []


def test_send_only_config_needs_a_from_address():
    with pytest.raises(ValueError, match="smtp_host needs from_address"):
        EmailConfig.model_validate({"smtp_host": "127.0.0.1"})
