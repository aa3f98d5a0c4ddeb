"""What a run did, in the words an administrator reads in the Prefect UI."""

from __future__ import annotations

from pydantic import BaseModel


class RunCounts(BaseModel):
    read: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
    conflicts: int = 0
    dead_lettered: int = 0
    deferred: int = 0

    def add(self, other: RunCounts) -> None:
        for name in type(self).model_fields:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    @property
    def writes(self) -> int:
        return self.created + self.updated + self.deleted


class StepResult(BaseModel):
    """One batch's work; ``done`` when the source had nothing more to give."""

    counts: RunCounts
    done: bool


class RunSummary(BaseModel):
    pipeline: str
    run_id: int
    status: str
    counts: RunCounts
    seconds: float
    error: str | None = None
