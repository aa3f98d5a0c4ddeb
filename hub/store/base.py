"""Declarative base and shared column types of the hub store."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Annotated, Any

from sqlalchemy import JSON, DateTime, MetaData, String, TypeDecorator
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import DeclarativeBase, mapped_column
from sqlalchemy.sql.functions import FunctionElement

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UtcDateTime(TypeDecorator[datetime]):
    """Stores UTC, always returns aware datetimes (SQLite forgets the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store; use timezone-aware UTC")
        return value.astimezone(timezone.utc)

    def bind_processor(self, dialect: Dialect) -> Any:
        """On SQLite, the text SQLAlchemy's ``DATETIME`` stores, in one step: a sync
        binds a timestamp or two per record, and the two layers of Python it replaces
        (this type's conversion, then the dialect's ``%`` formatting of seven fields)
        cost 3% of a sync batch."""
        if dialect.name != "sqlite":
            return super().bind_processor(dialect)

        def process(value: datetime | None) -> str | None:
            if value is None:
                return None
            offset = value.utcoffset()
            if offset is None:
                raise ValueError("naive datetime given to the store; use timezone-aware UTC")
            if offset:                      # already UTC (most are): no conversion
                value = value.astimezone(timezone.utc)
            return value.isoformat(" ", "microseconds")[:26]
        return process

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value


class Encoded:
    """A JSON document already encoded (its UTF-8 bytes); a ``JsonColumn`` binds it as
    it is.

    A sync stores the same record in several columns of one checkpoint (the golden
    record, its outbox event, the source's snapshot), and a reference product stores a
    record and its feed row: encoding it once serves them all. On SQLite the bytes are
    bound as they are and cast to TEXT by the statement (``JsonColumn``): a document
    held as a ``str`` is converted to UTF-8 by the driver at every bind, and orjson
    writes UTF-8 to begin with. Other databases get the text, decoded once.
    """

    __slots__ = ("data", "_text")

    def __init__(self, data: bytes) -> None:
        self.data = data
        self._text: str | None = None

    @property
    def text(self) -> str:
        if self._text is None:
            self._text = self.data.decode()
        return self._text

    def __repr__(self) -> str:
        return f"Encoded({self.data!r})"


Document = dict[str, Any] | Encoded
"""What a ``JsonColumn`` stores: a dict, or a document already encoded once."""


class _AsText(FunctionElement[Any]):
    """A JSON column's bound value: ``CAST(? AS TEXT)`` on SQLite, where an ``Encoded``
    document is bound as bytes and must be stored as the text it is; as it is elsewhere."""

    name = "as_text"
    inherit_cache = True


@compiles(_AsText, "sqlite")
def _as_text_sqlite(element: _AsText, compiler: Any, **kw: Any) -> str:
    return f"CAST({compiler.process(element.clauses, **kw)} AS TEXT)"


@compiles(_AsText)
def _as_text(element: _AsText, compiler: Any, **kw: Any) -> str:
    return str(compiler.process(element.clauses, **kw))


class JsonColumn(TypeDecorator[Any]):
    """JSON that also takes an ``Encoded`` document, bound without decoding and encoding
    it again (reads are plain JSON)."""

    impl = JSON
    cache_ok = True

    def bind_expression(self, bindvalue: Any) -> Any:
        return _AsText(bindvalue)

    def bind_processor(self, dialect: Dialect) -> Any:
        inner = self.impl_instance.bind_processor(dialect)
        raw = dialect.name == "sqlite"

        def process(value: Any) -> Any:
            if isinstance(value, Encoded):
                return value.data if raw else value.text
            return value if inner is None else inner(value)
        return process


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


Timestamp = Annotated[datetime, mapped_column(UtcDateTime(), default=utcnow)]
Name = Annotated[str, mapped_column(String(100))]
RemoteId = Annotated[str, mapped_column(String(200))]
HubId = Annotated[str, mapped_column(String(64))]
JsonDoc = Annotated[Any, mapped_column(JsonColumn)]


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UtcDateTime()}
