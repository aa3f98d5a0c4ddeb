"""A pipeline as the engine sees it: entity, sides, field sets and policy."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from hub.models import ENTITIES, CanonicalRecord
from hub.models.validated import validated_dump
from hub.sync.config import PipelineConfig
from hub.sync.context import RecordMapping, SyncContext
from hub.sync.merge import Policy
from hub.sync.normalize import canonical_json

DELETED_HASH = "deleted"


@dataclass(frozen=True)
class Side:
    system: str
    mapping: RecordMapping
    reads: frozenset[str]       # canonical fields the pipeline reads from it (may be none)
    writes: frozenset[str]      # canonical fields the pipeline may write to it


@dataclass(frozen=True)
class PipelineSpec:
    name: str
    config: PipelineConfig
    model: type[CanonicalRecord]
    sides: tuple[Side, Side]          # (source, target)
    policy: Policy

    @property
    def entity(self) -> str:
        return self.config.entity

    @property
    def read_from(self) -> tuple[str, ...]:
        source, target = self.sides
        if self.config.direction == "two_way":
            return (source.system, target.system)
        return (source.system,)

    def side(self, system: str) -> Side:
        for side in self.sides:
            if side.system == system:
                return side
        raise KeyError(system)

    def may_create_in(self, system: str) -> bool:
        return system != self.sides[0].system or self.config.create_in_source

    def other(self, system: str) -> Side:
        source, target = self.sides
        return target if system == source.system else source

    def projector(self, system: str) -> Callable[[dict[str, Any]], dict[str, Any]] | None:
        """How ``system`` will report a golden record back; None if it is never read."""
        if system not in self.read_from:
            return None
        side = self.side(system)
        compared = side.reads & side.writes

        def project(golden: dict[str, Any]) -> dict[str, Any]:
            record = validated_dump(self.model, {**golden, "hub_id": "-"})
            echoed = side.mapping.to_canonical(side.mapping.to_remote(record))
            return canonical_json(self.model,
                                  validated_dump(self.model, {**echoed, "hub_id": "-"}),
                                  compared)
        return project

    def key_of(self, canonical: dict[str, Any]) -> str | None:
        """The record's natural key (composite keys joined with '@'), if it has one."""
        return self.sides[0].mapping.canonical_key_of(canonical)

    @property
    def key_fields(self) -> tuple[str, ...]:
        return self.sides[0].mapping.canonical_key_fields

    @classmethod
    def build(cls, ctx: SyncContext, name: str) -> PipelineSpec:
        config = ctx.pipeline(name)
        source_map = ctx.mapping(config.source, config.entity)
        target_map = ctx.mapping(config.target, config.entity)
        two_way = config.direction == "two_way"
        # One-way, the pipeline writes nothing to its source and reads nothing of its
        # target: no snapshot of the target is built, since no echo of it is compared.
        source = Side(config.source, source_map, source_map.inbound_fields,
                      source_map.outbound_fields if two_way else frozenset())
        target = Side(config.target, target_map,
                      target_map.inbound_fields if two_way else frozenset(),
                      target_map.outbound_fields)
        return cls(name=name, config=config, model=ENTITIES[config.entity],
                   sides=(source, target),
                   policy=Policy(master=config.source, owners=dict(config.owners),
                                 conflict=config.conflict_policy))

