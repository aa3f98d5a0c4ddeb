"""The inbox: accepted webhook events, one row per event, committed before the 202.

The row keeps the raw body and headers (minus credentials), so the worker re-parses
exactly what was received; the unique (system, event_id) constraint is the dedupe.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from sqlalchemy import Insert
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from hub.store.base import utcnow
from hub.store.tables import InboxEvent

PRIVATE_HEADERS = frozenset({"authorization", "cookie", "proxy-authorization"})


def storable_headers(headers: Mapping[str, str]) -> dict[str, str]:
    return {k.lower(): v for k, v in headers.items() if k.lower() not in PRIVATE_HEADERS}


def _insert(session: Session) -> Insert:
    dialect = session.get_bind().dialect.name
    insert = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}.get(dialect)
    if insert is None:
        raise NotImplementedError(f"the inbox does not support {dialect}")
    return insert(InboxEvent.__table__)  # type: ignore[no-any-return]


def store_events(session: Session, *, system: str, event_ids: Sequence[str],
                 headers: dict[str, str], body: bytes,
                 received_at: datetime | None = None) -> set[str]:
    """Insert one pending row per event id; returns the ids that were new (not duplicates)."""
    if not event_ids:
        return set()
    now = received_at or utcnow()
    rows = [{"system": system, "event_id": event_id, "received_at": now, "headers": headers,
             "body": body, "status": "pending", "attempts": 0} for event_id in event_ids]
    table = InboxEvent.__table__
    statement = (_insert(session).values(rows)
                 .on_conflict_do_nothing(index_elements=["system", "event_id"])
                 .returning(table.c.event_id))
    return set(session.scalars(statement))
