"""The inbox: accepted webhook events, one row per event, committed before the 202.

The row keeps the raw body and headers (minus credentials), so the worker re-parses
exactly what was received; the unique (system, event_id) constraint is the dedupe.

Durability. A request is answered 202 only after the transaction holding its row has
committed. Requests arriving together share one commit (group commit): each awaits
the commit of the small batch its row joined, so a batch costs one transaction and,
where the database syncs, one fsync. On SQLite the store runs WAL with
``synchronous=NORMAL`` (``hub.store.db``): a committed row survives the process dying
at any point (the 202's guarantee), but the last commits before a power cut or kernel
crash may be rolled back. ``TRADEHUB_API_INBOX_SYNCHRONOUS=full`` makes the inbox
writer's own connection sync every commit (power-loss durable), at the cost of an
fsync per batch. PostgreSQL commits are durable as the server is configured.

Checkpoints. SQLite copies the WAL back into the database (a checkpoint, with an
fsync) from inside whichever commit crosses ``wal_autocheckpoint``; on the request
path that was a multi-millisecond stall every few hundred requests and half the
per-event cost. The writer's connection therefore never checkpoints; a thread of
its own runs a PASSIVE checkpoint (it never blocks writers) when writes pause or
the WAL grows past 16 MiB, with SQLite's work done outside the GIL.

The write lock. Another connection (the inbox worker recording a batch) may hold
SQLite's write lock for a millisecond or two. SQLite's own busy handler waits in
steps of 1, 2, 5, 10 ms…, and it waits on the event loop's thread, so one brief
overlap stalled every request in flight for 8, 19 or 34 ms: the whole p99 at
300 req/s with the worker running. The writer's connection therefore has no busy
timeout; a locked write is retried every half millisecond, from the event loop
(``call_later``, so other requests go on meanwhile) or, for ``store``, by sleeping,
up to ``LOCK_WAIT_SECONDS``.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import threading
import time
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import Engine
from sqlalchemy.engine.interfaces import DBAPIConnection
from tenacity import (
    RetryError,
    Retrying,
    retry_if_exception_type,
    stop_after_delay,
    wait_fixed,
)

from hub.store.base import utcnow
from hub.store.db import apply_sqlite_settings
from hub.store.tables import InboxEvent
from hub.store.upsert import INSERTS, DriverStatement

log = logging.getLogger(__name__)

PRIVATE_HEADERS = frozenset({"authorization", "cookie", "proxy-authorization"})
COLUMNS = ("system", "event_id", "received_at", "headers", "body", "status", "attempts")
Row = tuple[str, str, datetime, dict[str, str], bytes]
LOCK_RETRY_SECONDS = 0.0005
LOCK_WAIT_SECONDS = 30.0


class _Locked(Exception):
    """SQLite's write lock is held by another connection; nothing was written."""


def storable_headers(headers: Mapping[str, str]) -> dict[str, str]:
    return {k.lower(): v for k, v in headers.items() if k.lower() not in PRIVATE_HEADERS}


def _insert_statement(engine: Engine) -> DriverStatement:
    """``INSERT … ON CONFLICT DO NOTHING``, compiled once, run on the driver itself
    (``DriverStatement``); the driver's rowcount (0 for a conflict) is the dedupe."""
    dialect = engine.dialect
    make = INSERTS.get(dialect.name)
    if make is None:
        raise NotImplementedError(f"the inbox writer supports SQLite and PostgreSQL, "
                                  f"not {dialect.name}")
    statement = make(InboxEvent.__table__).on_conflict_do_nothing(
        index_elements=["system", "event_id"])
    driver = DriverStatement.compile(statement, dialect, expect=COLUMNS,
                                     column_keys=list(COLUMNS))
    if driver is None:
        raise AssertionError("the inbox insert binds unexpected parameters")
    return driver


def _values(row: Row) -> dict[str, Any]:
    system, event_id, received_at, headers, body = row
    return {"system": system, "event_id": event_id, "received_at": received_at,
            "headers": headers, "body": body, "status": "pending", "attempts": 0}


class InboxWriter:
    """Commits inbox rows through one driver connection it keeps.

    ``store`` (synchronous) commits the rows of one call; ``store_async`` (the webhook
    endpoint) joins the batch being collected on the event loop and returns once that
    batch is committed. The batch is flushed by a callback scheduled with
    ``call_soon`` when its first row arrives, so it holds exactly the rows of the
    requests that reached that point in the same turn of the loop: no timer, no wait
    added to a lone request. A broken connection is replaced on the next call.
    """

    def __init__(self, engine: Engine, *,
                 synchronous: Literal["normal", "full"] = "normal") -> None:
        self.engine = engine
        self.synchronous = synchronous
        self._statement = _insert_statement(engine)
        self._lock = threading.Lock()
        self._connection: DBAPIConnection | None = None
        self._pending: list[tuple[list[Row], asyncio.Future[list[bool]]]] = []
        self._locked_since: float | None = None
        self.batches = 0
        self.rows = 0
        self._checkpointer: _Checkpointer | None = None

    # -- synchronous --------------------------------------------------------------
    def store(self, *, system: str, event_ids: Sequence[str], headers: dict[str, str],
              body: bytes, received_at: datetime | None = None) -> set[str]:
        """Commit one pending row per new event id; returns the ids that were new."""
        rows = _rows(system, event_ids, headers, body, received_at)
        waiting = Retrying(retry=retry_if_exception_type(_Locked),
                           stop=stop_after_delay(LOCK_WAIT_SECONDS),
                           wait=wait_fixed(LOCK_RETRY_SECONDS))
        try:
            flags = waiting(self._write, rows)
        except RetryError:
            raise _lock_timeout() from None
        return {row[1] for row, new in zip(rows, flags, strict=True) if new}

    # -- group commit -------------------------------------------------------------
    async def store_async(self, *, system: str, event_ids: Sequence[str],
                          headers: dict[str, str], body: bytes) -> set[str]:
        rows = _rows(system, event_ids, headers, body, None)
        loop = asyncio.get_running_loop()
        future: asyncio.Future[list[bool]] = loop.create_future()
        if not self._pending:
            loop.call_soon(self._flush)
        self._pending.append((rows, future))
        flags = await future
        return {row[1] for row, new in zip(rows, flags, strict=True) if new}

    def _flush(self) -> None:
        pending, self._pending = self._pending, []
        if not pending:
            return
        rows = [row for group, _ in pending for row in group]
        try:
            flags = self._write(rows)
        except _Locked:
            now = time.monotonic()
            self._locked_since = self._locked_since or now
            if now - self._locked_since <= LOCK_WAIT_SECONDS:
                self._pending = pending + self._pending     # later requests join
                asyncio.get_running_loop().call_later(LOCK_RETRY_SECONDS, self._flush)
                return
            self._locked_since = None
            error = _lock_timeout()
            for _, future in pending:
                if not future.done():
                    future.set_exception(error)
            return
        except Exception as exc:
            self._locked_since = None
            for _, future in pending:
                if not future.done():
                    future.set_exception(exc)
            return
        self._locked_since = None
        at = 0
        for group, future in pending:
            if not future.done():       # a request whose client went away: row is stored
                future.set_result(flags[at:at + len(group)])
            at += len(group)

    # -- the database -------------------------------------------------------------
    def _write(self, rows: Sequence[Row]) -> list[bool]:
        """Insert ``rows`` in one transaction; True for each row that was new."""
        with self._lock:
            connection = self._connect()
            try:
                cursor = connection.cursor()
                flags: list[bool] = []
                for params in self._statement.bind([_values(row) for row in rows]):
                    cursor.execute(self._statement.sql, params)
                    flags.append(cursor.rowcount == 1)
                cursor.close()
                connection.commit()
            except sqlite3.OperationalError as exc:
                if (getattr(exc, "sqlite_errorcode", 0) & 0xFF) != sqlite3.SQLITE_BUSY:
                    self._discard()
                    raise
                connection.rollback()
                raise _Locked() from None
            except Exception:
                self._discard()
                raise
            self.batches += 1
            self.rows += len(rows)
        if self._checkpointer is not None and not self._checkpointer.wrote.is_set():
            self._checkpointer.wrote.set()
        return flags

    def _connect(self) -> DBAPIConnection:
        if self._connection is None:
            pooled = self.engine.raw_connection()
            if self.engine.dialect.name == "sqlite":
                cursor = pooled.cursor()
                cursor.execute("PRAGMA wal_autocheckpoint=0")
                cursor.execute("PRAGMA busy_timeout=0")      # see "The write lock"
                if self.synchronous == "full":
                    cursor.execute("PRAGMA synchronous=FULL")
                cursor.close()
                if self._checkpointer is None:
                    self._checkpointer = _Checkpointer(self.engine)
            self._connection = pooled
        return self._connection

    def _discard(self) -> None:
        connection, self._connection = self._connection, None
        if connection is None:
            return
        try:
            connection.rollback()
            connection.close()
        except Exception:
            log.warning("inbox connection could not be closed cleanly", exc_info=True)

    def close(self) -> None:
        with self._lock:
            connection, self._connection = self._connection, None
            checkpointer, self._checkpointer = self._checkpointer, None
        if connection is not None:
            if self.engine.dialect.name == "sqlite":   # pooled: back to the store's settings
                apply_sqlite_settings(connection)
            connection.close()
        if checkpointer is not None:
            checkpointer.stop()


class _Checkpointer:
    """Checkpoints the WAL the inbox writer fills, off the request path (SQLite only).

    Once writes pause for a second, or while they go on once the WAL passes
    ``WAL_BYTES``: each checkpoint copies the hot pages (the inbox's index leaves)
    once however often they were rewritten, so fewer checkpoints cost less.
    """

    TICK_SECONDS = 1.0
    WAL_BYTES = 16 * 1024 * 1024

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        database = engine.url.database or ""
        self.wal = Path(f"{database}-wal") if database not in ("", ":memory:") else None
        self.wrote = threading.Event()
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._run, name="tradehub-inbox-checkpoint",
                                       daemon=True)
        self.thread.start()

    def _run(self) -> None:
        connection = self.engine.raw_connection()
        unsaved = False
        try:
            while not self.stopping.wait(self.TICK_SECONDS):
                writing = self.wrote.is_set()
                self.wrote.clear()
                unsaved = unsaved or writing
                if unsaved and (not writing or self._wal_size() >= self.WAL_BYTES):
                    self._checkpoint(connection)
                    unsaved = False
        finally:
            connection.close()

    def _wal_size(self) -> int:
        try:
            return self.wal.stat().st_size if self.wal is not None else 0
        except OSError:
            return 0

    @staticmethod
    def _checkpoint(connection: DBAPIConnection) -> None:
        try:
            cursor = connection.cursor()
            cursor.execute("PRAGMA wal_checkpoint(PASSIVE)")
            cursor.close()
        except Exception:
            log.warning("inbox WAL checkpoint failed", exc_info=True)

    def stop(self) -> None:
        self.stopping.set()
        self.thread.join(10)


def _lock_timeout() -> sqlite3.OperationalError:
    return sqlite3.OperationalError(f"the store stayed locked for over {LOCK_WAIT_SECONDS:.0f} s; "
                                    "the inbox row was not written")


def _rows(system: str, event_ids: Sequence[str], headers: dict[str, str], body: bytes,
          received_at: datetime | None) -> list[Row]:
    now = received_at or utcnow()
    return [(system, event_id, now, headers, body) for event_id in event_ids]


def store_events(engine: Engine, **kwargs: Any) -> set[str]:
    """One-off use of ``InboxWriter`` (tests, tools)."""
    writer = InboxWriter(engine)
    try:
        return writer.store(**kwargs)
    finally:
        writer.close()
