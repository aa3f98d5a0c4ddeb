"""The one exception tree of TradeHub.

    TradeHubError                    code: tradehub-error
    ├── ConfigError                  code: config-error        (hub.yaml, settings)
    ├── MappingError                 code: mapping-error       (carries located issues)
    ├── ConnectorError               code: connector-error
    │   ├── AuthError                code: auth-error          (credentials refused)
    │   ├── RetriableError           code: retriable           (429, 5xx, timeouts)
    │   └── FatalError               code: fatal               (4xx, validation refused)
    ├── SyncError                    code: sync-error
    │   └── PipelineBusyError        code: pipeline-busy
    └── NotFoundError                code: not-found

Each error carries a user-facing ``message`` (what went wrong and what to do) and an
optional ``detail`` for logs. Third-party exceptions are translated at the boundary
with ``raise ... from exc`` so callers only ever catch these.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

__all__ = [
    "AuthError",
    "ConfigError",
    "ConnectorError",
    "FatalError",
    "Location",
    "LocatedIssue",
    "MappingError",
    "NotFoundError",
    "PipelineBusyError",
    "RetriableError",
    "SyncError",
    "TradeHubError",
]


class TradeHubError(Exception):
    code: ClassVar[str] = "tradehub-error"
    http_status: ClassVar[int] = 500

    def __init__(self, message: str, *, detail: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.detail = detail

    def to_problem(self) -> dict[str, object]:
        """An RFC 9457-style problem body; never includes ``detail``."""
        return {"type": self.code, "title": self.message, "status": self.http_status}


class NotFoundError(TradeHubError):
    code = "not-found"
    http_status = 404


@dataclass(frozen=True, order=True)
class Location:
    path: str
    line: int
    column: int

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.column}"


@dataclass(frozen=True, order=True)
class LocatedIssue:
    """One problem in a user-edited file, compiler style."""

    location: Location
    code: str
    message: str

    def __str__(self) -> str:
        return f"{self.location}: error[{self.code}]: {self.message}"


class ConfigError(TradeHubError):
    code = "config-error"
    http_status = 400

    def __init__(self, message: str, *, issues: list[LocatedIssue] | None = None,
                 detail: str | None = None) -> None:
        super().__init__(message, detail=detail)
        self.issues = sorted(issues or [])

    def __str__(self) -> str:
        if not self.issues:
            return self.message
        return "\n".join(str(i) for i in self.issues)


class MappingError(ConfigError):
    code = "mapping-error"


class ConnectorError(TradeHubError):
    code = "connector-error"
    http_status = 502

    def __init__(self, message: str, *, system: str | None = None,
                 remote_code: str | None = None, detail: str | None = None) -> None:
        super().__init__(message, detail=detail)
        self.system = system
        self.remote_code = remote_code


class AuthError(ConnectorError):
    code = "auth-error"


class RetriableError(ConnectorError):
    """Worth trying again: the remote was busy, down or rate limited."""

    code = "retriable"

    def __init__(self, message: str, *, retry_after: float | None = None,
                 system: str | None = None, remote_code: str | None = None,
                 detail: str | None = None) -> None:
        super().__init__(message, system=system, remote_code=remote_code, detail=detail)
        self.retry_after = retry_after


class FatalError(ConnectorError):
    """The remote refused the request itself; retrying cannot help."""

    code = "fatal"


class SyncError(TradeHubError):
    code = "sync-error"


class PipelineBusyError(SyncError):
    code = "pipeline-busy"
    http_status = 409
