"""Email channel: inquiries read over IMAP become leads; quotes and reminders go out over SMTP."""

from connectors.email.config import EmailConfig
from connectors.email.connector import EmailConnector
from connectors.email.leads import build_lead, extract_items, mail_record
from connectors.email.models import (
    Address,
    Attachment,
    OutgoingAttachment,
    OutgoingEmail,
    ParsedEmail,
    SentEmail,
    ThreadMatch,
)
from connectors.email.notify import QuoteLine, due_eta_reminders, eta_reminder, quote_mail
from connectors.email.thread import customer_for_sender, find_thread

__all__ = [
    "Address",
    "Attachment",
    "EmailConfig",
    "EmailConnector",
    "OutgoingAttachment",
    "OutgoingEmail",
    "ParsedEmail",
    "QuoteLine",
    "SentEmail",
    "ThreadMatch",
    "build_lead",
    "customer_for_sender",
    "due_eta_reminders",
    "eta_reminder",
    "extract_items",
    "find_thread",
    "mail_record",
    "quote_mail",
]
