"""The hub store's tables: what the sync engine must remember between runs.

ORM rows stay separate from canonical models: a row records sync state (links,
hashes, cursors), never the business record itself, except as the snapshot the
conflict policy compares against.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from sqlalchemy import Index, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from hub.store.base import Base, HubId, JsonDoc, Name, RemoteId, Timestamp

InboxStatus = Literal["pending", "processed", "failed"]
DeadLetterStatus = Literal["open", "replayed", "discarded"]
RunStatus = Literal["running", "completed", "failed"]
ConflictStatus = Literal["open", "resolved"]


class Link(Base):
    """Hub id ↔ one system's remote id for one entity. Nothing is matched twice."""

    __tablename__ = "links"
    __table_args__ = (
        UniqueConstraint("entity", "system", "remote_id", name="uq_links_remote"),
        UniqueConstraint("entity", "hub_id", "system", name="uq_links_hub_system"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    entity: Mapped[Name]
    hub_id: Mapped[HubId]           # looked up through uq_links_hub_system
    system: Mapped[Name]
    remote_id: Mapped[RemoteId]
    created_at: Mapped[Timestamp]


class Cursor(Base):
    """Where a pipeline last stopped reading one source system."""

    __tablename__ = "cursors"

    pipeline: Mapped[Name] = mapped_column(primary_key=True)
    system: Mapped[Name] = mapped_column(primary_key=True)
    cursor: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[Timestamp]


class RecordHash(Base):
    """What the hub last saw of or wrote to one side of a record.

    ``hash`` drives echo suppression; ``snapshot`` (the canonical fields as last
    synced) lets the conflict policy tell which side changed which field.
    """

    __tablename__ = "record_hashes"

    entity: Mapped[Name] = mapped_column(primary_key=True)
    hub_id: Mapped[HubId] = mapped_column(primary_key=True)
    system: Mapped[Name] = mapped_column(primary_key=True)
    hash: Mapped[str] = mapped_column(String(64))
    written_by_hub: Mapped[bool] = mapped_column(default=False)
    source_updated_at: Mapped[datetime | None]
    snapshot: Mapped[JsonDoc | None]
    updated_at: Mapped[Timestamp]


class CanonicalState(Base):
    """The hub's agreed version of a record (the 'golden' record) in canonical JSON.

    Each side's ``RecordHash.snapshot`` says what that side holds; this says what the
    hub decided, so a change on either side is diffed field by field against it.
    """

    __tablename__ = "canonical_records"
    __table_args__ = (Index("ix_canonical_records_key", "entity", "natural_key"),)

    entity: Mapped[Name] = mapped_column(primary_key=True)
    hub_id: Mapped[HubId] = mapped_column(primary_key=True)
    natural_key: Mapped[str | None] = mapped_column(String(200))
    data: Mapped[JsonDoc]
    updated_at: Mapped[Timestamp]


class PendingChange(Base):
    """A change read from one side and not yet reconciled: the unit of resumption.

    Observing commits these together with the source cursor; reconciling deletes
    them together with the target results. A run killed in between loses nothing.
    """

    __tablename__ = "pending_changes"
    __table_args__ = (Index("ix_pending_changes_pipeline_seq", "pipeline", "seq"),
                      Index("ix_pending_changes_key", "pipeline", "natural_key"))

    pipeline: Mapped[Name] = mapped_column(primary_key=True)
    hub_id: Mapped[HubId] = mapped_column(primary_key=True)
    system: Mapped[Name] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(Integer)
    remote_id: Mapped[RemoteId]
    natural_key: Mapped[str | None] = mapped_column(String(200))
    data: Mapped[JsonDoc | None]
    raw: Mapped[JsonDoc | None]
    deleted: Mapped[bool] = mapped_column(default=False)
    source_updated_at: Mapped[datetime | None]
    observed_at: Mapped[Timestamp]


class OutboxEvent(Base):
    """A change the hub made or saw, written in the same transaction as the change.

    Outbound webhook delivery reads this log in id order (a transactional outbox), so
    subscribers hear of every committed change, in order per record, and of nothing
    that was rolled back.
    """

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    entity: Mapped[Name]
    hub_id: Mapped[HubId]
    op: Mapped[str] = mapped_column(String(20))
    pipeline: Mapped[Name]
    data: Mapped[JsonDoc | None]
    created_at: Mapped[Timestamp]


class CreateIntent(Base):
    """A create the hub is about to make, with the natural key a retry looks up first."""

    __tablename__ = "create_intents"

    entity: Mapped[Name] = mapped_column(primary_key=True)
    hub_id: Mapped[HubId] = mapped_column(primary_key=True)
    system: Mapped[Name] = mapped_column(primary_key=True)
    natural_key: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[Timestamp]


class InboxEvent(Base):
    """A raw inbound event, stored before the 202 so nothing accepted is lost."""

    __tablename__ = "inbox"
    __table_args__ = (UniqueConstraint("system", "event_id", name="uq_inbox_event"),
                      Index("ix_inbox_status_id", "status", "id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    system: Mapped[Name]
    event_id: Mapped[str] = mapped_column(String(200))
    received_at: Mapped[Timestamp]
    headers: Mapped[JsonDoc]
    body: Mapped[bytes] = mapped_column(LargeBinary)
    status: Mapped[str] = mapped_column(String(20), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)
    processed_at: Mapped[datetime | None]
    claimed_by: Mapped[str | None] = mapped_column(String(100))
    """The inbox worker applying the row now (its lease), or None."""
    claimed_until: Mapped[datetime | None]
    """A claimed row's lease end, or a released row's 'not before' (retry wait)."""


class DeadLetter(Base):
    """A record that could not be mapped or was refused, kept whole for replay."""

    __tablename__ = "dead_letters"
    __table_args__ = (Index("ix_dead_letters_pipeline_status", "pipeline", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    pipeline: Mapped[Name]
    entity: Mapped[Name]
    source_system: Mapped[Name]
    target_system: Mapped[Name]
    remote_id: Mapped[str | None] = mapped_column(String(200))
    hub_id: Mapped[str | None] = mapped_column(String(64))
    payload: Mapped[JsonDoc]
    error_code: Mapped[str] = mapped_column(String(60))
    error: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default="open")
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[Timestamp]
    replayed_at: Mapped[datetime | None]


class SyncRun(Base):
    """One run of one pipeline and what it did."""

    __tablename__ = "sync_runs"
    __table_args__ = (Index("ix_sync_runs_pipeline_started", "pipeline", "started_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    pipeline: Mapped[Name]
    started_at: Mapped[Timestamp]
    finished_at: Mapped[datetime | None]
    status: Mapped[str] = mapped_column(String(20), default="running")
    read: Mapped[int] = mapped_column(default=0)
    created: Mapped[int] = mapped_column(default=0)
    updated: Mapped[int] = mapped_column(default=0)
    unchanged: Mapped[int] = mapped_column(default=0)
    conflicts: Mapped[int] = mapped_column(default=0)
    dead_lettered: Mapped[int] = mapped_column(default=0)
    error: Mapped[str | None] = mapped_column(Text)
    flow_run_id: Mapped[str | None] = mapped_column(String(64))


class Conflict(Base):
    """Both sides changed one field since the last sync and the policy is ``manual``."""

    __tablename__ = "conflicts"

    id: Mapped[int] = mapped_column(primary_key=True)
    pipeline: Mapped[Name]
    entity: Mapped[Name]
    hub_id: Mapped[HubId] = mapped_column(index=True)
    field: Mapped[str] = mapped_column(String(200))
    values: Mapped[JsonDoc]
    status: Mapped[str] = mapped_column(String(20), default="open")
    resolved_value: Mapped[JsonDoc | None]
    created_at: Mapped[Timestamp]
    resolved_at: Mapped[datetime | None]


class PipelineLock(Base):
    """One runner per pipeline: a row per held lock, with an expiry for dead holders."""

    __tablename__ = "pipeline_locks"

    pipeline: Mapped[Name] = mapped_column(primary_key=True)
    holder: Mapped[str] = mapped_column(String(200))
    acquired_at: Mapped[Timestamp]
    expires_at: Mapped[datetime]


__all__ = [
    "Base",
    "CanonicalState",
    "Conflict",
    "CreateIntent",
    "Cursor",
    "DeadLetter",
    "InboxEvent",
    "Link",
    "OutboxEvent",
    "PendingChange",
    "PipelineLock",
    "RecordHash",
    "SyncRun",
]


# -- outbound webhooks (hub.api.outbound) ------------------------------------------------
DeliveryStatus = Literal["delivered", "failed"]


class Subscription(Base):
    """A subscriber's URL, secret and entity filter, and how far delivery has got.

    ``last_outbox_id`` is the delivery cursor in the outbox; it only moves forward
    after an event was delivered or dead-lettered, so a restart resumes where it was.
    """

    __tablename__ = "subscriptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(String(2000))
    secret: Mapped[str] = mapped_column(String(500))
    entities: Mapped[JsonDoc]
    description: Mapped[str | None] = mapped_column(String(500))
    active: Mapped[bool] = mapped_column(default=True)
    last_outbox_id: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[Timestamp]
    updated_at: Mapped[Timestamp]


class Delivery(Base):
    """One event sent (or given up on) to one subscriber: the delivery log."""

    __tablename__ = "deliveries"
    __table_args__ = (Index("ix_deliveries_subscription_id", "subscription_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    subscription_id: Mapped[int] = mapped_column(Integer)
    outbox_id: Mapped[int | None] = mapped_column(Integer)
    event_id: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(20))
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    response_status: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[Timestamp]


class DeliveryDeadLetter(Base):
    """An event a subscriber never accepted after the last try, kept whole for replay."""

    __tablename__ = "delivery_dead_letters"
    __table_args__ = (Index("ix_delivery_dead_letters_subscription_status",
                            "subscription_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    subscription_id: Mapped[int] = mapped_column(Integer)
    outbox_id: Mapped[int | None] = mapped_column(Integer)
    event_id: Mapped[str] = mapped_column(String(200))
    body: Mapped[bytes] = mapped_column(LargeBinary)
    error: Mapped[str] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20), default="open")
    created_at: Mapped[Timestamp]
    replayed_at: Mapped[datetime | None]


__all__ += ["Delivery", "DeliveryDeadLetter", "Subscription"]
