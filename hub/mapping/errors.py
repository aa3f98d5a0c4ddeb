"""The error a compiled mapping raises for one record it cannot map."""

from __future__ import annotations

from typing import ClassVar

from hub.errors import TradeHubError

__all__ = ["RecordMappingError"]


class RecordMappingError(TradeHubError):
    """One record could not be mapped: which field, which rule, and why.

    The sync engine dead-letters the record with this; the message is meant for the
    integrator who fixes the data or the mapping.
    """

    code: ClassVar[str] = "record-mapping-error"
    http_status: ClassVar[int] = 422

    def __init__(self, message: str, *, field: str, rule: str, direction: str,
                 detail: str | None = None) -> None:
        super().__init__(f"{rule}: {direction} '{field}': {message}", detail=detail)
        self.reason = message
        self.field = field
        self.rule = rule
        self.direction = direction

    def within(self, prefix: str) -> RecordMappingError:
        """The same error seen from the enclosing record, e.g. ``lines[2].sku``."""
        field = f"{prefix}.{self.field}" if self.field else prefix
        return RecordMappingError(self.reason, field=field, rule=self.rule,
                                  direction=self.direction, detail=self.detail)
