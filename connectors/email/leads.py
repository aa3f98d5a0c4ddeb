"""From a parsed inquiry mail to a canonical Lead (and to the RemoteRecord carrying it)."""

from __future__ import annotations

from pydantic import ValidationError

from connectors.base import RemoteRecord
from connectors.email.models import ParsedEmail
from hub.leads.extract import extract_inquiry
from hub.models import InquiryItem, Lead

MESSAGE_LIMIT = 10000  # Lead.message max_length


def extract_items(text: str) -> list[InquiryItem]:
    """Products and quantities asked for, by the extractor every lead channel shares."""
    return extract_inquiry(text)


def build_lead(mail: ParsedEmail, *, customer_hub_id: str | None = None) -> Lead:
    sender = mail.sender or (mail.reply_to[0] if mail.reply_to else None)
    body = f"{mail.subject}\n\n{mail.text}".strip() if mail.subject else mail.text
    email = sender.email if sender else None
    try:
        Lead.model_validate({"source": "email", "email": email})
    except ValidationError:
        email = None  # an address the validator refuses is still kept in the message record
    return Lead(
        source="email",
        contact_name=(sender.name or None) if sender else None,
        email=email,
        message=body[:MESSAGE_LIMIT] or None,
        # The body is the inquiry; a subject often repeats it, so it counts only alone.
        inquiry=extract_items(mail.text) or extract_items(mail.subject),
        customer_hub_id=customer_hub_id,
        received_at=mail.date,
    )


def mail_record(mail: ParsedEmail) -> RemoteRecord:
    """The record ``read_changes('lead')`` yields: the mail plus its extracted lead fields.

    ``remote_id`` is the Message-ID, so the engine's links table is a second line of
    deduplication behind the cursor's Message-ID window.
    """
    data = mail.model_dump(mode="json")
    data["lead"] = build_lead(mail).model_dump(mode="json", exclude={"hub_id"})
    return RemoteRecord(remote_id=mail.message_id, data=data, updated_at=mail.date)
