"""Reading changes: map each remote record, drop echoes, keep what is new.

One batch from one side is mapped to canonical form, matched to hub ids (links
first, then natural keys), and compared with what the hub last wrote to or saw on
that side (echo suppression). What is left are ``Change`` objects: a two-way run
stores them as pending changes, committed together with the source cursor; a
one-way run reconciles them at once and commits them with the target results (see
``hub.sync.reconcile``). Records that cannot be mapped become dead letters; the run
goes on.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ValidationError
from sqlalchemy.orm import Session

from connectors.base import RemoteRecord
from hub.errors import TradeHubError
from hub.mapping.load import CompiledMapping
from hub.models import new_hub_id
from hub.models.validated import validated_dump
from hub.store.base import utcnow
from hub.sync import state
from hub.sync.counts import RunCounts
from hub.sync.ids import derived_hub_id
from hub.sync.normalize import canonical_bytes, canonical_json, digest_of
from hub.sync.pipeline import DELETED_HASH, PipelineSpec

log = logging.getLogger(__name__)
UNLINKED = "-"


@dataclass
class Observation:
    record: RemoteRecord
    data: dict[str, Any] | None      # normalised canonical fields; None for a delete
    digest: str
    key: str | None
    typed: dict[str, Any] | None = None
    """The validated canonical record ``data`` came from, in the model's Python types
    (its ``model_dump()``)."""
    encoded: bytes | None = None
    """``data`` as ``canonical_bytes`` wrote it for the digest: a first sight stores
    these very bytes as the golden record."""

    @property
    def deleted(self) -> bool:
        return self.data is None


@dataclass
class Change:
    """One side's change to one record, waiting to be reconciled."""

    hub_id: str
    system: str
    remote_id: str
    natural_key: str | None
    data: dict[str, Any] | None
    raw: dict[str, Any] | None
    deleted: bool
    source_updated_at: datetime | None
    stored: bool = False
    """A pending row exists for this record and side: deleted once this is reconciled."""
    persisted: bool = False
    """This change is what that row holds (else a deferred change must be saved)."""
    digest: str | None = None                        # content_hash(data), when known
    typed: dict[str, Any] | None = None
    """The validated canonical record ``data`` was read from, in the model's Python
    types, when it was just read (``Observation.typed``)."""
    encoded: bytes | None = None                     # Observation.encoded, when just read


@dataclass
class Matched:
    """A batch's changes after links, natural keys and echo checks."""

    changes: dict[str, Change] = field(default_factory=dict)   # hub id → its change
    links: list[tuple[str, str]] = field(default_factory=list)  # new (hub id, remote id)
    fresh: set[str] = field(default_factory=set)
    """Hub ids given out by this batch: the store knows nothing of them yet."""
    unchanged: int = 0


def describe_error(exc: Exception) -> tuple[str, str]:
    if isinstance(exc, ValidationError):
        parts = [f"{'.'.join(str(p) for p in e['loc']) or '(record)'}: {e['msg']}"
                 for e in exc.errors()]
        return "invalid-record", "; ".join(parts)
    if isinstance(exc, TradeHubError):
        return exc.code, exc.message
    return type(exc).__name__, str(exc)


def canonical_record(mapping: CompiledMapping, model: type[BaseModel],
                     data: dict[str, Any]) -> dict[str, Any]:
    """A remote record, validated as its canonical model, in that model's Python types
    (``model_dump()``: the sync never needs the model itself). The hub id is not
    known yet (and leaving it out would cost a uuid4 per record)."""
    canonical = mapping.to_canonical(data)
    canonical.setdefault("hub_id", UNLINKED)
    return validated_dump(model, canonical)


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
            typed = canonical_record(side.mapping, spec.model, record.data)
        except (ValidationError, TradeHubError, ValueError, TypeError, KeyError) as exc:
            failed.append((record, exc))
            continue
        # One dump serves both the comparison (``data``) and a write of this very record
        # (``_typed_golden``).
        data = canonical_json(spec.model, typed, side.reads)
        encoded = canonical_bytes(data)
        observed.append(Observation(record, data, digest_of(encoded), spec.key_of(data),
                                    typed, encoded))
    return observed, failed


def dead_letter_unmapped(session: Session, spec: PipelineSpec, system: str,
                         failed: Sequence[tuple[RemoteRecord, Exception]]) -> int:
    """Park records that could not be mapped, with their raw payload and the reason."""
    target = spec.other(system).system
    for record, exc in failed:
        code, message = describe_error(exc)
        state.add_dead_letter(session, pipeline=spec.name, entity=spec.entity,
                              source_system=system, target_system=target,
                              remote_id=record.remote_id, hub_id=None,
                              payload={"stage": "inbound", "system": system,
                                       "remote_id": record.remote_id, "raw": record.data,
                                       "updated_at": _iso(record.updated_at)},
                              error_code=code, error=message)
        log.warning("record dead-lettered", extra={"pipeline": spec.name, "system": system,
                                                   "remote_id": record.remote_id, "code": code})
    return len(failed)


def match(session: Session, spec: PipelineSpec, system: str,
          observed: Sequence[Observation], *, derived_ids: bool = False) -> Matched:
    """Give each observation its hub id and keep those that say something new.

    ``derived_ids``: a new record's hub id is derived from its remote id, so a batch
    replayed after a crash before its checkpoint gets the same ids (and the same
    derived natural keys) as the first attempt, with nothing stored in between.
    """
    entity = spec.entity
    matched = Matched()
    links = state.hub_ids_for_remote(session, entity=entity, system=system,
                                     remote_ids=[o.record.remote_id for o in observed])
    _link_new_records(session, spec, system, observed, links, matched, derived_ids)

    known_ids = [h for h in {links[o.record.remote_id] for o in observed
                             if o.record.remote_id in links} if h not in matched.fresh]
    sides = state.side_states(session, entity=entity, system=system, hub_ids=known_ids,
                              with_snapshot=False)
    pending_at = state.pending_for(session, pipeline=spec.name, system=system,
                                   hub_ids=known_ids)
    for observation in observed:
        record = observation.record
        hub_id = links.get(record.remote_id)
        known = sides.get(hub_id) if hub_id else None
        if hub_id is None or (known and known.hash == observation.digest):
            matched.unchanged += 1          # an echo of our own write, or nothing new
            continue
        if _is_stale(record.updated_at, known.source_updated_at if known else None,
                     pending_at.get(hub_id)):
            matched.unchanged += 1          # older than what the hub already has
            continue
        matched.changes[hub_id] = Change(
            hub_id=hub_id, system=system, remote_id=record.remote_id,
            natural_key=observation.key, data=observation.data, raw=record.data,
            deleted=observation.deleted, source_updated_at=record.updated_at,
            stored=hub_id in pending_at, digest=observation.digest, typed=observation.typed,
            encoded=observation.encoded)
    return matched


def store_observations(session: Session, spec: PipelineSpec, system: str,
                       observed: Sequence[Observation],
                       failed: Sequence[tuple[RemoteRecord, Exception]]) -> RunCounts:
    """Persist one batch's observations as pending changes (caller commits them with
    the cursor)."""
    counts = RunCounts(read=len(observed) + len(failed))
    counts.dead_lettered += dead_letter_unmapped(session, spec, system, failed)
    matched = match(session, spec, system, observed)
    state.add_links(session, entity=spec.entity, system=system, pairs=matched.links)
    counts.unchanged += matched.unchanged
    save_pending(session, spec, matched.changes.values())
    return counts


def save_pending(session: Session, spec: PipelineSpec, changes: Iterable[Change]) -> None:
    changes = list(changes)
    if not changes:
        return
    seq = state.max_pending_seq(session, pipeline=spec.name)
    now = utcnow()
    rows = []
    for seq, change in enumerate(changes, start=seq + 1):
        rows.append({
            "pipeline": spec.name, "hub_id": change.hub_id, "system": change.system,
            "seq": seq, "remote_id": change.remote_id, "natural_key": change.natural_key,
            "data": change.data, "raw": change.raw, "deleted": change.deleted,
            "source_updated_at": change.source_updated_at, "observed_at": now})
    state.save_pending(session, rows)


def _iso(at: datetime | None) -> str | None:
    return at.isoformat() if at else None


def _is_stale(at: datetime | None, *known: datetime | None) -> bool:
    if at is None:
        return False
    for moment in known:                    # a loop: no generator made per record
        if moment is not None and at < moment:
            return True
    return False


def _new_hub_id(spec: PipelineSpec, system: str, remote_id: str, derived: bool) -> str:
    return derived_hub_id(spec.entity, system, remote_id) if derived else new_hub_id()


def _link_new_records(session: Session, spec: PipelineSpec, system: str,
                      observed: Sequence[Observation], links: dict[str, str],
                      matched: Matched, derived_ids: bool) -> None:
    """Give unlinked records a hub id: an existing one with the same natural key, or new.

    Links are never removed, so a derived id of a remote id with no link has never
    been stored anywhere: it is fresh.
    """
    unlinked = [o for o in observed if o.record.remote_id not in links and not o.deleted]
    if not unlinked:
        return
    keys = [o.key for o in unlinked if o.key]
    by_key = state.hub_ids_by_natural_key(session, entity=spec.entity, pipeline=spec.name,
                                          keys=keys) if keys else {}
    taken = state.remote_ids_for_hub(session, entity=spec.entity, system=system,
                                     hub_ids=list(by_key.values())) if by_key else {}
    claimed: set[str] = set(taken)
    for observation in unlinked:
        remote_id = observation.record.remote_id
        if remote_id in links:              # the same record twice in one batch
            continue
        hub_id = by_key.get(observation.key) if observation.key else None
        if hub_id is None or hub_id in claimed:
            hub_id = _new_hub_id(spec, system, remote_id, derived_ids)
            matched.fresh.add(hub_id)
        claimed.add(hub_id)
        links[remote_id] = hub_id
        matched.links.append((hub_id, remote_id))
