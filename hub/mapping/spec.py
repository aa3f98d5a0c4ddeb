"""The checked, typed form of a mapping file that the compiler consumes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from pydantic import BaseModel

from hub.errors import Location
from hub.mapping.canonical import FieldInfo
from hub.mapping.paths import Path
from hub.mapping.steps import Built
from hub.mapping.yamlnodes import JsonPath

__all__ = ["MISSING", "MappingSpec", "Rule", "StepUse"]

Direction = Literal["both", "inbound", "outbound"]


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"


MISSING = _Missing()


@dataclass(frozen=True)
class StepUse:
    name: str
    built: Built
    at: JsonPath


@dataclass
class Rule:
    index: int
    location: Location
    direction: Direction
    canonical: list[Path]          # one path, several (outbound source), or none
    remote: list[Path]             # one path, several (inbound source), or none
    canonical_many: bool = False   # written as a YAML list
    remote_many: bool = False
    transform: list[StepUse] = field(default_factory=list)
    inbound: list[StepUse] = field(default_factory=list)
    outbound: list[StepUse] = field(default_factory=list)
    default: object = MISSING
    target_info: FieldInfo | None = None
    valid: bool = True              # False: it had errors (still counts as written)

    @property
    def name(self) -> str:
        """What errors call this rule's field: its canonical path, else its remote one."""
        paths = self.canonical or self.remote
        return ", ".join(p.text for p in paths) if paths else f"fields[{self.index}]"

    def applies(self, direction: str) -> bool:
        return self.direction in ("both", direction)


@dataclass
class MappingSpec:
    path: str
    entity: str
    model: type[BaseModel]
    connector: str
    remote_object: str
    canonical_key: tuple[str, ...]
    remote_key: tuple[str, ...]
    rules: list[Rule]
