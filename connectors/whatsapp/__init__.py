"""WhatsApp Business Cloud API connector (protocols.md §3).

``webhook`` (handshake, signature), ``models`` + ``parse`` (typed inbound messages and
statuses, dedupe ids, status ordering), ``sender`` (24-hour window, templates, error
handling), ``connector`` (the protocol face) and ``emulator`` (a Cloud API for tests).
"""

from connectors.whatsapp.connector import WhatsAppConnector, lead_record
from connectors.whatsapp.parse import ParsedWebhook, next_status, parse_webhook_body
from connectors.whatsapp.sender import SendResult, TemplateSpec, WhatsAppConfig, WhatsAppSender
from connectors.whatsapp.webhook import sign_body, verify_signature, verify_subscription

__all__ = [
    "ParsedWebhook",
    "SendResult",
    "TemplateSpec",
    "WhatsAppConfig",
    "WhatsAppConnector",
    "WhatsAppSender",
    "lead_record",
    "next_status",
    "parse_webhook_body",
    "sign_body",
    "verify_signature",
    "verify_subscription",
]
