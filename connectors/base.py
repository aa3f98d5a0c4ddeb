"""The connector protocol: what the sync engine may ask of any remote system.

A connector knows one remote protocol and nothing about pipelines. It is declared by
class attributes (``name``, ``config_model``, ``readable``, ``writable``) plus the
operations below; the engine only ever sees remote-shaped JSON objects
(``RemoteRecord.data``), which the mapping layer translates to canonical records.

Third parties ship connectors as packages exposing a subclass under the entry-point
group ``tradehub.connectors`` (see ``connectors.registry``).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from functools import lru_cache
from typing import Any, ClassVar, Literal, TypeVar

import httpx
from pydantic import BaseModel, ConfigDict, Field, InstanceOf, TypeAdapter

from hub.errors import AuthError, FatalError

RemoteData = dict[str, Any]
"""A record in the remote system's own JSON shape; mappings give it meaning."""

HeldData = InstanceOf[RemoteData]
"""``RemoteData`` held as given: checked to be a dict, not copied key by key.

A sync makes a ``RemoteRecord`` for every record it reads and an ``OutboundRecord``
for every record it writes; validating their data as ``dict[str, Any]`` copied each
record's top level once more (about 2 µs a record), and the data is JSON a
connector just parsed or the mapping just built."""


class RemoteRecord(BaseModel):
    model_config = ConfigDict(frozen=True)

    remote_id: str
    data: HeldData = Field(default_factory=dict)
    updated_at: datetime | None = None
    deleted: bool = False


class Batch(BaseModel):
    """Records read in one page, and the cursor to resume after them."""

    records: list[RemoteRecord]
    cursor: str | None


class OutboundRecord(BaseModel):
    """A record the engine wants written to the remote system.

    ``remote_id`` is ``None`` for a create; ``natural_key`` is what a retried create
    looks up first (systems without idempotency keys). ``only_fields``, when set,
    asks for a partial update of those remote fields (Kingdee's NeedUpDateFields).
    """

    hub_id: str
    remote_id: str | None
    natural_key: str
    data: HeldData
    only_fields: list[str] | None = None


WriteOutcome = Literal["created", "updated", "unchanged", "deleted", "failed"]


class WriteResult(BaseModel):
    hub_id: str
    outcome: WriteOutcome
    remote_id: str | None = None
    error_code: str | None = None
    error: str | None = None
    retriable: bool = False


Model = TypeVar("Model", bound=BaseModel)


def as_models(model: type[Model], fields: Iterable[Mapping[str, Any]]) -> list[Model]:
    """Each of ``fields`` (a model's fields by name) as a ``model``, a page or a batch
    at a time: ``RemoteRecord``, ``OutboundRecord``, ``WriteResult``.

    One call into pydantic-core for them all: made one by one, a ``RemoteRecord`` cost
    nearly twice the instructions (15k against 8k, valgrind)."""
    return _list_of(model).validate_python(list(fields))  # type: ignore[no-any-return]


@lru_cache(maxsize=None)
def _list_of(model: type[BaseModel]) -> TypeAdapter[list[Any]]:
    return TypeAdapter(list[model])  # type: ignore[valid-type]

ChangeKind = Literal["upsert", "delete"]


class ChangeEvent(BaseModel):
    """One change a remote system pushed to the hub."""

    event_id: str
    entity: str
    remote_id: str
    kind: ChangeKind = "upsert"
    data: RemoteData | None = None
    occurred_at: datetime | None = None


class ConnectorConfig(BaseModel):
    """Base for each connector's settings; secrets are ``SecretStr`` fields."""

    model_config = ConfigDict(extra="forbid")

    timeout_seconds: float = Field(30.0, gt=0, le=600)
    max_retries: int = Field(5, ge=0, le=20)


class Partition(BaseModel):
    """One of ``count`` disjoint parts of a change feed: every record is in exactly
    one, so readers in several processes can share a feed, each with its own cursor.

    Parts nest: part ``index`` of ``count`` holds exactly the records of parts
    ``index`` and ``index + count`` of ``2 * count`` (as ``record id % count`` does),
    so a part can be split in two halfway through (``halves``). A cursor of a part is
    also a valid start for the parts it splits into.
    """

    model_config = ConfigDict(frozen=True)

    index: int = Field(ge=0)
    count: int = Field(ge=1)

    @property
    def label(self) -> str:
        return f"{self.index + 1}/{self.count}"

    def halves(self) -> tuple[Partition, Partition]:
        return (Partition(index=self.index, count=2 * self.count),
                Partition(index=self.index + self.count, count=2 * self.count))


class Connector(ABC):
    name: ClassVar[str]
    config_model: ClassVar[type[ConnectorConfig]] = ConnectorConfig
    readable: ClassVar[frozenset[str]] = frozenset()
    writable: ClassVar[frozenset[str]] = frozenset()

    def __init__(self, config: ConnectorConfig, *, system: str,
                 transport: httpx.BaseTransport | None = None) -> None:
        self.config = config
        self.system = system
        self.transport = transport

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any], *, system: str,
                      transport: httpx.BaseTransport | None = None) -> Connector:
        return cls(cls.config_model.model_validate(dict(settings)), system=system,
                   transport=transport)

    # -- reading ---------------------------------------------------------------
    @abstractmethod
    def read_changes(self, entity: str, cursor: str | None, *,
                     batch_size: int = 500) -> Iterator[Batch]:
        """Yield pages of changes after ``cursor`` (``None``: full backfill), in order."""

    partitioned_reads: ClassVar[bool] = False
    """Whether ``read_partition`` works: a source read by several processes needs it."""

    def read_partition(self, entity: str, cursor: str | None, partition: Partition, *,
                       batch_size: int = 500) -> Iterator[Batch]:
        """``read_changes`` for one part of the feed; ``cursor`` is that part's own."""
        raise FatalError(f"{self.name} cannot split its change feed between readers",
                         system=self.system)

    def get(self, entity: str, remote_id: str) -> RemoteRecord | None:
        """One record by remote id; ``None`` when it does not exist."""
        raise FatalError(f"{self.name} cannot fetch single {entity} records", system=self.system)

    def find_by_natural_key(self, entity: str, natural_key: str) -> str | None:
        """The remote id of a record with this natural key, for idempotent creates."""
        return None

    # -- writing ---------------------------------------------------------------
    def upsert(self, entity: str, records: Sequence[OutboundRecord]) -> list[WriteResult]:
        """Create or update each record; one result per record, in order.

        Must be idempotent by natural key: a retried create finds the record instead
        of duplicating it. A record the remote refuses yields a ``failed`` result,
        not an exception; only whole-call failures (auth, outage) raise.
        """
        raise FatalError(f"{self.name} cannot write {entity}", system=self.system)

    def delete(self, entity: str, remote_ids: Sequence[str], *,
               archive: bool = True) -> list[WriteResult]:
        raise FatalError(f"{self.name} cannot delete {entity}", system=self.system)

    # -- push ------------------------------------------------------------------
    def verify_webhook(self, headers: Mapping[str, str], body: bytes) -> None:
        """Raise ``AuthError`` unless the request carries this system's valid signature."""
        raise AuthError(f"{self.name} does not accept webhooks", system=self.system)

    def parse_webhook(self, headers: Mapping[str, str], body: bytes) -> list[ChangeEvent]:
        raise FatalError(f"{self.name} does not accept webhooks", system=self.system)

    def close(self) -> None:
        """Release connections; connectors are also context managers."""

    def __enter__(self) -> Connector:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def check_entity(self, entity: str, *, write: bool = False) -> None:
        allowed = self.writable if write else self.readable
        if entity not in allowed:
            verb = "write" if write else "read"
            raise FatalError(
                f"{self.name} cannot {verb} '{entity}'; it can {verb} "
                f"{', '.join(sorted(allowed)) or 'nothing'}",
                system=self.system,
            )
