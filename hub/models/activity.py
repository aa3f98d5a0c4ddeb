"""An entry in the history of a lead or customer: a message, a call, a note, a reminder.

Conversations are logged as activities rather than inside the lead, so every message
keeps its own identity (its channel's message id) and a lead or customer collects
them however many arrive: a buyer's tenth WhatsApp message adds a tenth entry, it
does not rewrite the first. The record names its lead or customer by hub id (and
the customer's number, for products that file activities under it).
"""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field, model_validator

from hub.models.base import CanonicalRecord, UtcDatetime

ActivityKind = Literal["note", "conversation", "reminder", "call", "email", "meeting"]
Channel = Literal["whatsapp", "email", "phone", "meeting", "web", "customs"]
Direction = Literal["in", "out"]
MessageStatus = Literal["accepted", "sent", "delivered", "read", "played", "failed", "deleted",
                        "warning"]
"""Where a message we sent stands: ``accepted`` is the channel's answer to the send,
the rest come later (WhatsApp statuses; a mail is ``sent`` or ``failed``)."""


class Activity(CanonicalRecord):
    entity: ClassVar[str] = "activity"

    ref: str | None = Field(None, max_length=60,
                            description="Natural key, stable per source message.")
    kind: ActivityKind
    channel: Channel | None = None
    direction: Direction | None = None
    subject: str = Field(min_length=1, max_length=200)
    body: str | None = Field(None, max_length=10000)
    at: UtcDatetime | None = Field(None, description="When it happened (a message's time).")
    message_id: str | None = Field(None, max_length=200,
                                   description="The channel's id (wamid, Message-ID).")
    counterpart: str | None = Field(None, max_length=320,
                                    description="The other party: E.164 phone or e-mail.")
    lead_hub_id: str | None = Field(None, max_length=64)
    customer_hub_id: str | None = Field(None, max_length=64)
    customer_number: str | None = Field(None, max_length=40)
    owner: str | None = Field(None, max_length=100)
    message_status: MessageStatus | None = Field(
        None, description="Outbound messages: the furthest status reached, never regressed.")
    status_at: UtcDatetime | None = None
    error_code: int | None = Field(None, description="Why a send failed (131026, 550…).")
    error_title: str | None = Field(None, max_length=300)
    due_at: UtcDatetime | None = None
    done: bool = False

    @model_validator(mode="after")
    def _reminder_has_due_date(self) -> Activity:
        if self.kind == "reminder" and self.due_at is None:
            raise ValueError("a reminder needs due_at")
        return self
