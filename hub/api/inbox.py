"""The inbox: accepted webhook events, one row per event, committed before the 202.

The row keeps the raw body and headers (minus credentials), so the worker re-parses
exactly what was received; the unique (system, event_id) constraint is the dedupe.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, insert
from sqlalchemy.exc import DBAPIError, IntegrityError

from hub.store.base import utcnow
from hub.store.tables import InboxEvent

PRIVATE_HEADERS = frozenset({"authorization", "cookie", "proxy-authorization"})


def storable_headers(headers: Mapping[str, str]) -> dict[str, str]:
    return {k.lower(): v for k, v in headers.items() if k.lower() not in PRIVATE_HEADERS}


_INSERT = insert(InboxEvent.__table__)
"""One plain INSERT, compiled once (the dialects' ON CONFLICT forms are not cacheable
in SQLAlchemy 2.0, and compiling per request was most of the endpoint's cost)."""


class InboxWriter:
    """Commits inbox rows through one connection it keeps (no pool round trip per event).

    The unique (system, event_id) constraint is the dedupe, race-free across requests
    and processes: a duplicate's insert fails and is reported as such. Each event is
    its own short transaction, committed before the caller answers 202. A broken
    connection is replaced on the next call.
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._lock = threading.Lock()
        self._connection: Connection | None = None

    def store(self, *, system: str, event_ids: Sequence[str], headers: dict[str, str],
              body: bytes, received_at: datetime | None = None) -> set[str]:
        """Commit one pending row per new event id; returns the ids that were new."""
        now = received_at or utcnow()
        new: set[str] = set()
        with self._lock:
            for event_id in event_ids:
                row = {"system": system, "event_id": event_id, "received_at": now,
                       "headers": headers, "body": body, "status": "pending", "attempts": 0}
                if self._insert(row):
                    new.add(event_id)
        return new

    def _insert(self, row: dict[str, object]) -> bool:
        connection = self._connection
        if connection is None or connection.closed or connection.invalidated:
            connection = self._connection = self.engine.connect()
        try:
            with connection.begin():
                connection.execute(_INSERT, row)
        except IntegrityError:
            return False
        except DBAPIError:
            connection.close()
            self._connection = None
            raise
        return True

    def close(self) -> None:
        with self._lock:
            if self._connection is not None:
                self._connection.close()
                self._connection = None


def store_events(engine: Engine, **kwargs: Any) -> set[str]:
    """One-off use of ``InboxWriter`` (tests, tools)."""
    writer = InboxWriter(engine)
    try:
        return writer.store(**kwargs)
    finally:
        writer.close()
