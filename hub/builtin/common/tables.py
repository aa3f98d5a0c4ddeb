"""The tables every product has: one document table per resource, the change feed,
the feed's lock row, and webhook subscriptions.

A resource row keeps the record as a JSON document (``data``) beside its natural key
and one indexed reference column, like many SaaS products do: the product's own
pydantic models define and validate the shape, the table keeps it.

A batch upsert stores each document twice (the record and its feed row), so both
columns take a document already encoded (``Encoded``): it is encoded once.
"""

from __future__ import annotations

import threading
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, DateTime, Index, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from hub.store.base import Encoded, JsonColumn


SEQ = BigInteger().with_variant(Integer, "sqlite")
"""On SQLite only ``INTEGER PRIMARY KEY`` is the rowid: a BIGINT key would be a second
B-tree beside it, written on every change and read through on every feed page."""


class DocRow:
    """Columns of a resource table (mixed into a per-product declarative class).

    Ids are assigned by the writer under the product's feed lock (max + 1), not by a
    database sequence, so a batch inserts with a plain executemany and no RETURNING.
    """

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    ref: Mapped[str | None] = mapped_column(String(200), index=True, nullable=True)
    data: Mapped[dict[str, Any]] = mapped_column(JsonColumn)
    archived: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ChangeRow:
    seq: Mapped[int] = mapped_column(SEQ, primary_key=True, autoincrement=False)
    resource: Mapped[str] = mapped_column(String(60))
    record_id: Mapped[int] = mapped_column(Integer)
    op: Mapped[str] = mapped_column(String(10))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    data: Mapped[dict[str, Any]] = mapped_column(JsonColumn)


class FeedStateRow:
    """One row per product; writers lock it, so sequence numbers commit in order."""

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last_seq: Mapped[int] = mapped_column(BigInteger, default=0)


class SubscriptionRow:
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    url: Mapped[str] = mapped_column(String(2000))
    secret: Mapped[str] = mapped_column(String(500))
    resources: Mapped[list[str]] = mapped_column(JSON)
    last_seq: Mapped[int] = mapped_column(BigInteger, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    delivered: Mapped[int] = mapped_column(Integer, default=0)
    failed: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


_TABLES_LOCK = threading.RLock()


class ProductTables:
    """The declarative base and fixed tables of one product, tables prefixed ``{app}_``.

    Get them with ``product_tables(app)``: mapping ~30 classes costs a noticeable part
    of an app build, and the classes hold no connection, so every app built in one
    process (tests build many) shares them.
    """

    def __init__(self, app: str) -> None:
        class Base(DeclarativeBase):
            pass

        self.app = app
        self.base: type[DeclarativeBase] = Base
        self.changes: type[Any] = type(f"{app}_changes", (Base, ChangeRow), {
            "__tablename__": f"{app}_changes",
            "__table_args__": (Index(f"ix_{app}_changes_resource_seq", "resource", "seq"),),
        })
        self.feed_state: type[Any] = type(f"{app}_feed_state", (Base, FeedStateRow),
                                          {"__tablename__": f"{app}_feed_state"})
        self.subscriptions: type[Any] = type(f"{app}_webhook_subscriptions",
                                             (Base, SubscriptionRow),
                                             {"__tablename__": f"{app}_webhook_subscriptions"})
        self.docs: dict[str, type[Any]] = {}

    def doc_table(self, resource: str) -> type[Any]:
        """The table of one resource (``crm_customers``), created once."""
        with _TABLES_LOCK:
            if resource not in self.docs:
                name = f"{self.app}_{resource}"
                self.docs[resource] = type(name, (self.base, DocRow), {"__tablename__": name})
            return self.docs[resource]


_TABLES: dict[str, ProductTables] = {}


def product_tables(app: str) -> ProductTables:
    """The one ``ProductTables`` of ``app`` in this process."""
    with _TABLES_LOCK:
        if app not in _TABLES:
            _TABLES[app] = ProductTables(app)
        return _TABLES[app]
