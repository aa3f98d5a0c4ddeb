"""The shape of hub.yaml: systems and the pipelines between them.

Loading the YAML file (locations, ``${ENV}`` interpolation) is ``hub.sync.hubfile``;
this module is only the validated model, so tests and code can build one directly.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from hub.leads.assign import LeadAssignmentConfig
from hub.models import ENTITIES

ConflictPolicy = Literal["owner_wins", "newest_wins", "manual"]
DeletePolicy = Literal["archive", "delete", "ignore"]
Direction = Literal["one_way", "two_way"]


class SystemConfig(BaseModel):
    """One remote (or built-in) system: which connector, its settings, its mappings."""

    model_config = ConfigDict(extra="forbid")

    connector: str = Field(min_length=1)
    settings: dict[str, Any] = Field(default_factory=dict)
    mappings: Path | None = Field(
        None, description="Folder of this system's mapping files; default mappings/<connector>."
    )


class Schedule(BaseModel):
    model_config = ConfigDict(extra="forbid")

    interval_seconds: int | None = Field(None, ge=5, le=7 * 24 * 3600)
    cron: str | None = None

    @model_validator(mode="after")
    def _one_of(self) -> Schedule:
        if (self.interval_seconds is None) == (self.cron is None):
            raise ValueError("give exactly one of interval_seconds or cron")
        return self


class PipelineConfig(BaseModel):
    """One entity kept in step between a source (the master) and a target."""

    model_config = ConfigDict(extra="forbid")

    entity: str
    source: str = Field(description="The master system; changes flow from it.")
    target: str
    direction: Direction = "one_way"
    schedule: Schedule | None = None
    owners: dict[str, str] = Field(
        default_factory=dict,
        description="Canonical field → owning system. An owned field flows only from its "
                    "owner; other fields flow both ways in a two-way pipeline.",
    )
    create_in_source: bool = Field(
        True, description="Two-way only: a record that first appears in the target is "
                          "created in the source too; false keeps the source's set of "
                          "records its own and only brings back changes to them.")
    conflict_policy: ConflictPolicy = "owner_wins"
    delete_policy: DeletePolicy = "archive"
    batch_size: int = Field(500, ge=1, le=10_000)
    processes: int = Field(
        1, ge=1, le=16,
        description="One-way only: split the source's feed into this many parts, each "
                    "synced by a process of its own with its own cursor. For large "
                    "sources on several cores; the source's connector must be able to "
                    "split its feed (the built-in products can).")
    enabled: bool = True

    @field_validator("entity")
    @classmethod
    def _known_entity(cls, value: str) -> str:
        if value not in ENTITIES:
            raise ValueError(f"unknown entity '{value}'; known: {', '.join(sorted(ENTITIES))}")
        return value

    @model_validator(mode="after")
    def _two_systems(self) -> PipelineConfig:
        if self.source == self.target:
            raise ValueError("source and target must be different systems")
        if self.processes > 1 and self.direction != "one_way":
            raise ValueError("processes above 1 need direction one_way: a two-way run "
                             "reconciles both sides' changes together")
        for field, owner in self.owners.items():
            if owner not in (self.source, self.target):
                raise ValueError(f"owner of '{field}' must be '{self.source}' or "
                                 f"'{self.target}', not '{owner}'")
        return self

    def owner_of(self, field: str) -> str:
        return self.owners.get(field, self.source)


class HubConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    base_currency: str = "CNY"
    systems: dict[str, SystemConfig]
    pipelines: dict[str, PipelineConfig] = Field(default_factory=dict)
    lead_assignment: LeadAssignmentConfig | None = None
    root: Path = Field(Path("."), exclude=True,
                       description="Folder relative paths (mappings) are resolved against.")

    @model_validator(mode="after")
    def _systems_exist(self) -> HubConfig:
        for name, pipeline in self.pipelines.items():
            for role in ("source", "target"):
                system = getattr(pipeline, role)
                if system not in self.systems:
                    raise ValueError(f"pipeline '{name}': {role} '{system}' is not a system; "
                                     f"systems: {', '.join(sorted(self.systems))}")
        return self

    def mapping_dir(self, system: str) -> Path:
        config = self.systems[system]
        folder = config.mappings or Path("mappings") / config.connector
        return folder if folder.is_absolute() else self.root / folder
