"""Reconciling: merge changes, write each side, checkpoint the results.

For a batch of records with changes: merge them against the hub's golden record
(``hub.sync.merge``), write what each side lacks through its connector (idempotent
upserts), then commit in one transaction the new golden records, each side's
snapshot and hash (for echo suppression), new links, parked conflicts, dead letters,
and the removal of the pending rows. A crash before that commit leaves the pending
rows in place, and the replay is harmless because writes are idempotent.

A one-way run skips the pending rows (``reconcile_batch``): the batch just read is
reconciled in memory and the source cursor commits in that same transaction, which
is DESIGN.md's checkpoint exactly. A crash before it re-reads the batch (and the next
one, which the engine may have written already); new records get the same derived hub
ids again, and idempotent upserts make the replay harmless.
"""

from __future__ import annotations

import logging
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError
from sqlalchemy.orm import Session

from connectors.base import OutboundRecord, RemoteRecord, WriteResult, as_models
from hub.errors import TradeHubError
from hub.models.validated import validated_dump
from hub.store.base import Document, Encoded
from hub.sync import state
from hub.sync.context import SyncContext
from hub.sync.counts import RunCounts
from hub.sync.ids import derived_key
from hub.sync.merge import MergeResult, SideView, merge
from hub.sync.normalize import canonical_bytes, content_hash, digest_of, normalise
from hub.sync.observe import (
    Change,
    Matched,
    Observation,
    dead_letter_unmapped,
    describe_error,
    match,
    save_pending,
)
from hub.sync.pipeline import DELETED_HASH, PipelineSpec

log = logging.getLogger(__name__)


@dataclass
class Plan:
    """What reconciling one record decided, and how its writes went."""

    hub_id: str
    pending: dict[str, Change]                               # system → its change
    remote_ids: dict[str, str]                               # system → remote id, if linked
    previous: dict[str, Any] | None = None                   # the golden record before
    merged: MergeResult | None = None
    key: str | None = None
    deletes: dict[str, str] = field(default_factory=dict)   # system → remote id
    failure: tuple[str, str, str] | None = None              # (system, code, message)
    retry_later: bool = False
    results: dict[str, WriteResult] = field(default_factory=dict)
    fresh: bool = False                                      # nothing stored about it yet


def reconcile(ctx: SyncContext, spec: PipelineSpec, hub_ids: Sequence[str]) -> RunCounts:
    """Reconcile the stored pending changes of these records."""
    if not hub_ids:
        return RunCounts()
    with ctx.sessions() as session:
        changes: dict[str, dict[str, Change]] = defaultdict(dict)
        for row in state.pending_rows(session, pipeline=spec.name, hub_ids=hub_ids):
            changes[row.hub_id][row.system] = Change(
                hub_id=row.hub_id, system=row.system, remote_id=row.remote_id,
                natural_key=row.natural_key, data=row.data, raw=row.raw, deleted=row.deleted,
                source_updated_at=row.source_updated_at, stored=True, persisted=True)
        plans = _plan(session, spec, hub_ids, changes)
    _write(ctx, spec, plans)
    with ctx.sessions() as session, session.begin():
        return _checkpoint(session, spec, plans)


Outbound = dict[str, list[tuple[Plan, OutboundRecord]]]
"""Per system, the records to write there and the plan each belongs to."""


@dataclass
class BatchWork:
    """One one-way batch on its way through plan → write → commit.

    Split in three so the engine can map the next batch while this one's target
    write is in flight; only ``commit`` touches the store's state.
    """

    system: str
    matched: Matched
    plans: list[Plan]
    failed: Sequence[tuple[RemoteRecord, Exception]]
    cursor: str | None
    feed: str                   # the name the cursor is kept under (``state.feed_name``)
    read: int
    outbound: Outbound
    touched: Touched


@dataclass(frozen=True)
class Touched:
    """What a batch's checkpoint may change that planning another batch reads."""

    remote_ids: frozenset[str]
    hub_ids: frozenset[str]
    keys: frozenset[str]

    def meets(self, other: Touched) -> bool:
        return bool(self.remote_ids & other.remote_ids or self.hub_ids & other.hub_ids
                    or self.keys & other.keys)


def plan_batch(ctx: SyncContext, spec: PipelineSpec, system: str,
               observed: Sequence[Observation],
               failed: Sequence[tuple[RemoteRecord, Exception]],
               *, cursor: str | None, feed: str | None = None) -> BatchWork:
    """Match, merge and map a batch for its write; reads the store, writes nothing.

    The engine may plan a batch while the previous one is still being written and
    committed. That plan is only kept if the two batches touch no common record,
    remote id or natural key (``Touched.meets``): planning reads nothing else that a
    checkpoint changes, so it is then what planning after the commit would give.
    """
    with ctx.sessions() as session:
        matched = match(session, spec, system, observed, derived_ids=True)
        plans = _plan(session, spec, list(matched.changes),
                      {h: {system: c} for h, c in matched.changes.items()}, matched.fresh)
    keys = {o.key for o in observed if o.key}
    keys.update(p.key for p in plans if p.key)
    keys.update(k for p in plans if p.previous is not None
                and (k := spec.key_of(p.previous)) is not None)
    touched = Touched(
        remote_ids=frozenset(o.record.remote_id for o in observed)
        | frozenset(r.remote_id for r, _ in failed),
        hub_ids=frozenset(p.hub_id for p in plans) | frozenset(h for h, _ in matched.links),
        keys=frozenset(keys))
    return BatchWork(system=system, matched=matched, plans=plans, failed=failed,
                     cursor=cursor, feed=feed or system, read=len(observed) + len(failed),
                     outbound=_prepare_writes(spec, plans), touched=touched)


def write_batch(ctx: SyncContext, spec: PipelineSpec, work: BatchWork) -> None:
    _send_writes(ctx, spec, work.plans, work.outbound)


def commit_batch(ctx: SyncContext, spec: PipelineSpec, work: BatchWork) -> RunCounts:
    """The batch's checkpoint: results, links, hashes, dead letters and the cursor."""
    counts = RunCounts(read=work.read)
    with ctx.sessions() as session, session.begin():
        counts.dead_lettered += dead_letter_unmapped(session, spec, work.system, work.failed)
        state.add_links(session, entity=spec.entity, system=work.system,
                        pairs=work.matched.links)
        counts.add(_checkpoint(session, spec, work.plans))
        state.set_cursor(session, pipeline=spec.name, system=work.feed, cursor=work.cursor)
    counts.unchanged += work.matched.unchanged
    return counts


def reconcile_batch(ctx: SyncContext, spec: PipelineSpec, system: str,
                    observed: Sequence[Observation],
                    failed: Sequence[tuple[RemoteRecord, Exception]],
                    *, cursor: str | None) -> RunCounts:
    """One-way: reconcile a batch as read, and commit it with the source cursor."""
    work = plan_batch(ctx, spec, system, observed, failed, cursor=cursor)
    write_batch(ctx, spec, work)
    return commit_batch(ctx, spec, work)


def _plan(session: Session, spec: PipelineSpec, hub_ids: Sequence[str],
          changes: dict[str, dict[str, Change]],
          fresh: set[str] | frozenset[str] = frozenset()) -> list[Plan]:
    """Decide each record's merge; ``fresh`` hub ids need no look-ups (nothing stored)."""
    entity = spec.entity
    stored = [h for h in hub_ids if h not in fresh]
    golden = state.golden_for(session, entity=entity, hub_ids=stored)
    sides = {s.system: state.side_states(session, entity=entity, system=s.system,
                                         hub_ids=stored) for s in spec.sides}
    links = {s.system: state.remote_ids_for_hub(session, entity=entity, system=s.system,
                                                hub_ids=stored) for s in spec.sides}
    projectors = {s.system: spec.projector(s.system) for s in spec.sides}
    forced: dict[str, dict[str, Any]] = defaultdict(dict)
    if stored:
        for conflict in state.resolved_conflicts(session, pipeline=spec.name, hub_ids=stored):
            forced[conflict.hub_id][conflict.field] = conflict.resolved_value

    plans: list[Plan] = []
    link_maps = list(links.items())
    for hub_id in hub_ids:
        # Plain loops, not comprehensions: each of those is a function made and
        # called per record, and this runs for every record a sync reads.
        remote_ids: dict[str, str] = {}
        for system, ids in link_maps:
            if hub_id in ids:
                remote_ids[system] = ids[hub_id]
        plan = Plan(hub_id=hub_id, pending=changes.get(hub_id, {}), previous=golden.get(hub_id),
                    remote_ids=remote_ids, fresh=hub_id in fresh)
        plans.append(plan)
        deleted: Change | None = None
        for row in plan.pending.values():
            if row.deleted:
                deleted = row
                break
        if deleted is not None:
            if spec.config.delete_policy != "ignore":
                other = spec.other(deleted.system).system
                if hub_id in links[other]:
                    plan.deletes[other] = links[other][hub_id]
            continue
        views = []
        for side in spec.sides:
            row = plan.pending.get(side.system)
            known = sides[side.system].get(hub_id)
            linked = hub_id in links[side.system]
            writes = side.writes if linked or spec.may_create_in(side.system) else frozenset()
            views.append(SideView(
                system=side.system, reads=side.reads, writes=writes,
                snapshot=known.snapshot if known else None,
                observed=row.data if row else None,
                observed_at=row.source_updated_at if row else None,
                linked=linked, project=projectors[side.system]))
        merged = merge(golden.get(hub_id), views, spec.policy, forced.get(hub_id))
        plan.key = _ensure_key(spec, plan.hub_id, merged)
        plan.merged = merged
    return plans


def _ensure_key(spec: PipelineSpec, hub_id: str, merged: MergeResult) -> str | None:
    """Every record gets a natural key before its first create anywhere.

    A single-field key the sources left empty is derived from the hub id and written
    to every side that takes it; a composite key (sku@warehouse) is never invented.
    """
    key = spec.key_of(merged.golden)
    if key is not None or len(spec.key_fields) != 1:
        return key
    [key_field] = spec.key_fields
    key = derived_key(hub_id)
    merged.golden = {**merged.golden, key_field: key}      # replaced: it may be shared
    for side in spec.sides:
        if key_field in side.writes:
            merged.writes[side.system] = merged.writes[side.system] | {key_field}
            if key_field in side.reads:
                merged.snapshots[side.system] = {**merged.snapshots[side.system],
                                                 key_field: key}
    return key


def _write(ctx: SyncContext, spec: PipelineSpec, plans: list[Plan]) -> None:
    _send_writes(ctx, spec, plans, _prepare_writes(spec, plans))


def _prepare_writes(spec: PipelineSpec, plans: list[Plan]) -> Outbound:
    """Each side's records to write, in its terms (a record that cannot be expressed
    there gets its ``failure``)."""
    to_write: dict[str, list[tuple[Plan, dict[str, Any]]]] = defaultdict(list)
    for plan in plans:
        if plan.merged is None or not plan.merged.changed:
            continue
        try:
            record = _typed_golden(spec, plan, plan.merged.golden)
        except ValidationError as exc:
            plan.failure = ("hub", *describe_error(exc))
            continue
        for side in spec.sides:
            if not plan.merged.writes.get(side.system):
                continue
            try:
                data = side.mapping.to_remote(record)
            except (TradeHubError, ValueError, TypeError, KeyError) as exc:
                plan.failure = (side.system, *describe_error(exc))
                break
            remote_id = plan.remote_ids.get(side.system)
            # An update names what it sends, so fields the mapping does not know survive.
            to_write[side.system].append((plan, {
                "hub_id": plan.hub_id, "remote_id": remote_id, "natural_key": plan.key or "",
                "data": data, "only_fields": sorted(data) if remote_id else None}))
    outbound: Outbound = defaultdict(list)
    for system, items in to_write.items():   # one call into pydantic-core per system
        records = as_models(OutboundRecord, (fields for _, fields in items))
        outbound[system] = [(plan, rec) for (plan, _), rec in zip(items, records, strict=True)]
    return outbound


def _golden_bytes(plan: Plan, golden: dict[str, Any]) -> bytes:
    """The golden record as stored: ``canonical_bytes``, which for a first sight are
    the bytes its digest was taken of (the golden record is the very dict read)."""
    for change in plan.pending.values():
        if change.encoded is not None and change.data is golden:
            return change.encoded
    return canonical_bytes(golden)


def _typed_golden(spec: PipelineSpec, plan: Plan, golden: dict[str, Any]) -> dict[str, Any]:
    """The golden record in the model's Python types, as mappings take it (validated).

    When it is exactly what a side just showed (every first sight is), that side's
    record was validated moments ago as it was mapped: its dump then is used instead of
    validating the same values a second time. Its fields outside ``golden`` are the
    model's defaults (a mapping fills only the fields it reads), except the
    bookkeeping, which a golden record never holds. The values are equal; an amount
    keeps the source's notation (25000.50 where the golden record says 25000.5). It
    shares nested lists and objects with ``golden``: a mapping never changes the
    record it maps (its targets cannot overlap, ``hub.mapping.validate``).
    """
    for change in plan.pending.values():
        if change.typed is not None and (change.data is golden or change.data == golden):
            return {**change.typed, "hub_id": plan.hub_id, "updated_at": None}
    return validated_dump(spec.model, {**golden, "hub_id": plan.hub_id})


def _send_writes(ctx: SyncContext, spec: PipelineSpec, plans: list[Plan],
                 outbound: Outbound) -> None:
    for system, items in outbound.items():
        ready = [(plan, rec) for plan, rec in items if plan.failure is None]
        if not ready:
            continue
        results = ctx.connector(system).upsert(spec.entity, [rec for _, rec in ready])
        for (plan, _), result in zip(ready, results, strict=True):
            plan.results[system] = result
            if result.outcome == "failed":
                if result.retriable:
                    plan.retry_later = True
                else:
                    plan.failure = (system, result.error_code or "refused",
                                    result.error or "refused by the target")
    deletes: dict[str, list[tuple[Plan, str]]] = defaultdict(list)
    for plan in plans:
        for system, remote_id in plan.deletes.items():
            deletes[system].append((plan, remote_id))
    archive = spec.config.delete_policy == "archive"
    for system, items in deletes.items():
        results = ctx.connector(system).delete(spec.entity, [rid for _, rid in items],
                                               archive=archive)
        for (plan, _), result in zip(items, results, strict=True):
            plan.results[system] = result
            if result.outcome == "failed" and not result.retriable:
                plan.failure = (system, result.error_code or "refused", result.error or "")


def _checkpoint(session: Session, spec: PipelineSpec, plans: list[Plan]) -> RunCounts:
    tally: Counter[str] = Counter()     # plain counters: a model's setattr costs a call
    outcomes: Counter[str] = Counter()  # of the writes
    entity = spec.entity
    sides = [(side.system, side.system in spec.read_from) for side in spec.sides]
    golden_rows: list[tuple[str, str | None, Document]] = []
    side_rows: dict[str, list[Any]] = defaultdict(list)
    new_links: dict[str, list[tuple[str, str]]] = defaultdict(list)
    done: list[tuple[str, str]] = []
    deferred: list[Change] = []
    resolved: list[str] = []
    outbox: list[dict[str, Any]] = []
    for plan in plans:
        if plan.retry_later:
            tally["deferred"] += 1        # kept (or now stored) as pending for a later run
            deferred.extend(c for c in plan.pending.values() if not c.persisted)
            continue
        deleted: list[str] = []           # the systems that showed the record deleted
        for system, change in plan.pending.items():
            if change.stored:
                done.append((plan.hub_id, system))
            if change.deleted:
                deleted.append(system)
        if plan.failure is not None:
            _dead_letter(session, spec, plan)
            tally["dead_lettered"] += 1
            continue
        for system, result in plan.results.items():
            outcomes[result.outcome] += 1
            if result.remote_id and system not in plan.remote_ids:
                new_links[system].append((plan.hub_id, result.remote_id))
        if plan.deletes or deleted:
            for system in {*plan.deletes, *deleted}:
                side_rows[system].append((plan.hub_id, DELETED_HASH, None, None, True))
            outbox.append({"entity": entity, "hub_id": plan.hub_id, "op": "delete",
                           "pipeline": spec.name, "data": None})
            continue
        merged = plan.merged
        assert merged is not None
        if not plan.results:
            tally["unchanged"] += 1
        for conflict in merged.conflicts:
            tally["conflicts"] += 1
            if conflict.chosen is None:
                state.park_conflict(session, pipeline=spec.name, entity=entity,
                                    hub_id=plan.hub_id, field=conflict.field,
                                    values=normalise(conflict.values))
        golden = Encoded(_golden_bytes(plan, merged.golden))   # stored up to three times
        golden_rows.append((plan.hub_id, plan.key, golden))
        if merged.golden != plan.previous:
            outbox.append({"entity": entity, "hub_id": plan.hub_id,
                           "op": "create" if plan.previous is None else "update",
                           "pipeline": spec.name, "data": golden})
        for system, read in sides:
            row = plan.pending.get(system)
            written = bool(merged.writes.get(system))
            if (row is None and not written) or not read:
                continue                  # a side never read needs no echo bookkeeping
            snapshot = merged.snapshots[system]
            # (``is`` first: a first sight's snapshot is the very dict read, and golden)
            same = snapshot is merged.golden or snapshot == merged.golden
            if row is not None and row.digest and (snapshot is row.data or snapshot == row.data):
                digest = row.digest
            else:                         # the golden record's bytes, when it is the same
                digest = digest_of(golden.data) if same else content_hash(snapshot)
            side_rows[system].append((plan.hub_id, digest, golden if same else snapshot,
                                      row.source_updated_at if row else None, written))
        if not plan.fresh:
            resolved.append(plan.hub_id)
    state.save_golden(session, entity=entity, records=golden_rows)
    for system, rows in side_rows.items():
        state.save_side_states(session, entity=entity, system=system, states=rows)
    for system, pairs in new_links.items():
        state.add_links(session, entity=entity, system=system,
                        pairs=_unclaimed(session, spec, system, pairs))
    if resolved:
        for conflict in state.resolved_conflicts(session, pipeline=spec.name, hub_ids=resolved):
            conflict.status = "applied"
    state.delete_pending(session, pipeline=spec.name, keys=done)
    save_pending(session, spec, deferred)
    state.add_outbox(session, outbox)
    return RunCounts(created=outcomes["created"], updated=outcomes["updated"],
                     deleted=outcomes["deleted"], **tally)


def _unclaimed(session: Session, spec: PipelineSpec, system: str,
               pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Drop links whose remote id another hub id already holds, and say so."""
    claimed = state.hub_ids_for_remote(session, entity=spec.entity, system=system,
                                       remote_ids=[remote for _, remote in pairs])
    kept = []
    for hub_id, remote_id in pairs:
        owner = claimed.get(remote_id)
        if owner is None:
            kept.append((hub_id, remote_id))
            claimed[remote_id] = hub_id
        elif owner != hub_id:
            log.error("remote record already linked to another hub record",
                      extra={"pipeline": spec.name, "system": system, "remote_id": remote_id,
                             "hub_id": hub_id, "linked_hub_id": owner})
            state.add_dead_letter(
                session, pipeline=spec.name, entity=spec.entity, source_system=system,
                target_system=system, remote_id=remote_id, hub_id=hub_id,
                payload={"stage": "link", "system": system, "remote_id": remote_id},
                error_code="already-linked",
                error=f"{system} record {remote_id} is already linked to hub record {owner}")
    return kept


def _dead_letter(session: Session, spec: PipelineSpec, plan: Plan) -> None:
    assert plan.failure is not None
    system, code, message = plan.failure
    source = next(iter(plan.pending.values()), None)
    state.add_dead_letter(
        session, pipeline=spec.name, entity=spec.entity,
        source_system=source.system if source else spec.sides[0].system,
        target_system=system, remote_id=source.remote_id if source else None,
        hub_id=plan.hub_id,
        payload={"stage": "outbound", "system": source.system if source else None,
                 "remote_id": source.remote_id if source else None,
                 "raw": source.raw if source else None,
                 "updated_at": source.source_updated_at.isoformat()
                 if source and source.source_updated_at else None,
                 "canonical": plan.merged.golden if plan.merged else None},
        error_code=code, error=message)
    log.warning("record dead-lettered", extra={"pipeline": spec.name, "hub_id": plan.hub_id,
                                               "target": system, "code": code})
