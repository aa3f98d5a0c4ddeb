"""One database per backend for the reference products' tests, emptied between tests.

Creating a database and its ~35 tables per test cost 2-5 s (most of the folder's
time); emptying the tables of a shared one costs milliseconds and leaves the same
state a fresh database has: no rows, every feed back at sequence 0, ids from 1.

Imported by ``tests/builtin/conftest.py`` and ``tests/connectors/test_builtin_connector.py``
as ``builtin.support`` (``tests/`` is on ``sys.path``).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from sqlalchemy import Engine, Table

from db_support import BACKENDS, fresh_database_url
from hub.builtin.app import make_products
from hub.store.db import make_engine

TOKEN = "test-builtin-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


@dataclass
class SharedDatabase:
    """A real database holding the products' tables, reset to empty on demand."""

    url: str
    engine: Engine
    tables: list[Table] = field(default_factory=list)
    feed_tables: list[Table] = field(default_factory=list)

    @classmethod
    def create(cls, url: str) -> SharedDatabase:
        engine = make_engine(url)
        shared = cls(url, engine)
        for product in make_products().values():
            metadata = product.tables.base.metadata
            metadata.create_all(engine)
            shared.tables += reversed(metadata.sorted_tables)  # children before parents
            shared.feed_tables.append(product.tables.feed_state.__table__)
        shared.reset()
        return shared

    def reset(self) -> None:
        """Empty every product table and put each feed back at sequence 0."""
        with self.engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                # One round trip; DELETE of a few rows is ~100x faster than TRUNCATE
                # (which replaces every table's files), then serials restart at 1.
                statements = [f'DELETE FROM "{t.name}"' for t in self.tables] + [
                    f"SELECT setval(pg_get_serial_sequence('{t.name}', "
                    f"'{t.autoincrement_column.name}'), 1, false)"
                    for t in self.tables if t.autoincrement_column is not None]
                conn.exec_driver_sql("; ".join(statements))
            else:
                for table in self.tables:
                    conn.execute(table.delete())
            for feed in self.feed_tables:
                conn.execute(feed.insert().values(id=1, last_seq=0))

    def close(self) -> None:
        self.engine.dispose()


def shared_database_for(backend: str,
                        tmp_path_factory: pytest.TempPathFactory) -> Iterator[SharedDatabase]:
    """A fixture body: the shared database of ``backend``, dropped at the end."""
    urls = fresh_database_url(backend, tmp_path_factory.mktemp("builtin-db"))
    try:
        shared = SharedDatabase.create(next(urls))
        try:
            yield shared
        finally:
            shared.close()
    finally:
        urls.close()  # drops the PostgreSQL database


__all__ = ["AUTH", "BACKENDS", "TOKEN", "SharedDatabase", "shared_database_for"]
