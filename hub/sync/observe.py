"""Reading changes: map each remote record, drop echoes, persist what is new.

One batch from one side is mapped to canonical form, matched to hub ids (links
first, then natural keys), compared with what the hub last wrote to or saw on that
side (echo suppression), and stored as pending changes, committed together with the
source cursor. Records that cannot be mapped become dead letters; the run goes on.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy.orm import Session

from connectors.base import RemoteRecord
from hub.errors import TradeHubError
from hub.models import new_hub_id
from hub.store.base import utcnow
from hub.sync import state
from hub.sync.counts import RunCounts
from hub.sync.normalize import canonical_json, content_hash
from hub.sync.pipeline import DELETED_HASH, PipelineSpec

log = logging.getLogger(__name__)
UNLINKED = "-"


@dataclass
class Observation:
    record: RemoteRecord
    data: dict[str, Any] | None      # normalised canonical fields; None for a delete
    digest: str
    key: str | None

    @property
    def deleted(self) -> bool:
        return self.data is None


def describe_error(exc: Exception) -> tuple[str, str]:
    if isinstance(exc, ValidationError):
        parts = [f"{'.'.join(str(p) for p in e['loc']) or '(record)'}: {e['msg']}"
                 for e in exc.errors()]
        return "invalid-record", "; ".join(parts)
    if isinstance(exc, TradeHubError):
        return exc.code, exc.message
    return type(exc).__name__, str(exc)


def map_records(spec: PipelineSpec, system: str, records: Sequence[RemoteRecord],
                ) -> tuple[list[Observation], list[tuple[RemoteRecord, Exception]]]:
    side = spec.side(system)
    observed: list[Observation] = []
    failed: list[tuple[RemoteRecord, Exception]] = []
    for record in records:
        if record.deleted:
            observed.append(Observation(record, None, DELETED_HASH, None))
            continue
        try:
            canonical = side.mapping.to_canonical(record.data)
            canonical.setdefault("hub_id", UNLINKED)     # not yet known; saves a uuid4 each
            model = spec.model.model_validate(canonical)
        except (ValidationError, TradeHubError, ValueError, TypeError, KeyError) as exc:
            failed.append((record, exc))
            continue
        data = canonical_json(model, side.reads)
        observed.append(Observation(record, data, content_hash(data), spec.key_of(data)))
    return observed, failed


def store_observations(session: Session, spec: PipelineSpec, system: str,
                       observed: Sequence[Observation],
                       failed: Sequence[tuple[RemoteRecord, Exception]]) -> RunCounts:
    """Persist one batch's observations (caller commits them with the cursor)."""
    counts = RunCounts(read=len(observed) + len(failed))
    entity, target = spec.entity, spec.other(system).system
    for record, exc in failed:
        code, message = describe_error(exc)
        state.add_dead_letter(session, pipeline=spec.name, entity=entity, source_system=system,
                              target_system=target, remote_id=record.remote_id, hub_id=None,
                              payload={"stage": "inbound", "system": system,
                                       "remote_id": record.remote_id, "raw": record.data,
                                       "updated_at": _iso(record.updated_at)},
                              error_code=code, error=message)
        counts.dead_lettered += 1
        log.warning("record dead-lettered", extra={"pipeline": spec.name, "system": system,
                                                   "remote_id": record.remote_id, "code": code})

    links = state.hub_ids_for_remote(session, entity=entity, system=system,
                                     remote_ids=[o.record.remote_id for o in observed])
    _link_new_records(session, spec, system, observed, links)

    hub_ids = [links[o.record.remote_id] for o in observed if o.record.remote_id in links]
    sides = state.side_states(session, entity=entity, system=system, hub_ids=hub_ids,
                              with_snapshot=False)
    pending_at = state.pending_for(session, pipeline=spec.name, system=system, hub_ids=hub_ids)
    seq = state.max_pending_seq(session, pipeline=spec.name)
    now = utcnow()
    rows: dict[str, dict[str, Any]] = {}
    for observation in observed:
        hub_id = links.get(observation.record.remote_id)
        known = sides.get(hub_id) if hub_id else None
        if hub_id is None or (known and known.hash == observation.digest):
            counts.unchanged += 1           # an echo of our own write, or nothing new
            continue
        if _is_stale(observation.record.updated_at, known.source_updated_at if known else None,
                     pending_at.get(hub_id)):
            counts.unchanged += 1           # older than what the hub already has
            continue
        seq += 1
        rows[hub_id] = {
            "pipeline": spec.name, "hub_id": hub_id, "system": system, "seq": seq,
            "remote_id": observation.record.remote_id, "natural_key": observation.key,
            "data": observation.data, "raw": observation.record.data,
            "deleted": observation.deleted, "source_updated_at": observation.record.updated_at,
            "observed_at": now,
        }
    state.save_pending(session, list(rows.values()))
    return counts


def _iso(at: datetime | None) -> str | None:
    return at.isoformat() if at else None


def _is_stale(at: datetime | None, *known: datetime | None) -> bool:
    return at is not None and any(k is not None and at < k for k in known)


def _link_new_records(session: Session, spec: PipelineSpec, system: str,
                      observed: Sequence[Observation], links: dict[str, str]) -> None:
    """Give unlinked records a hub id: an existing one with the same natural key, or new."""
    unlinked = [o for o in observed if o.record.remote_id not in links and not o.deleted]
    if not unlinked:
        return
    keys = [o.key for o in unlinked if o.key]
    by_key = state.hub_ids_by_natural_key(session, entity=spec.entity, pipeline=spec.name,
                                          keys=keys) if keys else {}
    taken = state.remote_ids_for_hub(session, entity=spec.entity, system=system,
                                     hub_ids=list(by_key.values()))
    pairs: list[tuple[str, str]] = []
    claimed: set[str] = set(taken)
    for observation in unlinked:
        remote_id = observation.record.remote_id
        if remote_id in links:              # the same record twice in one batch
            continue
        hub_id = by_key.get(observation.key) if observation.key else None
        if hub_id is None or hub_id in claimed:
            hub_id = new_hub_id()
        claimed.add(hub_id)
        links[remote_id] = hub_id
        pairs.append((hub_id, remote_id))
    state.add_links(session, entity=spec.entity, system=system, pairs=pairs)
