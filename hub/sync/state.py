"""The engine's reads and writes of the store, one batch at a time.

Keyword-only functions over a session; each query handles a whole batch (``IN``
lists), so the cost of a batch is a handful of statements, not one per record.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, select, tuple_
from sqlalchemy.orm import Session

from hub.store.base import Document, utcnow
from hub.store.tables import (
    CanonicalState,
    Conflict,
    Cursor,
    DeadLetter,
    Link,
    OutboxEvent,
    PendingChange,
    RecordHash,
)
from hub.store.upsert import upsert_rows, write_columns, write_many
from hub.store.values import one_of

if TYPE_CHECKING:
    from connectors.base import Partition

IN_CHUNK = 500


def _chunks(values: Sequence[Any]) -> Iterable[Sequence[Any]]:
    for start in range(0, len(values), IN_CHUNK):
        yield values[start:start + IN_CHUNK]


# -- cursors -----------------------------------------------------------------------
def feed_name(system: str, partition: Partition | None) -> str:
    """The name a cursor is kept under: the system, or one part of its feed."""
    return system if partition is None else f"{system}#{partition.index}/{partition.count}"


def get_cursor(session: Session, *, pipeline: str, system: str) -> str | None:
    row = session.get(Cursor, (pipeline, system))
    return row.cursor if row else None


def set_cursor(session: Session, *, pipeline: str, system: str, cursor: str | None) -> None:
    upsert_rows(session, Cursor.__table__,
                [{"pipeline": pipeline, "system": system, "cursor": cursor,
                  "updated_at": utcnow()}], keys=("pipeline", "system"))


def delete_cursors(session: Session, *, pipeline: str, systems: Sequence[str]) -> None:
    session.execute(delete(Cursor).where(Cursor.pipeline == pipeline,
                                         Cursor.system.in_(systems)))


# -- links -------------------------------------------------------------------------
def hub_ids_for_remote(session: Session, *, entity: str, system: str,
                       remote_ids: Sequence[str]) -> dict[str, str]:
    if not remote_ids:
        return {}
    rows = session.execute(select(Link.remote_id, Link.hub_id).where(
        Link.entity == entity, Link.system == system, one_of(session, Link.remote_id, remote_ids)))
    return {r: h for r, h in rows}


def remote_ids_for_hub(session: Session, *, entity: str, system: str,
                       hub_ids: Sequence[str]) -> dict[str, str]:
    if not hub_ids:
        return {}
    rows = session.execute(select(Link.hub_id, Link.remote_id).where(
        Link.entity == entity, Link.system == system, one_of(session, Link.hub_id, hub_ids)))
    return {h: r for h, r in rows}


def add_links(session: Session, *, entity: str, system: str,
              pairs: Sequence[tuple[str, str]]) -> None:
    """Link (hub id, remote id) pairs; the unique constraints refuse a double match."""
    if pairs:
        hub_ids, remote_ids = zip(*pairs, strict=True)
        write_columns(session, Link.__table__, {"hub_id": hub_ids, "remote_id": remote_ids},
                      shared={"entity": entity, "system": system, "created_at": utcnow()})


# -- golden records and natural keys ------------------------------------------------
def golden_for(session: Session, *, entity: str,
               hub_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
    if not hub_ids:
        return {}
    rows = session.execute(select(CanonicalState.hub_id, CanonicalState.data).where(
        CanonicalState.entity == entity, one_of(session, CanonicalState.hub_id, hub_ids)))
    return {h: d for h, d in rows}


def hub_ids_by_natural_key(session: Session, *, entity: str, pipeline: str,
                           keys: Sequence[str]) -> dict[str, str]:
    """Existing hub ids for natural keys: agreed records first, then pending ones."""
    found: dict[str, str] = {}
    if not keys:
        return found
    for key, hub_id in session.execute(
            select(PendingChange.natural_key, PendingChange.hub_id).where(
                PendingChange.pipeline == pipeline,
                one_of(session, PendingChange.natural_key, keys))):
        found.setdefault(key, hub_id)
    for key, hub_id in session.execute(
            select(CanonicalState.natural_key, CanonicalState.hub_id).where(
                CanonicalState.entity == entity,
                one_of(session, CanonicalState.natural_key, keys))):
        found[key] = hub_id
    return found


def save_golden(session: Session, *, entity: str,
                records: Sequence[tuple[str, str | None, Document]]) -> None:
    if records:
        hub_ids, keys, documents = zip(*records, strict=True)
        write_columns(session, CanonicalState.__table__,
                      {"hub_id": hub_ids, "natural_key": keys, "data": documents},
                      shared={"entity": entity, "updated_at": utcnow()},
                      keys=("entity", "hub_id"))


# -- per-side hashes and snapshots -----------------------------------------------------
@dataclass(frozen=True)
class SideState:
    hash: str
    snapshot: dict[str, Any] | None
    source_updated_at: datetime | None


def side_states(session: Session, *, entity: str, system: str,
                hub_ids: Sequence[str], with_snapshot: bool = True) -> dict[str, SideState]:
    found: dict[str, SideState] = {}
    columns = [RecordHash.hub_id, RecordHash.hash, RecordHash.source_updated_at]
    if with_snapshot:
        columns.append(RecordHash.snapshot)
    if not hub_ids:
        return found
    rows = session.execute(select(*columns).where(
        RecordHash.entity == entity, RecordHash.system == system,
        one_of(session, RecordHash.hub_id, hub_ids)))
    for row in rows:
        found[row[0]] = SideState(hash=row[1], source_updated_at=row[2],
                                  snapshot=row[3] if with_snapshot else None)
    return found


def save_side_states(session: Session, *, entity: str, system: str,
                     states: Sequence[tuple[str, str, Document | None, datetime | None, bool]]
                     ) -> None:
    """(hub id, hash, snapshot, source updated_at, written by hub) per record."""
    if states:
        hub_ids, digests, snapshots, times, written = zip(*states, strict=True)
        write_columns(session, RecordHash.__table__, {
            "hub_id": hub_ids, "hash": digests, "snapshot": snapshots,
            "source_updated_at": times, "written_by_hub": written},
            shared={"entity": entity, "system": system, "updated_at": utcnow()},
            keys=("entity", "hub_id", "system"))


# -- pending changes -------------------------------------------------------------------
def pending_for(session: Session, *, pipeline: str, system: str,
                hub_ids: Sequence[str]) -> dict[str, datetime | None]:
    if not hub_ids:
        return {}
    rows = session.execute(select(PendingChange.hub_id, PendingChange.source_updated_at)
                           .where(PendingChange.pipeline == pipeline,
                                  PendingChange.system == system,
                                  one_of(session, PendingChange.hub_id, hub_ids)))
    return {h: at for h, at in rows}


def save_pending(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    write_many(session, PendingChange.__table__, rows, keys=("pipeline", "hub_id", "system"))


def next_pending_hub_ids(session: Session, *, pipeline: str, limit: int) -> list[str]:
    rows = session.execute(select(PendingChange.hub_id, PendingChange.seq)
                           .where(PendingChange.pipeline == pipeline)
                           .order_by(PendingChange.seq).limit(limit * 2))
    ordered: list[str] = []
    seen: set[str] = set()
    for hub_id, _ in rows:
        if hub_id not in seen:
            seen.add(hub_id)
            ordered.append(hub_id)
        if len(ordered) == limit:
            break
    return ordered


def pending_rows(session: Session, *, pipeline: str, hub_ids: Sequence[str]) -> list[Any]:
    """Pending changes as plain rows (columns of ``PendingChange``, no ORM identity)."""
    table = PendingChange.__table__
    if not hub_ids:
        return []
    return list(session.execute(select(table).where(
        table.c.pipeline == pipeline, one_of(session, table.c.hub_id, hub_ids))))


def delete_pending(session: Session, *, pipeline: str, keys: Sequence[tuple[str, str]]) -> None:
    """Delete pending changes by (hub id, system)."""
    for chunk in _chunks(list(keys)):
        session.execute(delete(PendingChange).where(
            PendingChange.pipeline == pipeline,
            tuple_(PendingChange.hub_id, PendingChange.system).in_(chunk)))


def pending_count(session: Session, *, pipeline: str) -> int:
    from sqlalchemy import func

    return int(session.scalar(select(func.count()).select_from(PendingChange)
                              .where(PendingChange.pipeline == pipeline)) or 0)


def max_pending_seq(session: Session, *, pipeline: str) -> int:
    from sqlalchemy import func

    return int(session.scalar(select(func.max(PendingChange.seq))
                              .where(PendingChange.pipeline == pipeline)) or 0)


# -- dead letters and conflicts -----------------------------------------------------------
def add_dead_letter(session: Session, *, pipeline: str, entity: str, source_system: str,
                    target_system: str, remote_id: str | None, hub_id: str | None,
                    payload: dict[str, Any], error_code: str, error: str) -> None:
    session.add(DeadLetter(pipeline=pipeline, entity=entity, source_system=source_system,
                           target_system=target_system, remote_id=remote_id, hub_id=hub_id,
                           payload=payload, error_code=error_code, error=error[:4000]))


def park_conflict(session: Session, *, pipeline: str, entity: str, hub_id: str, field: str,
                  values: dict[str, Any]) -> None:
    """Park (or refresh) the one open conflict of this record's field."""
    existing = session.scalars(select(Conflict).where(
        Conflict.pipeline == pipeline, Conflict.hub_id == hub_id, Conflict.field == field,
        Conflict.status == "open")).first()
    if existing:
        existing.values = values
    else:
        session.add(Conflict(pipeline=pipeline, entity=entity, hub_id=hub_id, field=field,
                             values=values))


def resolved_conflicts(session: Session, *, pipeline: str,
                       hub_ids: Sequence[str] | None = None) -> list[Conflict]:
    query = select(Conflict).where(Conflict.pipeline == pipeline, Conflict.status == "resolved")
    if hub_ids is not None:
        query = query.where(Conflict.hub_id.in_(list(hub_ids)))
    return list(session.scalars(query))


def add_outbox(session: Session, events: Sequence[dict[str, Any]]) -> None:
    """Record committed changes for outbound delivery (same transaction as the change)."""
    if events:
        write_many(session, OutboxEvent.__table__, events, shared={"created_at": utcnow()})
