"""The email connector against a real Dovecot on loopback."""

from __future__ import annotations

import base64
import threading
from email.message import EmailMessage
from email.utils import make_msgid

import pytest

from connectors.base import Batch, RemoteRecord
from connectors.email import ParsedEmail, find_thread
from connectors.email.imap import ImapSession
from hub.errors import AuthError, FatalError
from hub.models import Lead


def plain(subject: str, body: str = "Please quote 1000 LED lamps.", *,
          sender: str = "Buyer <buyer@example.com>", message_id: str | None = None,
          **headers: str) -> bytes:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = "sales@example.test"
    msg["Subject"] = subject
    msg["Date"] = "Mon, 02 Mar 2026 08:30:00 +0800"
    msg["Message-ID"] = message_id or make_msgid(domain="example.com")
    for name, value in headers.items():
        msg[name.replace("_", "-")] = value
    msg.set_content(body)
    return msg.as_bytes()


def read_all(connector, cursor: str | None = None, batch_size: int = 500) -> list[Batch]:
    return list(connector.read_changes("lead", cursor, batch_size=batch_size))


def records(batches: list[Batch]) -> list[RemoteRecord]:
    return [r for b in batches for r in b.records]


def mails(batches: list[Batch]) -> list[ParsedEmail]:
    return [ParsedEmail.model_validate({k: v for k, v in r.data.items() if k != "lead"})
            for r in records(batches)]


def test_mail_becomes_a_lead_record_with_the_message_id_as_remote_id(dovecot, mail_user,
                                                                     make_connector):
    mid = "<inq-1@example.com>"
    dovecot.deliver(mail_user, plain("Inquiry: LED lamps", message_id=mid))
    batches = read_all(make_connector())
    [record] = records(batches)
    assert record.remote_id == mid
    lead = Lead.model_validate(record.data["lead"])
    assert lead.source == "email"
    assert lead.email == "buyer@example.com"
    assert lead.contact_name == "Buyer"
    assert "Please quote 1000 LED lamps." in (lead.message or "")
    assert [(i.product, i.quantity) for i in lead.inquiry] == [("LED lamps", 1000)]
    assert lead.received_at is not None and lead.received_at.isoformat() == \
        "2026-03-02T00:30:00+00:00"
    assert batches[-1].cursor is not None


def test_exactly_once_across_restarts(dovecot, mail_user, make_connector):
    ids = [f"<restart-{i}@example.com>" for i in range(5)]
    for mid in ids:
        dovecot.deliver(mail_user, plain(f"Inquiry {mid}", message_id=mid))

    first = make_connector()
    stream = first.read_changes("lead", None, batch_size=2)
    batch = next(stream)  # the engine commits this batch's leads and cursor, then dies
    committed = batch.cursor
    seen = [r.remote_id for r in batch.records]
    first.close()
    assert isinstance(committed, str) and len(seen) == 2

    second = make_connector()  # a new process, resuming from the persisted string
    rest = read_all(second, committed, batch_size=2)
    seen += [r.remote_id for r in records(rest)]
    assert seen == ids

    dovecot.deliver(mail_user, plain("Late inquiry", message_id="<late@example.com>"))
    third = make_connector()
    later = read_all(third, rest[-1].cursor)
    assert [r.remote_id for r in records(later)] == ["<late@example.com>"]
    assert records(read_all(make_connector(), later[-1].cursor)) == []


def test_uidvalidity_change_resyncs_without_duplicates(dovecot, mail_user, make_connector):
    box = "Inquiries"
    old = [plain(f"Old {i}", message_id=f"<old-{i}@example.com>") for i in range(3)]
    for raw in old:
        dovecot.deliver(mail_user, raw, mailbox=box)
    connector = make_connector(mailboxes=["INBOX", box])
    first = read_all(connector)
    assert sorted(r.remote_id for r in records(first)) == [f"<old-{i}@example.com>"
                                                           for i in range(3)]
    cursor = first[-1].cursor
    validity_before = connector._imap().examine(box)[0]
    connector.close()

    # The mailbox is deleted and recreated (e.g. restored from a backup): new UIDVALIDITY,
    # UIDs restart at 1, and the old mail comes back alongside one new message.
    admin = dovecot.connect(mail_user)
    assert admin.delete(f'"{box}"')[0] == "OK"
    admin.logout()
    for raw in old:
        dovecot.deliver(mail_user, raw, mailbox=box)
    dovecot.deliver(mail_user, plain("New one", message_id="<new-1@example.com>"), mailbox=box)

    again = make_connector(mailboxes=["INBOX", box])
    assert again._imap().examine(box)[0] != validity_before
    resynced = read_all(again, cursor)
    assert [r.remote_id for r in records(resynced)] == ["<new-1@example.com>"]
    assert records(read_all(make_connector(mailboxes=["INBOX", box]), resynced[-1].cursor)) == []


def test_same_message_id_delivered_twice_is_one_record(dovecot, mail_user, make_connector):
    raw = plain("Inquiry", message_id="<twice@example.com>")
    dovecot.deliver(mail_user, raw)
    dovecot.deliver(mail_user, raw)
    assert [r.remote_id for r in records(read_all(make_connector()))] == ["<twice@example.com>"]


def test_chinese_encoded_subject_and_sender(dovecot, mail_user, make_connector):
    subject = "询价：LED灯 1000盏"
    name = "张伟"
    def word(text: str) -> str:  # an RFC 2047 encoded word as Chinese mail clients write it
        return "=?GB2312?B?" + base64.b64encode(text.encode("gb2312")).decode() + "?="

    raw = (
        f"From: {word(name)} <zhang.wei@example.cn>\r\n"
        f"To: sales@example.test\r\n"
        f"Subject: {word(subject)}\r\n"
        f"Message-ID: <zh-1@example.cn>\r\n"
        f"MIME-Version: 1.0\r\n"
        f"Content-Type: text/plain; charset=gb2312\r\n"
        f"Content-Transfer-Encoding: base64\r\n\r\n"
    ).encode("ascii")
    raw += base64.encodebytes("我们需要1000盏LED灯，请报价。".encode("gb2312"))
    dovecot.deliver(mail_user, raw)
    [mail] = mails(read_all(make_connector()))
    assert mail.subject == subject
    assert mail.sender is not None and mail.sender.name == name
    assert mail.sender.email == "zhang.wei@example.cn"
    assert mail.text == "我们需要1000盏LED灯，请报价。"
    [record] = records(read_all(make_connector()))
    lead = Lead.model_validate(record.data["lead"])
    assert [(i.product, i.quantity, i.unit) for i in lead.inquiry] == [("LED灯", 1000, "pcs")]
    assert lead.contact_name == name


def test_html_only_mail_yields_readable_text(dovecot, mail_user, make_connector):
    msg = EmailMessage()
    msg["From"] = "Ana <ana@example.es>"
    msg["To"] = "sales@example.test"
    msg["Subject"] = "RFQ"
    msg["Message-ID"] = "<html-1@example.es>"
    msg.set_content(
        "<html><head><title>x</title><style>p{color:red}</style></head><body>"
        "<p>Hello,</p><p>we need <b>500&nbsp;pcs</b> of solar panels &amp; inverters.</p>"
        "<script>alert(1)</script><table><tr><td>Qty</td><td>500</td></tr></table>"
        "</body></html>", subtype="html")
    dovecot.deliver(mail_user, msg.as_bytes())
    [mail] = mails(read_all(make_connector()))
    assert mail.html_only is True
    assert mail.text == "Hello,\n\nwe need 500 pcs of solar panels & inverters.\n\nQty 500"


def test_attachment_metadata_without_downloading_contents(dovecot, mail_user, make_connector,
                                                          monkeypatch):
    msg = EmailMessage()
    msg["From"] = "buyer@example.com"
    msg["To"] = "sales@example.test"
    msg["Subject"] = "Specs attached"
    msg["Message-ID"] = "<att-1@example.com>"
    msg.set_content("See the attached spec sheet.")
    msg.add_alternative("<p>See the attached <i>spec sheet</i>.</p>", subtype="html")
    pdf = b"%PDF-1.4\n" + bytes(range(256)) * 400  # ~100 KB
    msg.add_attachment(pdf, maintype="application", subtype="pdf", filename="规格书 spec.pdf")
    msg.add_attachment(b"a,b\n1,2\n", maintype="text", subtype="csv", filename="qty.csv")
    dovecot.deliver(mail_user, msg.as_bytes())

    requested: list[str] = []
    original = ImapSession.fetch

    def recording(self, uids, items):
        requested.append(items)
        return original(self, uids, items)

    monkeypatch.setattr(ImapSession, "fetch", recording)
    [mail] = mails(read_all(make_connector()))
    assert mail.text == "See the attached spec sheet."
    assert mail.html_only is False
    assert [(a.filename, a.content_type) for a in mail.attachments] == [
        ("规格书 spec.pdf", "application/pdf"), ("qty.csv", "text/csv")]
    assert 100_000 < mail.attachments[0].size < 160_000  # base64 of the 102,409 bytes
    assert mail.size > 130_000
    # Headers + structure, then the plain text part only: never the attachments' parts.
    assert requested == [
        "(UID RFC822.SIZE INTERNALDATE BODYSTRUCTURE BODY.PEEK[HEADER])",
        "(UID BODY.PEEK[1.1.MIME] BODY.PEEK[1.1])",
    ]


def test_threading_to_a_known_lead(dovecot, mail_user, make_connector):
    dovecot.deliver(mail_user, plain("Re: Quote Q-7", message_id="<reply@example.com>",
                                     In_Reply_To="<quote-Q-7@example.test>",
                                     References="<inq-1@example.com> <quote-Q-7@example.test>"))
    dovecot.deliver(mail_user, plain("Another topic", message_id="<other@example.com>",
                                     References="<unknown@example.com> <inq-1@example.com>"))
    dovecot.deliver(mail_user, plain("Fresh inquiry", message_id="<fresh@example.com>"))
    reply, other, fresh = mails(read_all(make_connector()))
    known = {"<quote-Q-7@example.test>": "lead-7", "<inq-1@example.com>": "lead-1"}
    match = find_thread(reply, known)
    assert match is not None and (match.target_id, match.via) == ("lead-7", "in-reply-to")
    other_match = find_thread(other, known)
    assert other_match is not None and (other_match.target_id, other_match.via) == (
        "lead-1", "references")
    assert find_thread(fresh, known) is None


def test_auto_replies_advance_the_cursor_but_are_not_leads(dovecot, mail_user, make_connector):
    dovecot.deliver(mail_user, plain("Out of office", message_id="<ooo@example.com>",
                                     Auto_Submitted="auto-replied"))
    dovecot.deliver(mail_user, plain("Inquiry", message_id="<real@example.com>"))
    batches = read_all(make_connector())
    assert [r.remote_id for r in records(batches)] == ["<real@example.com>"]


def test_idle_wakes_up_on_new_mail(dovecot, mail_user, make_connector):
    dovecot.deliver(mail_user, plain("First", message_id="<idle-0@example.com>"))
    connector = make_connector(idle_seconds=60)
    cursor = read_all(connector)[-1].cursor
    assert connector._imap().capabilities >= {"IDLE"}

    timer = threading.Timer(0.5, dovecot.deliver,
                            args=(mail_user, plain("Second", message_id="<idle-1@example.com>")))
    timer.start()
    try:
        assert connector.wait_for_mail(cursor) is True
    finally:
        timer.join()
    assert [r.remote_id for r in records(read_all(connector, cursor))] == ["<idle-1@example.com>"]


def test_idle_times_out_without_mail_and_sees_mail_that_came_before(dovecot, mail_user,
                                                                    make_connector):
    dovecot.deliver(mail_user, plain("First", message_id="<quiet-0@example.com>"))
    connector = make_connector(idle_seconds=1)
    cursor = read_all(connector)[-1].cursor
    assert connector.wait_for_mail(cursor) is False
    dovecot.deliver(mail_user, plain("Arrived between polls", message_id="<quiet-1@example.com>"))
    assert connector.wait_for_mail(cursor) is True  # found by UID search, not by IDLE


def test_idle_is_not_woken_by_news_that_is_not_new_mail(dovecot, mail_user, make_connector):
    """A server reports flag changes and the like to an idling client too; those are no
    reason to read, so the wait goes on until mail comes or its time is up."""
    uid = dovecot.deliver(mail_user, plain("First", message_id="<flagged-0@example.com>"))
    connector = make_connector(idle_seconds=2)
    cursor = read_all(connector)[-1].cursor
    flagged = threading.Event()

    def flag_it() -> None:
        conn = dovecot.connect(mail_user)
        try:
            conn.select("INBOX")
            typ, _ = conn.uid("STORE", str(uid), "+FLAGS", "(\\Flagged)")
            assert typ == "OK"
            flagged.set()
        finally:
            conn.logout()

    timer = threading.Timer(0.3, flag_it)
    timer.start()
    try:
        assert connector.wait_for_mail(cursor) is False
    finally:
        timer.join()
    assert flagged.is_set()


def test_get_finds_a_message_by_message_id(dovecot, mail_user, make_connector):
    dovecot.deliver(mail_user, plain("Inquiry", message_id="<get-me@example.com>"))
    connector = make_connector()
    found = connector.get("lead", "<get-me@example.com>")
    assert found is not None and found.data["subject"] == "Inquiry"
    assert connector.get("lead", "<absent@example.com>") is None


def test_wrong_password_is_an_auth_error(dovecot, mail_user, make_connector):
    with pytest.raises(AuthError, match="IMAP login refused"):
        read_all(make_connector(password="wrong"))


def test_unknown_mailbox_is_a_fatal_error_naming_it(dovecot, mail_user, make_connector):
    with pytest.raises(FatalError, match="'Nope'"):
        read_all(make_connector(mailboxes=["Nope"]))


def test_foreign_cursor_is_refused(make_connector):
    with pytest.raises(FatalError, match="email cursor"):
        read_all(make_connector(), '{"v": 1, "mailboxes": 3}')
