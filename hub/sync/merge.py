"""Three-way, field-by-field merge of one record's sides against the hub's version.

Pure functions, no I/O: given what the hub agreed last time (the golden record),
what the hub believes each side holds (its snapshot) and what was just observed,
decide the new golden record, what to write to each side, and which fields are in
conflict. Ownership and the conflict policy live here and nowhere else.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from hub.errors import TradeHubError
from hub.sync.config import ConflictPolicy

Json = dict[str, Any]


@dataclass(slots=True)
class SideView:
    """One system's side of one record, as the merge sees it (never changed by it).

    Not frozen: a frozen dataclass sets each field through ``object.__setattr__``,
    and planning builds two of these for every record a sync reads.
    """

    system: str
    reads: frozenset[str]       # canonical fields this side provides (empty: never read)
    writes: frozenset[str]      # canonical fields the hub may write to it (outbound rules)
    snapshot: Json | None       # what the hub believes the side holds; None: never seen
    observed: Json | None = None  # a change just read from it (restricted to ``reads``)
    observed_at: datetime | None = None
    linked: bool = True         # False: the record does not exist there yet
    project: Callable[[Json], Json] | None = None
    """What the side will report back for a golden record: its mapping there and back.

    A side may hold less than the hub (one contact of many, a rounded price); writes
    and echo checks compare in the side's own terms, or it would be rewritten forever.
    """


@dataclass(frozen=True)
class FieldConflict:
    field: str
    values: dict[str, Any]      # system → its value
    chosen: str | None          # the system whose value won; None: parked for a person


@dataclass
class MergeResult:
    """What a merge decided. Its records may be the very dict a side showed (a first
    sight copies nothing): replace them, never change them in place."""

    golden: Json
    writes: dict[str, frozenset[str]]           # system → fields to write (empty: nothing)
    snapshots: dict[str, Json]                  # system → what it will hold afterwards
    conflicts: list[FieldConflict] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return any(self.writes.values())


@dataclass(frozen=True)
class Policy:
    master: str
    owners: dict[str, str]
    conflict: ConflictPolicy


_MISSING = object()


def _belief(side: SideView, name: str, golden: Json) -> Any:
    """What we think ``side`` holds for ``name`` before this merge's writes."""
    if side.observed is not None and name in side.observed:
        return side.observed[name]
    if side.snapshot is not None and name in side.snapshot:
        return side.snapshot[name]
    return golden.get(name, _MISSING) if side.linked else _MISSING


def merge(golden: Json | None, sides: list[SideView], policy: Policy,
          forced: dict[str, Any] | None = None) -> MergeResult:
    """Decide the new golden record and each side's writes.

    ``forced`` carries values a person chose to resolve parked conflicts.
    """
    if golden is None and not forced:
        first = _first_sight(sides, policy)
        if first is not None:
            return first
    return _merge_fields(golden, sides, policy, forced)


def _first_sight(sides: list[SideView], policy: Policy) -> MergeResult | None:
    """The hot case of a first sync: one side shows a record no other side holds yet.

    Nothing to diff against, so no conflicts: what was seen becomes the golden record, and every other side gets all it takes. Gives what
    ``_merge_fields`` gives (tests hold the two to that), with none of its bookkeeping;
    returns None for any other case.
    """
    # Plain loops: a comprehension is a function made and called, for every record.
    source: SideView | None = None
    for side in sides:
        if side.observed is not None:
            if source is not None:
                return None                 # seen on two sides
            source = side
    if source is None or source.snapshot is not None:
        return None
    for side in sides:
        if side is not source and (side.linked or side.snapshot is not None):
            return None
    observed = source.observed
    assert observed is not None
    # First sight: even a non-owner's value seeds a field, so what was seen is the
    # golden record and the source's snapshot, the same dict (see MergeResult): the
    # checkpoint then knows them equal without comparing them field by field.
    new = observed
    writes: dict[str, frozenset[str]] = {}
    snapshots: dict[str, Json] = {}
    for side in sides:
        if side is source:
            to_write: frozenset[str] = frozenset()
            if side.writes:
                expected = _expected(side, new)
                to_write = frozenset(name for name in side.writes if name in new and observed.get(
                    name, _MISSING) != expected.get(name, new[name]))
            after = observed
        else:
            to_write = side.writes.intersection(new)
            after = {}
        echoed = side.writes & side.reads if to_write else None
        if echoed:
            if side is not source:
                expected = _expected(side, new)
            after = dict(after)
            for name in echoed:
                if name in new:
                    after[name] = expected.get(name, new[name])
        writes[side.system] = to_write
        snapshots[side.system] = after
    return MergeResult(golden=new, writes=writes, snapshots=snapshots)


def _merge_fields(golden: Json | None, sides: list[SideView], policy: Policy,
                  forced: dict[str, Any] | None) -> MergeResult:
    base = dict(golden or {})
    new = dict(base)
    conflicts: list[FieldConflict] = []

    changes: dict[str, dict[str, Any]] = {}
    for side in sides:
        if side.observed is None:
            continue
        previous = side.snapshot or {}
        for name, value in side.observed.items():
            if name not in previous or previous[name] != value:
                if not golden or base.get(name, _MISSING) != value:
                    changes.setdefault(name, {})[side.system] = value

    observed_at = {s.system: s.observed_at for s in sides}
    for name, by_side in changes.items():
        owner = policy.owners.get(name)
        if owner is not None:
            if owner in by_side:
                new[name] = by_side[owner]
            elif name not in base:          # first sight: nothing of the owner's to protect
                new[name] = next(iter(by_side.values()))
            continue  # a non-owner's change is not taken; the owner's value is restored
        if len(by_side) == 1 or len({_freeze(v) for v in by_side.values()}) == 1:
            new[name] = next(iter(by_side.values()))
            continue
        winner = _resolve(by_side, policy, observed_at)
        conflicts.append(FieldConflict(field=name, values=dict(by_side), chosen=winner))
        if winner is not None:
            new[name] = by_side[winner]

    if forced:
        new.update(forced)

    parked = {c.field for c in conflicts if c.chosen is None}
    writes: dict[str, frozenset[str]] = {}
    snapshots: dict[str, Json] = {}
    for side in sides:
        expected = _expected(side, new)
        to_write = frozenset(
            name for name in side.writes
            if name in new and name not in parked
            and _belief(side, name, base) != expected.get(name, new[name])
        )
        writes[side.system] = to_write
        after = dict(side.snapshot or {})
        if side.observed is not None:
            after.update(side.observed)
        if to_write:                      # the whole record is written, not just to_write
            for name in side.writes & side.reads:
                if name in new and name not in parked:
                    after[name] = expected.get(name, new[name])
        snapshots[side.system] = after
    return MergeResult(golden=new, writes=writes, snapshots=snapshots, conflicts=conflicts)


def _expected(side: SideView, golden: Json) -> Json:
    if side.project is None or not side.reads or not side.writes:
        return golden
    try:
        return side.project(golden)
    except (TradeHubError, ValueError, TypeError, KeyError):
        return golden                    # a record the side cannot express is compared as is


def _resolve(by_side: dict[str, Any], policy: Policy,
             observed_at: dict[str, datetime | None]) -> str | None:
    if policy.conflict == "manual":
        return None
    if policy.conflict == "newest_wins":
        stamped = [(at, system) for system, at in observed_at.items()
                   if system in by_side and at is not None]
        if stamped:
            newest = max(at for at, _ in stamped)
            winners = [system for at, system in stamped if at == newest]
            if len(winners) == 1:
                return winners[0]
    return policy.master if policy.master in by_side else sorted(by_side)[0]


def _freeze(value: Any) -> Any:
    if isinstance(value, dict):
        return tuple(sorted((k, _freeze(v)) for k, v in value.items()))
    if isinstance(value, list):
        return tuple(_freeze(v) for v in value)
    return value
