"""Mail as conversation entries: what the ``activity`` mapping of an email system reads.

One shape for both directions, so a received reply and the quote it answers sit side by
side on the lead or customer: ``ref`` (a digest of the Message-ID, short enough for any
CRM's key), ``message_id``, ``direction``, ``counterpart`` (the other party's address),
``at``, ``subject``, ``body`` and, for mail we sent, ``message_status`` with the SMTP
error when it was refused. Received mail also carries the ``lead`` fields the lead
mapping reads, so lead intake can tell whose conversation it is.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from connectors.email.leads import build_lead
from connectors.email.models import OutgoingEmail, ParsedEmail, SentEmail

__all__ = ["failed_record", "mail_ref", "received_record", "sent_record"]

NO_SUBJECT = "(no subject)"


def mail_ref(message_id: str) -> str:
    return "EM-" + hashlib.sha256(message_id.encode()).hexdigest()[:32].upper()


def received_record(mail: ParsedEmail) -> dict[str, object]:
    sender = mail.sender or (mail.reply_to[0] if mail.reply_to else None)
    return {
        "record": "received",
        "ref": mail_ref(mail.message_id),
        "message_id": mail.message_id,
        "direction": "in",
        "counterpart": sender.email if sender else None,
        "at": mail.date.isoformat() if mail.date else None,
        "subject": mail.subject or NO_SUBJECT,
        "body": mail.text[:10000],
        "in_reply_to": mail.in_reply_to,
        "references": list(mail.references),
        "lead": build_lead(mail).model_dump(mode="json", exclude={"hub_id"}),
    }


def sent_record(mail: OutgoingEmail, sent: SentEmail) -> dict[str, object]:
    refused = "; ".join(f"{addr}: {why}" for addr, why in sent.refused.items())
    return {
        "record": "outbound",
        "ref": mail_ref(sent.message_id),
        "message_id": sent.message_id,
        "direction": "out",
        "counterpart": ", ".join(sent.recipients or mail.to)[:320],
        "at": sent.sent_at.isoformat(),
        "subject": mail.subject,
        "body": mail.text[:10000],
        "message_status": "sent",
        "status_at": sent.sent_at.isoformat(),
        "error_title": f"refused: {refused}"[:300] if refused else None,
    }


def failed_record(mail: OutgoingEmail, *, message_id: str, at: datetime, code: int | None,
                  reason: str) -> dict[str, object]:
    """A mail the server refused for good (no retry would help), logged as failed."""
    return {
        "record": "outbound",
        "ref": mail_ref(message_id),
        "message_id": message_id,
        "direction": "out",
        "counterpart": ", ".join(mail.to)[:320],
        "at": at.isoformat(),
        "subject": mail.subject,
        "body": mail.text[:10000],
        "message_status": "failed",
        "status_at": at.isoformat(),
        "error_code": code,
        "error_title": reason[:300],
    }
