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

from sqlalchemy import select

from connectors.base import Batch, RemoteRecord
from hub.errors import TradeHubError
from hub.gctune import relaxed_collector
from hub.store.base import utcnow
from hub.store.tables import SyncRun
from hub.sync import lock, state
from hub.sync.context import SyncContext
from hub.sync.counts import RunCounts, RunSummary, StepResult
from hub.sync.observe import Observation, map_records, store_observations
from hub.sync.pipeline import PipelineSpec
from hub.sync.prefetch import Prefetch
from hub.sync.reconcile import BatchWork, commit_batch, plan_batch, reconcile, write_batch

log = logging.getLogger(__name__)

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
    """One run of one pipeline; hold it inside ``started()``."""

    def __init__(self, ctx: SyncContext, name: str) -> None:
        self.ctx = ctx
        self.spec = PipelineSpec.build(ctx, name)
        self.counts = RunCounts()
        self.run_id: int | None = None
        self._holder: str | None = None
        self._readers: dict[str, Prefetch[Batch]] = {}
        self._ahead: dict[str, Ahead | None] = {}       # the next batch, mapped (and planned)
        self._writer: ThreadPoolExecutor | None = None
        self._written: Written | None = None         # a batch written, not yet committed

    @property
    def name(self) -> str:
        return self.spec.name

    @contextmanager
    def started(self, flow_run_id: str | None = None) -> Iterator[PipelineRun]:
        sessions = self.ctx.sessions
        self._holder = lock.new_holder()
        lock.acquire(sessions, self.name, self._holder)
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
                error = exc.message if isinstance(exc, TradeHubError) else repr(exc)
                raise
            finally:
                for system in list(self._readers):
                    self._drop_reader(system)
                if self._writer is not None:
                    self._writer.shutdown(wait=True)
                    self._writer = None
                self._finish(error)
                lock.release(sessions, self.name, self._holder)

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
        if self._holder:
            lock.refresh(self.ctx.sessions, self.name, self._holder)

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
                                  cursor=batch.cursor)
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
                              cursor=batch.cursor)
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
            with self.ctx.sessions() as session:
                cursor = state.get_cursor(session, pipeline=self.name, system=system)
            reader = Prefetch(iter(self.ctx.connector(system).read_changes(
                self.spec.entity, cursor, batch_size=self.spec.config.batch_size)),
                name=f"read-{self.name}-{system}")
            self._readers[system] = reader
        return reader

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

    def steps(self) -> Iterator[tuple[str, StepFn]]:
        """The run's steps in order: (label, step); a step is repeated until done."""
        one_way = self.spec.config.direction == "one_way"
        for system in self.spec.read_from:
            if one_way:      # each batch reconciled as read: memory and latency stay flat
                yield f"sync {system}", lambda system=system: self.sync_step(system)
            else:
                yield f"read {system}", lambda system=system: self.observe_step(system)
        yield "reconcile", self.reconcile_step
        yield "resolutions", self.resolutions_step


def run_pipeline(ctx: SyncContext, name: str, *, progress: Progress | None = None,
                 flow_run_id: str | None = None, max_steps: int = 1_000_000) -> RunSummary:
    """Run every step of a pipeline until each is done; the plain-Python runner."""
    started = time.perf_counter()
    progress = progress or progress_hook.get()
    run = PipelineRun(ctx, name)
    with run.started(flow_run_id=flow_run_id):
        for label, step in run.steps():
            for _ in range(max_steps):
                result = step()
                if progress:
                    progress(label, run.counts)
                if result.done:
                    break
    assert run.run_id is not None
    return RunSummary(pipeline=name, run_id=run.run_id, status="completed", counts=run.counts,
                      seconds=time.perf_counter() - started)


def last_runs(ctx: SyncContext, name: str, limit: int = 10) -> list[SyncRun]:
    with ctx.sessions() as session:
        return list(session.scalars(select(SyncRun).where(SyncRun.pipeline == name)
                                    .order_by(SyncRun.id.desc()).limit(limit)))
