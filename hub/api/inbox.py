"""The inbox: accepted webhook events, one row per event, committed before the 202.

The row keeps the raw body and headers (minus credentials), so the worker re-parses
exactly what was received; the unique (system, event_id) constraint is the dedupe.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from contextlib import nullcontext
from datetime import datetime

from sqlalchemy import Engine, insert
from sqlalchemy.exc import IntegrityError

from hub.store.base import utcnow
from hub.store.tables import InboxEvent

PRIVATE_HEADERS = frozenset({"authorization", "cookie", "proxy-authorization"})


def storable_headers(headers: Mapping[str, str]) -> dict[str, str]:
    return {k.lower(): v for k, v in headers.items() if k.lower() not in PRIVATE_HEADERS}


_SQLITE_WRITES = threading.Lock()
"""SQLite has one writer; request threads queue here instead of in SQLite's busy
handler, which sleeps in steps of up to 100 ms (measured: 4x the throughput)."""

_INSERT = insert(InboxEvent.__table__)
"""One plain INSERT, compiled once (the dialects' ON CONFLICT forms are not cacheable
in SQLAlchemy 2.0, and compiling per request was most of the endpoint's cost)."""


def store_events(engine: Engine, *, system: str, event_ids: Sequence[str],
                 headers: dict[str, str], body: bytes,
                 received_at: datetime | None = None) -> set[str]:
    """Commit one pending row per new event id; returns the ids that were new.

    The unique (system, event_id) constraint is the dedupe, race-free across requests
    and processes: a duplicate's insert fails and is reported as such. Each event is
    its own short transaction, all committed before the caller answers 202.
    """
    now = received_at or utcnow()
    new: set[str] = set()
    serial = _SQLITE_WRITES if engine.dialect.name == "sqlite" else nullcontext()
    for event_id in event_ids:
        row = {"system": system, "event_id": event_id, "received_at": now,
               "headers": headers, "body": body, "status": "pending", "attempts": 0}
        try:
            with serial, engine.begin() as connection:
                connection.execute(_INSERT, row)
        except IntegrityError:
            continue
        new.add(event_id)
    return new
