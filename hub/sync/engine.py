"""Running a pipeline: lock it, read each side in batches, reconcile, record the run.

The work is split into steps (one batch each) so a Prefect flow can run every step
as a task and show progress; ``run_pipeline`` runs the same steps in a plain loop.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from sqlalchemy import select

from connectors.base import Batch, Partition, RemoteRecord
from hub.errors import ConfigError, TradeHubError
from hub.gctune import relaxed_collector
from hub.store.base import utcnow
from hub.store.tables import SyncRun
from hub.sync import lock, parts, state
from hub.sync.context import SyncContext
from hub.sync.counts import RunCounts, RunSummary, StepResult
from hub.sync.observe import Observation, map_records, store_observations
from hub.sync.pipeline import PipelineSpec
from hub.sync.prefetch import Prefetch
from hub.sync.reconcile import BatchWork, commit_batch, plan_batch, reconcile, write_batch

log = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 10.0
"""How often a run extends its lock (``lock.DEFAULT_TTL``: minutes). Once a batch, it was
a write transaction of its own every fifth of a second of a full sync."""

Progress = Callable[[str, RunCounts], None]
StepFn = Callable[[], StepResult]
Mapped = tuple[Batch, list[Observation], list[tuple[RemoteRecord, Exception]]]
Ahead = tuple[Mapped, "BatchWork | None"]
"""A batch read ahead and mapped, and planned if that could be done early."""
Written = tuple["BatchWork", "Future[None]"]
"""A batch and its write to the target, under way or done."""

progress_hook: ContextVar[Progress | None] = ContextVar("tradehub_progress", default=None)
"""Set by a caller (the CLI's progress bar) to hear about every step of a run."""


class PipelineRun:
    """One run of one pipeline; hold it inside ``started()``.

    With ``processes: N`` the run syncs part 1 of the source's feed and starts a
    process for each other part (``hub.sync.parts``), which runs a ``PipelineRun``
    given its ``partition``: that one takes no lock and records no run of its own.
    """

    def __init__(self, ctx: SyncContext, name: str, *,
                 partition: Partition | None = None) -> None:
        self.ctx = ctx
        self.spec = PipelineSpec.build(ctx, name)
        self.counts = RunCounts()
        self.run_id: int | None = None
        processes = self.spec.config.processes
        self.part_run = partition is not None       # a part started by the run in charge
        if partition is None and processes > 1:
            partition = Partition(index=0, count=processes)   # the run in charge's own
        self.partition = partition
        self._parts: list[parts.PartProcess] = []
        self._holder: str | None = None
        self._refreshed = 0.0                        # time.monotonic() of the last heartbeat
        self._readers: dict[str, Prefetch[Batch]] = {}
        self._ahead: dict[str, Ahead | None] = {}       # the next batch, mapped (and planned)
        self._writer: ThreadPoolExecutor | None = None
        self._written: Written | None = None         # a batch written, not yet committed
        self._position: dict[str, str | None] = {}    # the cursor committed last, per source

    @property
    def name(self) -> str:
        return self.spec.name

    @contextmanager
    def started(self, flow_run_id: str | None = None) -> Iterator[PipelineRun]:
        if self.part_run:                # the run that started this part holds the lock
            with relaxed_collector():
                try:
                    yield self
                finally:
                    self._close()
            return
        sessions = self.ctx.sessions
        self._holder = lock.new_holder()
        lock.acquire(sessions, self.name, self._holder)
        self._refreshed = time.monotonic()
        with sessions() as session, session.begin():
            run = SyncRun(pipeline=self.name, flow_run_id=flow_run_id)
            session.add(run)
            session.flush()
            self.run_id = run.id
        error: str | None = None
        with relaxed_collector():
            try:
                yield self
            except BaseException as exc:
                error = error_text(exc)
                raise
            finally:
                self._close()
                self._finish(error)
                lock.release(sessions, self.name, self._holder)

    def _close(self) -> None:
        for system in list(self._readers):
            self._drop_reader(system)
        if self._writer is not None:
            self._writer.shutdown(wait=True)
            self._writer = None
        for part in self._parts:               # still running only if this run failed
            parts.stop(part)
        self._parts = []

    def _finish(self, error: str | None) -> None:
        with self.ctx.sessions() as session, session.begin():
            run = session.get(SyncRun, self.run_id)
            assert run is not None
            run.finished_at = utcnow()
            run.status = "failed" if error else "completed"
            run.error = error
            for name, value in self.counts.model_dump().items():
                if hasattr(run, name):
                    setattr(run, name, value)

    def _heartbeat(self) -> None:
        """Extend the lock once every ``HEARTBEAT_SECONDS``, checked before each step.

        A step that ran longer than the lock's TTL is followed by a refresh at once, so
        a run whose lock expired and was taken over still stops before its next batch.
        """
        if self._holder and time.monotonic() - self._refreshed >= HEARTBEAT_SECONDS:
            lock.refresh(self.ctx.sessions, self.name, self._holder)
            self._refreshed = time.monotonic()

    # -- steps ------------------------------------------------------------------------
    def observe_step(self, system: str) -> StepResult:
        """Read the next batch from ``system`` and store what is new as pending
        changes, committed with the cursor after the batch."""
        self._heartbeat()
        try:
            batch = next(self._reader(system), None)
            if batch is None:
                return StepResult(counts=RunCounts(), done=True)
            observed, failed = map_records(self.spec, system, batch.records)
            with self.ctx.sessions() as session, session.begin():
                counts = store_observations(session, self.spec, system, observed, failed)
                state.set_cursor(session, pipeline=self.name, system=system,
                                 cursor=batch.cursor)
        except BaseException:
            self._drop_reader(system)        # a retry reads again from the cursor
            raise
        self.counts.add(counts)
        return StepResult(counts=counts, done=False)

    def sync_step(self, system: str) -> StepResult:
        """One-way: reconcile the next batch; commit it, with the cursor, in the next step.

        The work overlaps in a pipeline, a batch apart, so the source, the target, the
        store and the hub all work at once:

        - a thread reads the source's next page (``Prefetch``);
        - a thread writes this batch to the target, and mostly waits for its answer;
        - meanwhile this thread commits the batch before (whose write is done) and then
          maps and plans the next one.

        The checkpoint and the planning, most of the hub's Python, stay on one thread
        and do not contend for the GIL, while the target works on the batch written.
        A batch's write thus lands before the checkpoint of the batch before it: a
        crash then leaves both to be read again from the cursor, and idempotent writes
        make that harmless. Any failure drops the reader and what was read ahead or
        written but not committed; a retried step starts again from the last
        checkpoint. The step that finds the source exhausted commits the last batch.
        """
        self._heartbeat()
        try:
            ahead = self._ahead.pop(system) if system in self._ahead else self._next(system)
            if ahead is None:
                if self._written is None:
                    return StepResult(counts=RunCounts(), done=True)
                return StepResult(counts=self._commit_written(), done=False)
            (batch, observed, failed), work = ahead
            if work is None:         # planning may read what the batch before commits
                counts = self._commit_written()
                work = plan_batch(self.ctx, self.spec, system, observed, failed,
                                  cursor=batch.cursor, feed=self._feed(system))
                self._start_write(work)
            else:
                counts = self._commit_written(then_write=work)
            try:
                self._ahead[system] = self._next(system, beside=work)
            except Exception:
                # This batch still commits; the next step reads again from its cursor
                # and meets the error (or not) itself.
                log.warning("reading ahead failed", exc_info=True,
                            extra={"pipeline": self.name, "system": system})
                counts.add(self._commit_written())
                self._drop_reader(system)
        except BaseException:
            self._drop_reader(system)
            raise
        return StepResult(counts=counts, done=False)

    def _start_write(self, work: BatchWork) -> None:
        for side in self.spec.sides:
            self.ctx.connector(side.system)      # made here: the writer only uses them
        if self._writer is None:
            self._writer = ThreadPoolExecutor(max_workers=1,
                                              thread_name_prefix=f"write-{self.name}")
        self._written = (work, self._writer.submit(write_batch, self.ctx, self.spec, work))

    def _commit_written(self, *, then_write: BatchWork | None = None) -> RunCounts:
        """Wait for the batch being written (if any), start writing ``then_write`` so
        that the target works on it meanwhile, and commit the batch waited for."""
        written, self._written = self._written, None
        if written is not None:
            written[1].result()                  # the target's answers, in order
        if then_write is not None:
            self._start_write(then_write)
        if written is None:
            return RunCounts()
        counts = commit_batch(self.ctx, self.spec, written[0])
        self._position[written[0].system] = written[0].cursor
        self.counts.add(counts)
        return counts

    def _read(self, system: str) -> Mapped | None:
        batch = next(self._reader(system), None)
        if batch is None:
            return None
        observed, failed = map_records(self.spec, system, batch.records)
        return batch, observed, failed

    def _next(self, system: str, *, beside: BatchWork | None = None) -> Ahead | None:
        """The next batch, mapped; and planned too, while ``beside`` (the batch before
        it) is being written and not yet committed, unless the two touch a common
        record."""
        mapped = self._read(system)
        if mapped is None:
            return None
        if beside is None:
            return mapped, None
        batch, observed, failed = mapped
        try:
            work = plan_batch(self.ctx, self.spec, system, observed, failed,
                              cursor=batch.cursor, feed=self._feed(system))
        except Exception:           # planned again, after the commit, by the next step
            log.debug("planning ahead failed", exc_info=True,
                      extra={"pipeline": self.name, "system": system})
            return mapped, None
        return mapped, None if work.touched.meets(beside.touched) else work

    def _reader(self, system: str) -> Prefetch[Batch]:
        """The connector's reader stays open across steps (its paging is its own) and
        reads a page ahead."""
        reader = self._readers.get(system)
        if reader is None:
            cursor = self._position[system] = self._start_cursor(system)
            connector = self.ctx.connector(system)
            size = self.spec.config.batch_size
            changes = (connector.read_changes(self.spec.entity, cursor, batch_size=size)
                       if self.partition is None else
                       connector.read_partition(self.spec.entity, cursor, self.partition,
                                                batch_size=size))
            reader = Prefetch(iter(changes), name=f"read-{self.name}-{system}")
            self._readers[system] = reader
        return reader

    def _start_cursor(self, system: str) -> str | None:
        with self.ctx.sessions() as session:
            cursor = state.get_cursor(session, pipeline=self.name, system=self._feed(system))
            if cursor is None and self.partition is not None:
                # The feed is split since the last run: each part goes on from where
                # the whole feed stopped.
                cursor = state.get_cursor(session, pipeline=self.name, system=system)
        return cursor

    def hand_to_halves(self) -> None:
        """End a part's run at a checkpoint (commit the batch written, forget what was
        read ahead) and give the rest of the part to its two halves
        (``Partition.halves``): both start at the cursor it stopped at."""
        [system] = self.spec.read_from
        assert self.partition is not None
        self._commit_written()
        self._drop_reader(system)
        cursor = (self._position[system] if system in self._position  # else: read nothing
                  else self._start_cursor(system))
        with self.ctx.sessions() as session, session.begin():
            for half in self.partition.halves():
                state.set_cursor(session, pipeline=self.name, cursor=cursor,
                                 system=state.feed_name(system, half))

    def _feed(self, system: str) -> str:
        """The name this run's cursor on ``system`` is kept under."""
        return state.feed_name(system, self.partition)

    def _drop_reader(self, system: str) -> None:
        """Forget the reader and anything read ahead, or written and not committed; the
        next read starts from the committed cursor."""
        reader = self._readers.pop(system, None)
        if reader is not None:
            reader.close()
        self._ahead.pop(system, None)
        self._written = None

    def observe_records(self, system: str, records: list[RemoteRecord]) -> RunCounts:
        """Observe records that arrived outside the change feed (webhooks, replays)."""
        observed, failed = map_records(self.spec, system, records)
        with self.ctx.sessions() as session, session.begin():
            counts = store_observations(session, self.spec, system, observed, failed)
        self.counts.add(counts)
        return counts

    def reconcile_step(self) -> StepResult:
        """Reconcile one batch of pending records."""
        self._heartbeat()
        with self.ctx.sessions() as session:
            hub_ids = state.next_pending_hub_ids(session, pipeline=self.name,
                                                 limit=self.spec.config.batch_size)
        if not hub_ids:
            return StepResult(counts=RunCounts(), done=True)
        counts = reconcile(self.ctx, self.spec, hub_ids)
        self.counts.add(counts)
        deferred_only = counts.deferred == len(hub_ids)
        return StepResult(counts=counts, done=deferred_only)

    def resolutions_step(self) -> StepResult:
        """Apply conflicts a person resolved since the last run."""
        with self.ctx.sessions() as session:
            hub_ids = sorted({c.hub_id for c in state.resolved_conflicts(
                session, pipeline=self.name)})
        counts = reconcile(self.ctx, self.spec, hub_ids)
        self.counts.add(counts)
        return StepResult(counts=counts, done=True)

    def _other_parts(self) -> list[Partition]:
        assert self.partition is not None
        return [Partition(index=index, count=self.partition.count)
                for index in range(self.partition.count) if index != self.partition.index]

    def start_parts_step(self) -> StepResult:
        """Start a process for each other part of the feed, if this run's own part
        has a full batch waiting: parts are even (ids split them), so the others then
        have about as much. With less, a process's start-up (a second or two) would
        cost more than it saves, and this process syncs them after its own."""
        [system] = self.spec.read_from          # a one-way pipeline reads its source
        connector = self.ctx.connector(system)
        if not connector.partitioned_reads:
            raise ConfigError(
                f"pipeline '{self.name}' has processes: {self.spec.config.processes}, but "
                f"the {connector.name} connector of '{system}' cannot split its change "
                "feed; set processes: 1")
        if system not in self._ahead:
            self._ahead[system] = self._next(system)
        ahead = self._ahead[system]
        busy = ahead is not None and len(ahead[0][0].records) >= self.spec.config.batch_size
        if busy and not self._parts:
            self._parts = [parts.start(self.ctx, self.name, partition)
                           for partition in self._other_parts()]
        return StepResult(counts=RunCounts(), done=True)

    def join_parts_step(self) -> StepResult:
        """Wait for the other parts' processes, or sync those parts here (a small
        backlog); their counts join the run's.

        A part's process starts a second or two after the run's own part began (its
        imports and mappings), so its part ends that much later. Meanwhile this
        process would wait: instead, it splits the last part's rest in two
        (``Partition.halves``) and syncs one half while the part's process syncs the
        other. That part's cursor then goes on from the half that ended first: both
        read to the feed's end, so the earlier end is a safe start for the whole part.
        """
        counts = RunCounts()
        if self._parts:
            try:
                helped = self._help(self._parts[-1], counts)
                for part in self._parts:
                    counts.add(parts.join(part))
                if helped is not None:
                    self._rejoin(self._parts[-1].partition, helped)
            finally:
                for part in self._parts:
                    parts.stop(part)
                self._parts = []
        else:
            for partition in self._other_parts():
                counts.add(sync_part(self.ctx, self.name, partition).counts)
        self.counts.add(counts)
        return StepResult(counts=counts, done=True)

    def _help(self, part: parts.PartProcess, counts: RunCounts) -> Partition | None:
        """Sync half of what is left of ``part``, if its process is still at work;
        the half whose reading ended first, or None if there was no split."""
        if not parts.split(part):
            return None
        mine, theirs = part.partition.halves()
        counts.add(sync_part(self.ctx, self.name, mine).counts)
        return theirs if parts.ended(part) else mine

    def _rejoin(self, partition: Partition, first_ended: Partition) -> None:
        """The split part's cursor goes on from the half that ended first; the
        halves' cursors go (a later split sets them again)."""
        [system] = self.spec.read_from
        with self.ctx.sessions() as session, session.begin():
            cursor = state.get_cursor(session, pipeline=self.name,
                                      system=state.feed_name(system, first_ended))
            state.set_cursor(session, pipeline=self.name,
                             system=state.feed_name(system, partition), cursor=cursor)
            state.delete_cursors(session, pipeline=self.name, systems=[
                state.feed_name(system, half) for half in partition.halves()])

    def steps(self) -> Iterator[tuple[str, StepFn]]:
        """The run's steps in order: (label, step); a step is repeated until done."""
        one_way = self.spec.config.direction == "one_way"
        in_charge_of_parts = self.partition is not None and not self.part_run
        if in_charge_of_parts:
            yield "start parts", self.start_parts_step
        for system in self.spec.read_from:
            if one_way:      # each batch reconciled as read: memory and latency stay flat
                yield f"sync {system}", lambda system=system: self.sync_step(system)
            else:
                yield f"read {system}", lambda system=system: self.observe_step(system)
        if self.part_run:
            return
        if in_charge_of_parts:
            yield "join parts", self.join_parts_step
        yield "reconcile", self.reconcile_step
        yield "resolutions", self.resolutions_step


def run_pipeline(ctx: SyncContext, name: str, *, progress: Progress | None = None,
                 flow_run_id: str | None = None, max_steps: int = 1_000_000) -> RunSummary:
    """Run every step of a pipeline until each is done; the plain-Python runner."""
    started = time.perf_counter()
    run = PipelineRun(ctx, name)
    with run.started(flow_run_id=flow_run_id):
        _run_steps(run, progress or progress_hook.get(), max_steps)
    assert run.run_id is not None
    return RunSummary(pipeline=name, run_id=run.run_id, status="completed", counts=run.counts,
                      seconds=time.perf_counter() - started)


@dataclass
class PartOutcome:
    counts: RunCounts
    split: bool = False     # stopped before its end: the rest is its halves' to sync


def sync_part(ctx: SyncContext, name: str, partition: Partition, *,
              stop: Callable[[], bool] | None = None,
              max_steps: int = 1_000_000) -> PartOutcome:
    """Sync one part of a pipeline's feed, for the run that holds its lock. ``stop``,
    asked between batches, ends it at a checkpoint and hands the rest to its halves
    (``PipelineRun.hand_to_halves``)."""
    run = PipelineRun(ctx, name, partition=partition)
    with run.started():
        split = _run_steps(run, None, max_steps, stop)
        if split:
            run.hand_to_halves()
    return PartOutcome(run.counts, split)


def _run_steps(run: PipelineRun, progress: Progress | None, max_steps: int,
               stop: Callable[[], bool] | None = None) -> bool:
    """Every step until done; True if ``stop`` said to stop first."""
    for label, step in run.steps():
        for _ in range(max_steps):
            if stop is not None and stop():
                return True
            result = step()
            if progress:
                progress(label, run.counts)
            if result.done:
                break
    return False


def error_text(exc: BaseException) -> str:
    """What a failed run records as its error: a TradeHubError's message (written
    for the person who reads it), else the exception's repr."""
    return exc.message if isinstance(exc, TradeHubError) else repr(exc)


def last_runs(ctx: SyncContext, name: str, limit: int = 10) -> list[SyncRun]:
    with ctx.sessions() as session:
        return list(session.scalars(select(SyncRun).where(SyncRun.pipeline == name)
                                    .order_by(SyncRun.id.desc()).limit(limit)))
