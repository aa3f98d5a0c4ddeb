"""Declarative base and shared column types of the hub store."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Annotated, Any

from sqlalchemy import JSON, DateTime, MetaData, String, TypeDecorator
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, mapped_column

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
            if value.tzinfo is None:
                raise ValueError("naive datetime given to the store; use timezone-aware UTC")
            return value.astimezone(timezone.utc).isoformat(" ", "microseconds")[:26]
        return process

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value


class Encoded:
    """A JSON document already encoded; a ``JsonColumn`` binds its text as it is.

    A sync stores the same record in several columns of one checkpoint (the golden
    record, its outbox event, the source's snapshot), and a reference product stores a
    record and its feed row: encoding it once serves them all. The columns bind the
    one ``text`` object, not a copy each: a driver converts each string object it
    binds to UTF-8 and keeps that on the object, so a copy per column would convert
    the document again for each.
    """

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return f"Encoded({self.text!r})"


Document = dict[str, Any] | Encoded
"""What a ``JsonColumn`` stores: a dict, or a document already encoded once."""


class JsonColumn(TypeDecorator[Any]):
    """JSON that also takes ``Encoded`` text, bound without decoding and encoding it
    again (reads are plain JSON)."""

    impl = JSON
    cache_ok = True

    def bind_processor(self, dialect: Dialect) -> Any:
        inner = self.impl_instance.bind_processor(dialect)

        def process(value: Any) -> Any:
            if isinstance(value, Encoded):
                return value.text
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
