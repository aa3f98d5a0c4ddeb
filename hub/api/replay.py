"""Replaying a dead letter: observe its raw record again and reconcile, as a webhook would.

Used after the cause was fixed (a mapping change, a missing customer in the target).
The dead letter is marked ``replayed``; if the record fails again, the engine writes
a new dead letter with the new error, so the history stays readable.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from connectors.base import RemoteRecord
from hub.api.problems import Conflicting, RecordNotFound
from hub.store.base import utcnow
from hub.store.tables import DeadLetter
from hub.sync.context import SyncContext
from hub.sync.counts import RunCounts
from hub.sync.engine import PipelineRun

MAX_RECONCILE_STEPS = 100


def replay_dead_letter(ctx: SyncContext, dead_letter_id: int) -> tuple[DeadLetter, RunCounts]:
    with ctx.sessions() as session:
        letter = _get(session, dead_letter_id)
        if letter.status != "open":
            raise Conflicting(f"dead letter {dead_letter_id} is {letter.status}, not open")
        payload = letter.payload if isinstance(letter.payload, dict) else {}
        system = payload.get("system") or letter.source_system
        raw = payload.get("raw")
        remote_id = payload.get("remote_id") or letter.remote_id
        pipeline = letter.pipeline
    if not isinstance(raw, dict) or remote_id is None:
        raise Conflicting(f"dead letter {dead_letter_id} holds no raw record to replay "
                          f"(stage '{payload.get('stage')}')")
    if pipeline not in ctx.config.pipelines:
        raise Conflicting(f"pipeline '{pipeline}' is no longer in hub.yaml")
    run = PipelineRun(ctx, pipeline)
    with run.started():
        run.observe_records(system, [RemoteRecord(remote_id=str(remote_id), data=raw)])
        for _ in range(MAX_RECONCILE_STEPS):
            if run.reconcile_step().done:
                break
    with ctx.sessions() as session, session.begin():
        letter = _get(session, dead_letter_id)
        letter.status = "replayed"
        letter.replayed_at = utcnow()
        letter.attempts += 1
    return letter, run.counts


def _get(session: Session, dead_letter_id: int) -> DeadLetter:
    letter = session.get(DeadLetter, dead_letter_id)
    if letter is None:
        raise RecordNotFound(f"no dead letter {dead_letter_id}")
    return letter
