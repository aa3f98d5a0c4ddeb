"""One product's storage: resource registry, write transactions and the change feed.

Every write transaction first locks the product's feed-state row (``SELECT … FOR
UPDATE``; on SQLite ``BEGIN IMMEDIATE`` takes the database write lock), allocates
sequence numbers under that lock and commits before the next writer can take one.
So a reader can never see seq 11 while seq 10 is still uncommitted: the feed has no
holes to skip, on PostgreSQL as on SQLite.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timezone
from functools import lru_cache
from typing import Any, Literal

from pydantic import BaseModel
from sqlalchemy import Engine, event, func, select
from sqlalchemy.orm import Session

from hub.builtin.common.bulk import insert_rows
from hub.builtin.common.errors import ApiError, not_found
from hub.builtin.common.resource import Doc, Resource
from hub.builtin.common.tables import product_tables
from hub.store.base import Encoded
from hub.store.db import json_bytes

Op = Literal["create", "update", "delete"]
Outcome = Literal["created", "updated", "unchanged"]


def utc(value: datetime) -> datetime:
    """SQLite hands back naive datetimes; every time we store is UTC."""
    return value if value.tzinfo is not None else value.replace(tzinfo=timezone.utc)


@lru_cache(maxsize=4096)
def stamp(value: datetime) -> str:
    """A stored time as the API writes it; cached, since a batch's records share one."""
    return utc(value).isoformat().replace("+00:00", "Z")


def represent(record_id: int, data: Doc, archived: bool, created_at: datetime,
              updated_at: datetime) -> Doc:
    """The record as the API shows it: id, the document, and bookkeeping fields."""
    return {"id": record_id, **data, "archived": archived,
            "created_at": stamp(created_at), "updated_at": stamp(updated_at)}


RESERVED = frozenset({"id", "archived", "created_at", "updated_at"})
"""The fields ``represent`` sets; a document holding one is represented the slow way."""


@lru_cache(maxsize=4096)
def _stamp_bytes(value: datetime) -> bytes:
    return stamp(value).encode()


def represent_encoded(record_id: int, doc: Doc, encoded: bytes, archived: bool,
                      created_at: datetime, updated_at: datetime) -> Encoded:
    """``represent`` as JSON, spliced around the document's own encoding (``encoded``,
    which is ``doc`` encoded), so a batch encodes each document once."""
    if not RESERVED.isdisjoint(doc) or len(encoded) < 3:
        return Encoded(json_bytes(represent(record_id, doc, archived, created_at, updated_at)))
    return Encoded(b'{"id":%d,%s,"archived":%s,"created_at":"%s","updated_at":"%s"}' % (
        record_id, encoded[1:-1], b"true" if archived else b"false",
        _stamp_bytes(created_at), _stamp_bytes(updated_at)))


def represent_row(row: Any) -> Doc:
    return represent(row.id, row.data, row.archived, row.created_at, row.updated_at)


def use_immediate_transactions(engine: Engine) -> None:
    """Let us issue BEGIN ourselves on SQLite (pysqlite's implicit BEGIN breaks
    savepoints), and BEGIN IMMEDIATE for writers so they queue on the write lock
    instead of failing on a stale snapshot."""
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None

    @event.listens_for(engine, "begin")
    def _begin(conn: Any) -> None:
        writes = conn.get_execution_options().get("builtin_write", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if writes else "BEGIN")


class Product:
    """A reference product: its tables, resources and database access."""

    def __init__(self, app: str, title: str, resources: Sequence[Resource]) -> None:
        self.app = app
        self.title = title
        self.tables = product_tables(app)
        self.resources: dict[str, Resource] = {}
        for resource in resources:
            resource.table = self.tables.doc_table(resource.name)
            self.resources[resource.name] = resource
        self._engine: Engine | None = None
        self.changed = threading.Event()
        self.listeners: list[Callable[[], None]] = []

    def bind(self, engine: Engine) -> None:
        self._engine = engine
        self.tables.base.metadata.create_all(engine)
        with Session(self.write_engine) as session, session.begin():
            if session.get(self.tables.feed_state, 1) is None:
                session.add(self.tables.feed_state(id=1, last_seq=0))

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            raise RuntimeError(f"{self.app} is not bound to a database")
        return self._engine

    @property
    def write_engine(self) -> Engine:
        return self.engine.execution_options(builtin_write=True)

    def resource(self, name: str) -> Resource:
        try:
            return self.resources[name]
        except KeyError:
            raise ApiError(422, "unknown_resource",
                           f"unknown resource '{name}'; {self.app} has "
                           f"{', '.join(sorted(self.resources))}") from None

    @contextmanager
    def reading(self) -> Iterator[Session]:
        with Session(self.engine, expire_on_commit=False) as session, session.begin():
            yield session

    @contextmanager
    def writing(self) -> Iterator[Writer]:
        """A write transaction holding the feed lock; changes commit together."""
        state = self.tables.feed_state
        with Session(self.write_engine, expire_on_commit=False) as session:
            with session.begin():
                last = session.execute(
                    select(state.last_seq).where(state.id == 1).with_for_update()).scalar_one()
                writer = Writer(self, session, last)
                yield writer
                writer.flush_changes()
                if writer.seq != last:
                    session.execute(state.__table__.update().where(state.id == 1)
                                    .values(last_seq=writer.seq))
        if writer.seq != last:
            self.changed.set()


class Writer:
    """Writes inside one locked transaction; every stored change lands in the feed."""

    def __init__(self, product: Product, session: Session, last_seq: int) -> None:
        self.product = product
        self.session = session
        self.seq = last_seq
        self.now = datetime.now(timezone.utc)
        self.pending: list[dict[str, Any]] = []
        self._last_ids: dict[str, int] = {}

    def new_ids(self, resource: Resource, count: int) -> list[int]:
        """Ids for new rows; safe because every writer of this product holds the lock."""
        last = self._last_ids.get(resource.name)
        if last is None:
            last = self.session.execute(select(func.max(resource.table.id))).scalar() or 0
        self._last_ids[resource.name] = last + count
        return list(range(last + 1, last + count + 1))

    def res(self, name: str) -> Resource:
        return self.product.resources[name]

    # -- feed ------------------------------------------------------------------
    def record(self, resource: str, record_id: int, op: Op, data: Doc | Encoded) -> None:
        self.seq += 1
        self.pending.append({"seq": self.seq, "resource": resource, "record_id": record_id,
                             "op": op, "at": self.now, "data": data})

    def flush_changes(self) -> None:
        if self.pending:
            insert_rows(self.session, self.product.tables.changes.__table__, self.pending)
            self.pending = []

    # -- lookups ---------------------------------------------------------------
    def by_key(self, resource: Resource, key: str) -> Any | None:
        return self.session.execute(
            select(resource.table).where(resource.table.key == key)).scalar_one_or_none()

    def by_id(self, resource: Resource, record_id: int) -> Any:
        row = self.session.get(resource.table, record_id)
        if row is None:
            raise not_found(resource.name, record_id)
        return row

    def by_ref(self, resource: Resource, ref: str) -> list[Any]:
        table = resource.table
        return list(self.session.execute(
            select(table).where(table.ref == ref).order_by(table.id)).scalars())

    # -- writes ----------------------------------------------------------------
    def save(self, resource: Resource, item: BaseModel, row: Any | None) -> tuple[Any, Outcome]:
        """Store a validated client item (create when ``row`` is None)."""
        doc = resource.build(self, item.model_dump(mode="json"), None if row is None else row.data)
        return self.save_doc(resource, doc, row)

    def save_doc(self, resource: Resource, doc: Doc, row: Any | None) -> tuple[Any, Outcome]:
        """Store a whole document, running the resource's rules and side effects."""
        before = None if row is None else row.data
        if row is not None and before == doc and not row.archived:
            return row, "unchanged"
        resource.check(self, doc, before)
        if row is None:
            row = resource.table(id=self.new_ids(resource, 1)[0], key=resource.key_of(doc), ref=resource.ref_of(doc), data=doc,
                                 archived=False, created_at=self.now, updated_at=self.now)
            self.session.add(row)
            self.session.flush()
            outcome: Outcome = "created"
        else:
            row.data, row.ref, row.archived, row.updated_at = (
                doc, resource.ref_of(doc), False, self.now)
            outcome = "updated"
        self.record(resource.name, row.id, "create" if outcome == "created" else "update",
                    represent_row(row))
        resource.after(self, row.id, doc, before)
        return row, outcome

    def remove(self, resource: Resource, row: Any, *, hard: bool) -> None:
        if hard:
            data = represent_row(row)
            self.session.delete(row)
            self.session.flush()
            self.record(resource.name, data["id"], "delete", data)
        elif not row.archived:
            row.archived, row.updated_at = True, self.now
            self.session.flush()
            self.record(resource.name, row.id, "update", represent_row(row))
        else:
            return
        resource.after_remove(self, row.data)
