"""Typed shapes of mail read and sent; the rest of the hub never sees raw MIME."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from hub.models.base import UtcDatetime


class Address(BaseModel):
    """A mailbox from a From/To/Cc header, with its RFC 2047 display name decoded."""

    model_config = ConfigDict(frozen=True)

    name: str | None = None
    email: str

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>" if self.name else self.email


class Attachment(BaseModel):
    """What is known of an attachment without downloading it (from BODYSTRUCTURE)."""

    model_config = ConfigDict(frozen=True)

    part: str = Field(description="IMAP part number, e.g. '2' or '1.3', to fetch it later.")
    filename: str | None = None
    content_type: str
    size: int = Field(ge=0, description="Octets as transferred (after base64, if encoded).")
    content_id: str | None = None
    inline: bool = False


class ParsedEmail(BaseModel):
    """One received message: headers, readable text and attachment metadata."""

    model_config = ConfigDict(frozen=True)

    mailbox: str
    uid: int = Field(ge=1)
    uidvalidity: int = Field(ge=1)
    message_id: str
    subject: str = ""
    sender: Address | None = None
    reply_to: list[Address] = Field(default_factory=list)
    to: list[Address] = Field(default_factory=list)
    cc: list[Address] = Field(default_factory=list)
    date: UtcDatetime | None = None
    in_reply_to: str | None = None
    references: list[str] = Field(default_factory=list)
    text: str = ""
    html_only: bool = Field(False, description="The text was extracted from HTML.")
    attachments: list[Attachment] = Field(default_factory=list)
    size: int = Field(0, ge=0)
    automated: bool = Field(False, description="Auto-reply, bounce or bulk mail "
                                               "(Auto-Submitted, Precedence).")

    @property
    def thread_ids(self) -> list[str]:
        """Message-IDs this mail answers, nearest first (In-Reply-To, then References)."""
        ids = [self.in_reply_to] if self.in_reply_to else []
        ids += [ref for ref in reversed(self.references) if ref not in ids]
        return ids


class OutgoingAttachment(BaseModel):
    filename: str = Field(min_length=1, max_length=255)
    content_type: str = Field("application/octet-stream", pattern=r"^[\w.+-]+/[\w.+-]+$")
    data: bytes


class OutgoingEmail(BaseModel):
    """A quote or notification to send; ``message_id`` fixed by the caller makes a
    retried send recognisable (the hub logs it before sending)."""

    to: list[str] = Field(min_length=1)
    cc: list[str] = Field(default_factory=list)
    subject: str = Field(min_length=1, max_length=998)
    text: str
    html: str | None = None
    in_reply_to: str | None = None
    references: list[str] = Field(default_factory=list)
    message_id: str | None = None
    attachments: list[OutgoingAttachment] = Field(default_factory=list)


class SentEmail(BaseModel):
    """What the hub logs on the customer after a send."""

    message_id: str
    sent_at: datetime
    sender: str
    recipients: list[str]
    refused: dict[str, str] = Field(default_factory=dict,
                                    description="Recipient → SMTP error, when some were refused.")
    subject: str


class ThreadMatch(BaseModel):
    """A mail that continues a conversation the hub already knows."""

    model_config = ConfigDict(frozen=True)

    message_id: str = Field(description="The known Message-ID the mail refers to.")
    target_id: str = Field(description="Hub id of the lead or customer that message belongs to.")
    via: str = Field(description="'in-reply-to' or 'references'.")
