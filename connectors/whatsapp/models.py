"""Typed shapes of what Meta's webhooks deliver (Cloud API, ``field: "messages"``).

One ``InboundMessage`` model carries every message type the way Meta does: ``type``
names the kind and the object of the same name holds it (``text.body``,
``image.id``, ``interactive.button_reply``…). Unknown future types parse too (as
``unsupported`` with the original type kept), so a new Meta feature never turns a
buyer's message into a rejected webhook. Shapes follow pywa's recorded updates
(protocols.md §3).
"""

from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from connectors.whatsapp.errors import GraphError

__all__ = ["ButtonReply", "Change", "ChangeValue", "Context", "Conversation",
           "InboundMessage", "Interactive", "Location", "Media", "MessageType", "Order",
           "OrderItem", "Pricing", "Reaction", "Referral", "SharedContact", "StatusUpdate",
           "Text", "WebhookContact", "WebhookPayload"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True, frozen=True)


def _unix(value: Any) -> Any:
    if isinstance(value, (str, int, float)) and str(value).strip().lstrip("-").isdigit():
        return datetime.fromtimestamp(int(value), tz=timezone.utc)
    return value


class Text(_Model):
    body: str


class Media(_Model):
    """image, video, audio, document or sticker; fetch bytes later by ``id``."""

    id: str
    mime_type: str | None = None
    sha256: str | None = None
    caption: str | None = None
    filename: str | None = None
    url: str | None = None
    voice: bool | None = None
    animated: bool | None = None


class Location(_Model):
    latitude: float
    longitude: float
    name: str | None = None
    address: str | None = None
    url: str | None = None


class ContactName(_Model):
    formatted_name: str | None = None
    first_name: str | None = None
    last_name: str | None = None


class ContactPhone(_Model):
    phone: str | None = None
    wa_id: str | None = None
    type: str | None = None


class ContactEmail(_Model):
    email: str | None = None
    type: str | None = None


class ContactOrg(_Model):
    company: str | None = None
    department: str | None = None
    title: str | None = None


class SharedContact(_Model):
    """A vCard the buyer forwarded, often their purchasing manager's."""

    name: ContactName = Field(default_factory=ContactName)
    phones: list[ContactPhone] = Field(default_factory=list)
    emails: list[ContactEmail] = Field(default_factory=list)
    org: ContactOrg | None = None


class Reaction(_Model):
    message_id: str
    emoji: str | None = None  # empty or absent: the reaction was removed


class ReplyChoice(_Model):
    id: str
    title: str
    description: str | None = None


class Interactive(_Model):
    type: str
    button_reply: ReplyChoice | None = None
    list_reply: ReplyChoice | None = None

    @property
    def choice(self) -> ReplyChoice | None:
        return self.button_reply or self.list_reply


class ButtonReply(_Model):
    """A template's quick-reply button: ``payload`` is what the template defined."""

    payload: str | None = None
    text: str


class OrderItem(_Model):
    product_retailer_id: str
    quantity: Decimal
    item_price: Decimal | None = None
    currency: str | None = None


class Order(_Model):
    catalog_id: str
    text: str | None = None
    product_items: list[OrderItem] = Field(default_factory=list)


class ReferredProduct(_Model):
    catalog_id: str | None = None
    product_retailer_id: str | None = None


class Context(_Model):
    """Set on replies (``id`` of the message answered) and forwarded messages."""

    from_: str | None = Field(None, alias="from")
    id: str | None = None
    forwarded: bool = False
    frequently_forwarded: bool = False
    referred_product: ReferredProduct | None = None


class Referral(_Model):
    """The click-to-WhatsApp ad or post that started the chat."""

    source_url: str | None = None
    source_id: str | None = None
    source_type: str | None = None
    headline: str | None = None
    body: str | None = None
    media_type: str | None = None
    ctwa_clid: str | None = None


MessageType = Literal["text", "image", "video", "audio", "document", "sticker", "location",
                      "contacts", "reaction", "interactive", "button", "order", "system",
                      "request_welcome", "unsupported", "unknown"]
KNOWN_TYPES = frozenset(MessageType.__args__)  # type: ignore[attr-defined]
MEDIA_TYPES = ("image", "video", "audio", "document", "sticker")


class InboundMessage(_Model):
    from_: str = Field(alias="from", min_length=1)
    id: str = Field(min_length=1)
    timestamp: datetime
    type: MessageType
    original_type: str | None = Field(None, description="Meta's type when we did not know it.")
    text: Text | None = None
    image: Media | None = None
    video: Media | None = None
    audio: Media | None = None
    document: Media | None = None
    sticker: Media | None = None
    location: Location | None = None
    contacts: list[SharedContact] | None = None
    reaction: Reaction | None = None
    interactive: Interactive | None = None
    button: ButtonReply | None = None
    order: Order | None = None
    context: Context | None = None
    referral: Referral | None = None
    errors: list[GraphError] = Field(default_factory=list)

    _to_datetime = field_validator("timestamp", mode="before")(_unix)

    @model_validator(mode="before")
    @classmethod
    def _unknown_types(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("type") not in KNOWN_TYPES:
            data = {**data, "original_type": data.get("type"), "type": "unsupported"}
        return data

    @property
    def media(self) -> Media | None:
        return next((getattr(self, t) for t in MEDIA_TYPES if getattr(self, t)), None)

    def summary(self) -> str:
        """One line for the conversation log on the lead or customer."""
        if self.text:
            return self.text.body
        if self.media:
            label = f"[{self.type}" + (f" {self.media.filename}" if self.media.filename else "")
            return label + "]" + (f" {self.media.caption}" if self.media.caption else "")
        if self.location:
            where = ", ".join(p for p in (self.location.name, self.location.address) if p)
            return f"[location {self.location.latitude},{self.location.longitude}]" + (
                f" {where}" if where else "")
        if self.contacts is not None:
            names = [c.name.formatted_name or c.name.first_name or "?" for c in self.contacts]
            return "[contacts] " + ", ".join(names)
        if self.reaction:
            return f"[reaction {self.reaction.emoji or 'removed'} to {self.reaction.message_id}]"
        if self.interactive and self.interactive.choice:
            return self.interactive.choice.title
        if self.button:
            return self.button.text
        if self.order:
            lines = [f"{i.quantity} x {i.product_retailer_id}" for i in self.order.product_items]
            return "[order] " + "; ".join(lines) + (f" {self.order.text}" if self.order.text
                                                    else "")
        if self.errors:
            return f"[{self.original_type or self.type}: {self.errors[0].describe()}]"
        return f"[{self.original_type or self.type}]"


class WebhookContact(_Model):
    wa_id: str
    profile_name: str | None = None
    user_id: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _profile(cls, data: Any) -> Any:
        if isinstance(data, dict) and isinstance(data.get("profile"), dict):
            data = {**data, "profile_name": data["profile"].get("name")}
        return data


class ConversationOrigin(_Model):
    type: str | None = None


class Conversation(_Model):
    id: str
    expiration_timestamp: datetime | None = None
    origin: ConversationOrigin | None = None

    _to_datetime = field_validator("expiration_timestamp", mode="before")(_unix)


class Pricing(_Model):
    billable: bool | None = None
    pricing_model: str | None = None
    category: str | None = None


StatusName = Literal["sent", "delivered", "read", "played", "failed", "deleted", "warning"]


class StatusUpdate(_Model):
    id: str = Field(min_length=1, description="The wamid of the message we sent.")
    status: StatusName
    timestamp: datetime
    recipient_id: str
    conversation: Conversation | None = None
    pricing: Pricing | None = None
    errors: list[GraphError] = Field(default_factory=list)
    biz_opaque_callback_data: str | None = None

    _to_datetime = field_validator("timestamp", mode="before")(_unix)

    @property
    def event_id(self) -> str:
        """One message has several statuses; each is its own event."""
        return f"{self.id}:{self.status}"


class Metadata(_Model):
    display_phone_number: str | None = None
    phone_number_id: str


class ChangeValue(_Model):
    messaging_product: str | None = None
    metadata: Metadata | None = None
    contacts: list[WebhookContact] = Field(default_factory=list)
    messages: list[InboundMessage] = Field(default_factory=list)
    statuses: list[StatusUpdate] = Field(default_factory=list)
    errors: list[GraphError] = Field(default_factory=list)


class Change(_Model):
    field: str
    value: dict[str, Any]  # shape depends on ``field``; "messages" parses as ChangeValue


class Entry(_Model):
    id: str
    changes: list[Change] = Field(default_factory=list)


class WebhookPayload(_Model):
    object: Literal["whatsapp_business_account"]
    entry: list[Entry]
