"""Replaying a dead letter: observe its raw record again and reconcile, as a webhook would.

Used after the cause was fixed (a mapping change, a missing customer in the target).
The dead letter is marked ``replayed``; if the record fails again, the engine writes
a new dead letter with the new error, so the history stays readable.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from hub.api.problems import Conflicting, RecordNotFound
from hub.store.tables import DeadLetter
from hub.sync.context import SyncContext
from hub.sync.counts import RunCounts
from hub.sync.replay import replay_dead_letters


def replay_dead_letter(ctx: SyncContext, dead_letter_id: int) -> tuple[DeadLetter, RunCounts]:
    """Check that the letter can be replayed (409s for the admin API), then replay it."""
    with ctx.sessions() as session:
        letter = _get(session, dead_letter_id)
        if letter.status != "open":
            raise Conflicting(f"dead letter {dead_letter_id} is {letter.status}, not open")
        payload = letter.payload if isinstance(letter.payload, dict) else {}
        pipeline = letter.pipeline
    if not isinstance(payload.get("raw"), dict) or not payload.get("remote_id"):
        raise Conflicting(f"dead letter {dead_letter_id} holds no raw record to replay "
                          f"(stage '{payload.get('stage')}')")
    if pipeline not in ctx.config.pipelines:
        raise Conflicting(f"pipeline '{pipeline}' is no longer in hub.yaml")
    counts = replay_dead_letters(ctx, pipeline, ids=[dead_letter_id])
    with ctx.sessions() as session:
        return _get(session, dead_letter_id), counts


def _get(session: Session, dead_letter_id: int) -> DeadLetter:
    letter = session.get(DeadLetter, dead_letter_id)
    if letter is None:
        raise RecordNotFound(f"no dead letter {dead_letter_id}")
    return letter
