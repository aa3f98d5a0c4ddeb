"""Pushed changes (webhooks) enter the same engine as polled ones.

An event becomes a ``RemoteRecord`` observed on every pipeline that reads its system
and entity, then those records are reconciled at once. Everything the change feed
path guarantees (links, echo suppression, ownership, dead letters, stale-event
skipping by ``updated_at``) holds here too, because it is the same code.
"""

from __future__ import annotations

from collections.abc import Sequence

from connectors.base import ChangeEvent, RemoteRecord
from hub.sync.context import SyncContext
from hub.sync.counts import RunCounts
from hub.sync.engine import PipelineRun


def pipelines_reading(ctx: SyncContext, system: str, entity: str) -> list[str]:
    names = []
    for name, pipeline in ctx.config.pipelines.items():
        if not pipeline.enabled or pipeline.entity != entity:
            continue
        if pipeline.source == system or (pipeline.direction == "two_way"
                                          and pipeline.target == system):
            names.append(name)
    return sorted(names)


def as_records(events: Sequence[ChangeEvent]) -> list[RemoteRecord]:
    return [RemoteRecord(remote_id=e.remote_id, data=e.data or {}, updated_at=e.occurred_at,
                         deleted=e.kind == "delete") for e in events]


def apply_events(ctx: SyncContext, system: str, events: Sequence[ChangeEvent]) -> RunCounts:
    """Apply pushed events now; raises ``PipelineBusyError`` if a pipeline is running.

    The caller (the inbox worker) keeps the events and tries again later in that case.
    """
    total = RunCounts()
    by_entity: dict[str, list[ChangeEvent]] = {}
    for event in events:
        by_entity.setdefault(event.entity, []).append(event)
    for entity, entity_events in sorted(by_entity.items()):
        records = as_records(entity_events)
        for name in pipelines_reading(ctx, system, entity):
            run = PipelineRun(ctx, name)
            with run.started():
                run.observe_records(system, records)
                for _ in range(len(records) + 1):
                    if run.reconcile_step().done:
                        break
            total.add(run.counts)
    return total
