"""Admin endpoints: pipelines, runs, links, conflicts, dead letters, inbox.

Thin reads over the store plus the few actions an administrator takes (resolve a
conflict, replay a dead letter, reprocess an inbox event). Lists are newest first
and paged with ``before_id``. Everything here needs the admin token.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any, Literal, TypeVar

from fastapi import APIRouter, Depends, Path, Query
from pydantic import BaseModel
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from hub.api.problems import Conflicting, InvalidRequest, RecordNotFound, problem_responses
from hub.api.replay import replay_dead_letter
from hub.api.runtime import HubRuntime, get_runtime
from hub.api.schemas import (
    ConflictResolution,
    ConflictView,
    CursorView,
    DeadLetterView,
    InboxView,
    LinkLookup,
    LinkView,
    Page,
    PipelineView,
    ReplayResult,
    RunView,
)
from hub.api.security import require_admin
from hub.store.base import utcnow
from hub.store.tables import (
    Conflict,
    Cursor,
    DeadLetter,
    InboxEvent,
    Link,
    PendingChange,
    PipelineLock,
    SyncRun,
)
from hub.sync.config import PipelineConfig

router = APIRouter(prefix="/admin", tags=["admin"], dependencies=[Depends(require_admin)],
                   responses=problem_responses(401, 503))

Runtime = Annotated[HubRuntime, Depends(get_runtime)]
Limit = Annotated[int, Query(ge=1, le=500, description="Items per page.")]
BeforeId = Annotated[int | None, Query(ge=1, le=2**31 - 1,
                                            description="Only items older than this id.")]
Id = Annotated[int, Path(ge=1, le=2**31 - 1)]
Name = Annotated[str, Path(min_length=1, max_length=100)]
OptName = Annotated[str | None, Query(max_length=100)]
V = TypeVar("V", bound=BaseModel)


def _page(session: Session, query: Select[Any], column: Any, view: type[V], limit: int,
          before_id: int | None) -> Page[V]:
    if before_id is not None:
        query = query.where(column < before_id)
    rows = list(session.scalars(query.order_by(column.desc()).limit(limit + 1)))
    items = [view.model_validate(r) for r in rows[:limit]]
    more = len(rows) > limit
    next_id = rows[limit - 1].id if more else None
    return Page[view](items=items, next_before_id=next_id)  # type: ignore[valid-type]


# -- pipelines and runs ----------------------------------------------------------------
def _pipeline_view(session: Session, name: str, config: PipelineConfig) -> PipelineView:
    pending = session.scalar(select(func.count()).select_from(PendingChange)
                             .where(PendingChange.pipeline == name)) or 0
    lock = session.get(PipelineLock, name)
    runs = session.scalars(select(SyncRun).where(SyncRun.pipeline == name)
                           .order_by(SyncRun.id.desc()).limit(5))
    cursors = session.scalars(select(Cursor).where(Cursor.pipeline == name)
                              .order_by(Cursor.system))
    return PipelineView(
        name=name, entity=config.entity, source=config.source, target=config.target,
        direction=config.direction, conflict_policy=config.conflict_policy,
        delete_policy=config.delete_policy, enabled=config.enabled,
        config=config.model_dump(mode="json"), pending=int(pending),
        running=lock is not None and lock.expires_at > utcnow(),
        cursors=[CursorView(system=c.system, cursor=c.cursor, updated_at=c.updated_at)
                 for c in cursors],
        last_runs=[RunView.model_validate(r) for r in runs])


@router.get("/pipelines", response_model=list[PipelineView],
            summary="Every pipeline with its state: pending changes, cursors, last runs")
def list_pipelines(runtime: Runtime) -> list[PipelineView]:
    ctx = runtime.context()
    with ctx.sessions() as session:
        return [_pipeline_view(session, name, config)
                for name, config in sorted(ctx.config.pipelines.items())]


@router.get("/pipelines/{name}", response_model=PipelineView,
            responses=problem_responses(404))
def get_pipeline(name: Name, runtime: Runtime) -> PipelineView:
    ctx = runtime.context()
    config = ctx.config.pipelines.get(name)
    if config is None:
        raise RecordNotFound(f"no pipeline '{name}'; pipelines: "
                             f"{', '.join(sorted(ctx.config.pipelines)) or 'none'}")
    with ctx.sessions() as session:
        return _pipeline_view(session, name, config)


@router.get("/runs", response_model=Page[RunView], summary="Pipeline runs, newest first")
def list_runs(runtime: Runtime, pipeline: OptName = None, limit: Limit = 50,
              before_id: BeforeId = None) -> Page[RunView]:
    query = select(SyncRun)
    if pipeline:
        query = query.where(SyncRun.pipeline == pipeline)
    with runtime.context().sessions() as session:
        return _page(session, query, SyncRun.id, RunView, limit, before_id)


@router.get("/runs/{run_id}", response_model=RunView, responses=problem_responses(404))
def get_run(run_id: Id, runtime: Runtime) -> RunView:
    with runtime.context().sessions() as session:
        run = session.get(SyncRun, run_id)
        if run is None:
            raise RecordNotFound(f"no run {run_id}")
        return RunView.model_validate(run)


# -- links -----------------------------------------------------------------------------
@router.get("/links/{entity}/{hub_id}", response_model=LinkLookup,
            responses=problem_responses(404), summary="Which remote ids a hub id has")
def links_of_hub_id(entity: Name, hub_id: Name, runtime: Runtime) -> LinkLookup:
    with runtime.context().sessions() as session:
        links = list(session.scalars(select(Link).where(Link.entity == entity,
                                                        Link.hub_id == hub_id)
                                     .order_by(Link.system)))
    if not links:
        raise RecordNotFound(f"no {entity} with hub id '{hub_id}' is linked anywhere")
    return LinkLookup(entity=entity, hub_id=hub_id,
                      links=[LinkView.model_validate(link) for link in links])


@router.get("/links/{entity}/by-remote/{system}/{remote_id}", response_model=LinkLookup,
            responses=problem_responses(404),
            summary="The hub id of a remote record, and its other remote ids")
def links_of_remote_id(entity: Name, system: Name, remote_id: Annotated[str, Path(
        min_length=1, max_length=200)], runtime: Runtime) -> LinkLookup:
    with runtime.context().sessions() as session:
        hub_id = session.scalar(select(Link.hub_id).where(
            Link.entity == entity, Link.system == system, Link.remote_id == remote_id))
        if hub_id is None:
            raise RecordNotFound(f"{system} {entity} '{remote_id}' is not linked to the hub")
        links = list(session.scalars(select(Link).where(Link.entity == entity,
                                                        Link.hub_id == hub_id)
                                     .order_by(Link.system)))
    return LinkLookup(entity=entity, hub_id=hub_id,
                      links=[LinkView.model_validate(link) for link in links])


# -- conflicts -------------------------------------------------------------------------
ConflictStatus = Literal["open", "resolved", "applied"]


@router.get("/conflicts", response_model=Page[ConflictView])
def list_conflicts(runtime: Runtime, status: ConflictStatus | None = None,
                   pipeline: OptName = None, limit: Limit = 50,
                   before_id: BeforeId = None) -> Page[ConflictView]:
    query = select(Conflict)
    if status:
        query = query.where(Conflict.status == status)
    if pipeline:
        query = query.where(Conflict.pipeline == pipeline)
    with runtime.context().sessions() as session:
        return _page(session, query, Conflict.id, ConflictView, limit, before_id)


@router.post("/conflicts/{conflict_id}/resolve", response_model=ConflictView,
             responses=problem_responses(404, 409, 422),
             summary="Decide a parked conflict; the next run of its pipeline applies it")
def resolve_conflict(conflict_id: Id, body: ConflictResolution, runtime: Runtime
                     ) -> ConflictView:
    with runtime.context().sessions() as session, session.begin():
        conflict = session.get(Conflict, conflict_id)
        if conflict is None:
            raise RecordNotFound(f"no conflict {conflict_id}")
        if conflict.status != "open":
            raise Conflicting(f"conflict {conflict_id} is already {conflict.status}")
        value = body.value
        if body.system is not None:
            values = conflict.values if isinstance(conflict.values, dict) else {}
            if body.system not in values:
                raise InvalidRequest(f"'{body.system}' is not a side of this conflict; "
                                     f"sides: {', '.join(sorted(values))}", field="system")
            value = values[body.system]
        conflict.status = "resolved"
        conflict.resolved_value = value
        conflict.resolved_at = utcnow()
        session.flush()
        return ConflictView.model_validate(conflict)


# -- dead letters ----------------------------------------------------------------------
DeadLetterStatus = Literal["open", "replayed", "discarded"]


@router.get("/dead-letters", response_model=Page[DeadLetterView])
def list_dead_letters(runtime: Runtime, status: DeadLetterStatus | None = None,
                      pipeline: OptName = None, limit: Limit = 50,
                      before_id: BeforeId = None) -> Page[DeadLetterView]:
    query = select(DeadLetter)
    if status:
        query = query.where(DeadLetter.status == status)
    if pipeline:
        query = query.where(DeadLetter.pipeline == pipeline)
    with runtime.context().sessions() as session:
        return _page(session, query, DeadLetter.id, DeadLetterView, limit, before_id)


@router.post("/dead-letters/{dead_letter_id}/replay", response_model=ReplayResult,
             responses=problem_responses(404, 409),
             summary="Run a dead letter's record through its pipeline again")
async def replay(dead_letter_id: Id, runtime: Runtime) -> ReplayResult:
    letter, counts = await run_in_threadpool(replay_dead_letter, runtime.context(),
                                             dead_letter_id)
    runtime.outbox_wakeup.set()
    return ReplayResult(dead_letter=DeadLetterView.model_validate(letter), counts=counts)


# -- inbox -----------------------------------------------------------------------------
InboxStatus = Literal["pending", "processed", "failed"]


def _inbox_view(row: InboxEvent | Any) -> InboxView:
    return InboxView(id=row.id, system=row.system, event_id=row.event_id, status=row.status,
                     attempts=row.attempts, error=row.error, received_at=row.received_at,
                     processed_at=row.processed_at, size=int(row.size))


_INBOX_COLUMNS: Sequence[Any] = (InboxEvent.id, InboxEvent.system, InboxEvent.event_id,
                                 InboxEvent.status, InboxEvent.attempts, InboxEvent.error,
                                 InboxEvent.received_at, InboxEvent.processed_at,
                                 func.length(InboxEvent.body).label("size"))


@router.get("/inbox", response_model=Page[InboxView],
            summary="Received webhook events and their processing state")
def list_inbox(runtime: Runtime, status: InboxStatus | None = None, system: OptName = None,
               limit: Limit = 50, before_id: BeforeId = None) -> Page[InboxView]:
    query = select(*_INBOX_COLUMNS)
    if status:
        query = query.where(InboxEvent.status == status)
    if system:
        query = query.where(InboxEvent.system == system)
    if before_id is not None:
        query = query.where(InboxEvent.id < before_id)
    with runtime.context().sessions() as session:
        rows = session.execute(query.order_by(InboxEvent.id.desc()).limit(limit + 1)).all()
    more = len(rows) > limit
    return Page[InboxView](items=[_inbox_view(r) for r in rows[:limit]],
                           next_before_id=rows[limit - 1].id if more else None)


@router.post("/inbox/{inbox_id}/reprocess", response_model=InboxView,
             responses=problem_responses(404),
             summary="Put an event back in the queue (after fixing why it failed)")
def reprocess(inbox_id: Id, runtime: Runtime) -> InboxView:
    with runtime.context().sessions() as session, session.begin():
        row = session.get(InboxEvent, inbox_id)
        if row is None:
            raise RecordNotFound(f"no inbox event {inbox_id}")
        row.status = "pending"
        row.error = None
        row.attempts = 0
        row.processed_at = None
        session.flush()
        view = InboxView(id=row.id, system=row.system, event_id=row.event_id,
                         status=row.status, attempts=row.attempts, error=row.error,
                         received_at=row.received_at, processed_at=row.processed_at,
                         size=len(row.body))
    runtime.inbox_wakeup.set()
    return view
