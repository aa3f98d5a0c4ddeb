"""The inbox worker: applies accepted webhook events through the sync engine.

It runs beside the API (a thread, or the worker process of ``hub.api.worker_process``),
woken by each 202 (so an event is applied milliseconds after it is accepted) and
polling besides, so rows left pending by a process that died after answering are
picked up at the next start. Rows are taken oldest first and applied per system in
batches with ``hub.sync.events.apply_events``.

Several API processes may each run a worker on one store. A worker first *claims*
a batch (``claimed_by`` = itself, ``claimed_until`` = now + lease) in one short
transaction that only takes rows nobody holds (SQLite: ``BEGIN IMMEDIATE``, the
store's one writer; PostgreSQL: ``FOR UPDATE SKIP LOCKED``), so no two workers
apply the same event; a worker that dies loses its rows when the lease runs out, or
at once on its own machine (``hub.api.inbox_leases``).
A running pipeline (``PipelineBusyError``) only delays a row; any other failure
counts an attempt, and after the last attempt the row is ``failed`` until an
administrator reprocesses it. A delayed row is released with ``claimed_until`` as
its "not before", which every worker honours. A failing batch is retried row by
row, so one bad event does not hold back the others.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from pydantic import BaseModel
from sqlalchemy import and_, or_, select, update

from connectors.base import ChangeEvent
from hub.api.inbox_leases import new_worker_id, release_orphans, retire
from hub.api.runtime import HubRuntime
from hub.errors import PipelineBusyError, TradeHubError
from hub.store.base import utcnow
from hub.store.tables import InboxEvent
from hub.sync.counts import RunCounts
from hub.sync.events import apply_events

log = logging.getLogger(__name__)

ORPHAN_CHECK_SECONDS = 10.0


class BatchReport(BaseModel):
    """What one batch did; handed to the Prefect reporter for the UI."""

    system: str
    inbox_ids: list[int]
    event_ids: list[str]
    processed: int
    delayed: int
    failed: int
    counts: RunCounts
    seconds: float
    error: str | None = None


@dataclass(frozen=True)
class PendingRow:
    id: int
    system: str
    event_id: str
    headers: dict[str, str]
    body: bytes
    attempts: int


Reporter = Callable[[BatchReport], None]


class InboxWorker:
    def __init__(self, runtime: HubRuntime, *, reporter: Reporter | None = None,
                 on_batch: Callable[[], None] | None = None) -> None:
        self.runtime = runtime
        self.on_batch = on_batch
        self.settings = runtime.api
        self.reporter = reporter
        self.worker_id = new_worker_id()
        self._orphans_checked = float("-inf")
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._run, name="tradehub-inbox", daemon=True)

    # -- lifecycle ----------------------------------------------------------------
    def start(self) -> None:
        self.thread.start()

    def is_alive(self) -> bool:
        return self.thread.is_alive()

    def stop(self, timeout: float = 30.0) -> None:
        self.stopping.set()
        self.runtime.inbox_wakeup.set()
        if self.thread.is_alive():
            self.thread.join(timeout)
        retire(self.worker_id)

    def _run(self) -> None:
        wakeup = self.runtime.inbox_wakeup
        while not self.stopping.is_set():
            try:
                worked = self.process_available()
            except Exception:       # the worker must outlive a bad moment of the database
                log.exception("inbox round failed")
                worked = False
            if not worked:
                if wakeup.wait(self.settings.inbox_poll_seconds):
                    # Woken by a 202: let the events arriving right behind it join the
                    # batch (one engine round for many instead of one each).
                    self.stopping.wait(self.settings.inbox_gather_seconds)
                wakeup.clear()

    # -- work ---------------------------------------------------------------------
    def process_available(self, max_batches: int = 100) -> bool:
        """Process ready rows batch by batch; True if anything was processed."""
        worked = False
        if time.monotonic() - self._orphans_checked > ORPHAN_CHECK_SECONDS:
            self._orphans_checked = time.monotonic()
            release_orphans(self.runtime.context().sessions)
        for _ in range(max_batches):
            if self.stopping.is_set():
                break
            rows = self._ready_rows()
            if not rows:
                break
            for system, group in _by_system(rows):
                self._process_group(system, group)
            worked = True
        return worked

    def _ready_rows(self) -> list[PendingRow]:
        """Claim the oldest rows nobody holds, up to a batch; returns them in id order."""
        now = utcnow()
        until = now + timedelta(seconds=self.settings.inbox_lease_seconds)
        free = and_(InboxEvent.status == "pending",
                    or_(InboxEvent.claimed_until.is_(None), InboxEvent.claimed_until <= now))
        oldest = (select(InboxEvent.id).where(free).order_by(InboxEvent.id)
                  .limit(self.settings.inbox_batch_size))
        ctx = self.runtime.context()
        with ctx.sessions() as session, session.begin():
            if session.get_bind().dialect.name == "sqlite":
                session.connection().exec_driver_sql("BEGIN IMMEDIATE")
            else:
                oldest = oldest.with_for_update(skip_locked=True)
            # Two statements, not UPDATE … WHERE id IN (SELECT … LIMIT): PostgreSQL may
            # re-run such a subquery and, skipping locked rows, claim more than a batch.
            ids = list(session.scalars(oldest))
            if not ids:
                return []
            found = session.execute(
                update(InboxEvent).where(InboxEvent.id.in_(ids), free)
                .values(claimed_by=self.worker_id, claimed_until=until)
                .returning(InboxEvent.id, InboxEvent.system, InboxEvent.event_id,
                           InboxEvent.headers, InboxEvent.body, InboxEvent.attempts)
                .execution_options(synchronize_session=False)).all()
        return sorted((PendingRow(*row) for row in found), key=lambda r: r.id)

    def _process_group(self, system: str, rows: Sequence[PendingRow]) -> None:
        started = time.perf_counter()
        report = BatchReport(system=system, inbox_ids=[r.id for r in rows],
                             event_ids=[r.event_id for r in rows], processed=0, delayed=0,
                             failed=0, counts=RunCounts(), seconds=0.0)
        try:
            report.counts = self._apply(system, rows)
            self._mark_processed(rows)
            report.processed = len(rows)
        except PipelineBusyError as exc:
            self._release(rows, self.settings.inbox_busy_retry_seconds)
            report.delayed, report.error = len(rows), exc.message
        except Exception as exc:
            if len(rows) > 1:
                for row in rows:            # isolate the bad event(s)
                    self._process_group(system, [row])
                return
            report.failed, report.error = self._failed(rows[0], exc)
        report.seconds = time.perf_counter() - started
        log.info("inbox batch", extra={"system": system, "events": len(rows),
                                       "processed": report.processed, "delayed": report.delayed,
                                       "failed": report.failed})
        if self.on_batch is not None and report.processed:
            self.on_batch()         # the outbox may have grown: wake outbound delivery
        if self.reporter is not None:
            try:
                self.reporter(report)
            except Exception:
                log.exception("inbox batch report failed", extra={"system": system})

    def _apply(self, system: str, rows: Sequence[PendingRow]) -> RunCounts:
        ctx = self.runtime.context()
        connector = ctx.connector(system)
        parsed: dict[bytes, dict[str, ChangeEvent]] = {}
        events: list[ChangeEvent] = []
        for row in rows:
            if row.body not in parsed:
                parsed[row.body] = {e.event_id: e
                                    for e in connector.parse_webhook(row.headers, row.body)}
            event = parsed[row.body].get(row.event_id)
            if event is not None:
                events.append(event)
        return apply_events(ctx, system, events)

    def _mark_processed(self, rows: Sequence[PendingRow]) -> None:
        ctx = self.runtime.context()
        with ctx.sessions() as session, session.begin():
            done = session.execute(
                update(InboxEvent).where(InboxEvent.id.in_([r.id for r in rows]),
                                         InboxEvent.claimed_by == self.worker_id)
                .values(status="processed", processed_at=utcnow(),
                        attempts=InboxEvent.attempts + 1, error=None,
                        claimed_by=None, claimed_until=None)
                .execution_options(synchronize_session=False)).rowcount
        if done != len(rows):       # the lease ran out mid-batch: another worker took over
            log.warning("inbox lease lost before the batch was recorded", extra={
                "worker": self.worker_id, "events": len(rows), "recorded": done})

    def _release(self, rows: Sequence[PendingRow], seconds: float, **values: object) -> None:
        """Give the rows back, not to be taken by any worker for ``seconds``."""
        ctx = self.runtime.context()
        with ctx.sessions() as session, session.begin():
            session.execute(
                update(InboxEvent).where(InboxEvent.id.in_([r.id for r in rows]),
                                         InboxEvent.claimed_by == self.worker_id)
                .values(claimed_by=None, claimed_until=_after(seconds), **values)
                .execution_options(synchronize_session=False))

    def _failed(self, row: PendingRow, exc: Exception) -> tuple[int, str]:
        message = exc.message if isinstance(exc, TradeHubError) else f"{type(exc).__name__}: {exc}"
        attempts = row.attempts + 1
        final = attempts >= self.settings.inbox_max_attempts
        if final:
            self._release([row], 0, attempts=attempts, error=message[:4000], status="failed")
        else:
            self._release([row], self.settings.inbox_failure_retry_seconds,
                          attempts=attempts, error=message[:4000])
        log.warning("inbox event failed", extra={"system": row.system, "event_id": row.event_id,
                                                 "attempt": attempts, "final": final})
        return (1 if final else 0), message


def _after(seconds: float) -> datetime | None:
    return utcnow() + timedelta(seconds=seconds) if seconds > 0 else None


def _by_system(rows: Sequence[PendingRow]) -> list[tuple[str, list[PendingRow]]]:
    """Consecutive runs of one system, so events stay in arrival order."""
    groups: list[tuple[str, list[PendingRow]]] = []
    for row in rows:
        if groups and groups[-1][0] == row.system:
            groups[-1][1].append(row)
        else:
            groups.append((row.system, [row]))
    return groups
