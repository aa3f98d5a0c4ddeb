"""The inbox worker: applies accepted webhook events through the sync engine.

It runs in a thread of the API process, woken by each 202 (so an event is applied
milliseconds after it is accepted) and polling besides, so rows left pending by a
process that died after answering are picked up at the next start. Rows are taken
oldest first and applied per system in batches with ``hub.sync.events.apply_events``.
A running pipeline (``PipelineBusyError``) only delays a row; any other failure
counts an attempt, and after the last attempt the row is ``failed`` until an
administrator reprocesses it. A failing batch is retried row by row, so one bad
event does not hold back the others.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from pydantic import BaseModel
from sqlalchemy import select, update

from connectors.base import ChangeEvent
from hub.api.runtime import HubRuntime
from hub.errors import PipelineBusyError, TradeHubError
from hub.store.base import utcnow
from hub.store.tables import InboxEvent
from hub.sync.counts import RunCounts
from hub.sync.events import apply_events

log = logging.getLogger(__name__)


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
        self.not_before: dict[int, float] = {}
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._run, name="tradehub-inbox", daemon=True)

    # -- lifecycle ----------------------------------------------------------------
    def start(self) -> None:
        self.thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        self.stopping.set()
        self.runtime.inbox_wakeup.set()
        if self.thread.is_alive():
            self.thread.join(timeout)

    def _run(self) -> None:
        wakeup = self.runtime.inbox_wakeup
        while not self.stopping.is_set():
            try:
                worked = self.process_available()
            except Exception:       # the worker must outlive a bad moment of the database
                log.exception("inbox round failed")
                worked = False
            if not worked:
                wakeup.wait(self.settings.inbox_poll_seconds)
                wakeup.clear()

    # -- work ---------------------------------------------------------------------
    def process_available(self, max_batches: int = 100) -> bool:
        """Process ready rows batch by batch; True if anything was processed."""
        worked = False
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
        now = time.monotonic()
        waiting = {i for i, at in self.not_before.items() if at > now}
        self.not_before = {i: at for i, at in self.not_before.items() if i in waiting}
        size = self.settings.inbox_batch_size
        ctx = self.runtime.context()
        with ctx.sessions() as session:
            found = session.execute(
                select(InboxEvent.id, InboxEvent.system, InboxEvent.event_id,
                       InboxEvent.headers, InboxEvent.body, InboxEvent.attempts)
                .where(InboxEvent.status == "pending")
                .order_by(InboxEvent.id).limit(size + len(waiting))).all()
        rows = [PendingRow(*row) for row in found if row[0] not in waiting]
        return rows[:size]

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
            self._delay(rows, self.settings.inbox_busy_retry_seconds)
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
            session.execute(update(InboxEvent).where(InboxEvent.id.in_([r.id for r in rows]))
                            .values(status="processed", processed_at=utcnow(),
                                    attempts=InboxEvent.attempts + 1, error=None))
        for row in rows:
            self.not_before.pop(row.id, None)

    def _delay(self, rows: Sequence[PendingRow], seconds: float) -> None:
        until = time.monotonic() + seconds
        for row in rows:
            self.not_before[row.id] = until

    def _failed(self, row: PendingRow, exc: Exception) -> tuple[int, str]:
        message = exc.message if isinstance(exc, TradeHubError) else f"{type(exc).__name__}: {exc}"
        attempts = row.attempts + 1
        final = attempts >= self.settings.inbox_max_attempts
        ctx = self.runtime.context()
        with ctx.sessions() as session, session.begin():
            session.execute(update(InboxEvent).where(InboxEvent.id == row.id).values(
                attempts=attempts, error=message[:4000],
                status="failed" if final else "pending"))
        if not final:
            self._delay([row], self.settings.inbox_failure_retry_seconds)
        log.warning("inbox event failed", extra={"system": row.system, "event_id": row.event_id,
                                                 "attempt": attempts, "final": final})
        return (1 if final else 0), message


def _by_system(rows: Sequence[PendingRow]) -> list[tuple[str, list[PendingRow]]]:
    """Consecutive runs of one system, so events stay in arrival order."""
    groups: list[tuple[str, list[PendingRow]]] = []
    for row in rows:
        if groups and groups[-1][0] == row.system:
            groups[-1][1].append(row)
        else:
            groups.append((row.system, [row]))
    return groups
