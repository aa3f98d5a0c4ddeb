"""Replaying dead letters once their cause is fixed (a mapping, a refused value).

A dead letter keeps the source record as it was read. Replaying observes it again
through the current mappings, exactly as if the source had sent it once more; the
``updated_at`` it was read with keeps an old copy from overwriting newer data.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select

from connectors.base import RemoteRecord
from hub.errors import NotFoundError
from hub.store.base import utcnow
from hub.store.tables import DeadLetter
from hub.sync.context import SyncContext
from hub.sync.counts import RunCounts
from hub.sync.engine import PipelineRun


def replay_dead_letters(ctx: SyncContext, pipeline: str,
                        ids: Sequence[int] | None = None) -> RunCounts:
    """Replay open dead letters of ``pipeline`` (all, or ``ids``); return what happened."""
    ctx.pipeline(pipeline)                     # unknown pipeline → ConfigError
    with ctx.sessions() as session, session.begin():
        query = select(DeadLetter).where(DeadLetter.pipeline == pipeline,
                                         DeadLetter.status == "open")
        if ids is not None:
            query = query.where(DeadLetter.id.in_(list(ids)))
        letters = list(session.scalars(query.order_by(DeadLetter.id)))
        if ids is not None and len(letters) != len(set(ids)):
            missing = sorted(set(ids) - {letter.id for letter in letters})
            raise NotFoundError(f"no open dead letters {missing} in pipeline '{pipeline}'")
        by_system: dict[str, list[RemoteRecord]] = defaultdict(list)
        for letter in letters:
            payload = letter.payload or {}
            if payload.get("raw") is None or not payload.get("system"):
                continue                       # nothing to replay from (e.g. a link clash)
            at = payload.get("updated_at")
            by_system[payload["system"]].append(RemoteRecord(
                remote_id=payload["remote_id"], data=payload["raw"],
                updated_at=datetime.fromisoformat(at) if at else None))
            letter.status = "replayed"
            letter.replayed_at = utcnow()
            letter.attempts += 1
    ctx.reload_mappings()
    run = PipelineRun(ctx, pipeline)
    with run.started():
        for system, records in sorted(by_system.items()):
            run.observe_records(system, records)
        for _ in range(len(letters) + 1):
            if run.reconcile_step().done:
                break
    return run.counts
