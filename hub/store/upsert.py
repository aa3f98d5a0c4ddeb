"""Bulk INSERT and INSERT … ON CONFLICT DO UPDATE for the dialects the store runs on."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Mapping, Sequence
from functools import lru_cache
from itertools import chain
from typing import Any

from sqlalchemy import Connection, Dialect, Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session


INSERTS = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}
"""The dialects whose INSERT … ON CONFLICT the store uses."""


def upsert_rows(session: Session, table: Table, rows: Sequence[dict[str, Any]],
                *, keys: Sequence[str]) -> None:
    """Insert ``rows``; where a row with the same ``keys`` exists, update it instead."""
    if not rows:
        return
    dialect = session.get_bind().dialect.name
    if dialect not in INSERTS:
        raise NotImplementedError(f"upsert is not implemented for {dialect}")
    session.execute(_insert_statement(dialect, table, tuple(rows[0]), tuple(keys)), list(rows))


def _insert_statement(dialect: str, table: Table, columns: tuple[str, ...],
                      keys: tuple[str, ...]) -> Any:
    """INSERT of ``columns``; with ``keys``, updating the row that has the same keys."""
    statement = INSERTS[dialect](table)
    if keys:
        statement = statement.on_conflict_do_update(
            index_elements=list(keys),
            set_={c: statement.excluded[c] for c in columns if c not in keys})
    return statement


class DriverStatement:
    """A statement compiled once and run on the driver itself, many rows at a time.

    SQLAlchemy's execute path builds every row's parameters in Python (and wraps
    results and transactions), which cost more than the database's own work for the
    few small rows per record a sync or a webhook writes. Here each value only goes
    through its column type's bind processor, the same conversion SQLAlchemy applies,
    and a value every row shares (a batch's timestamp, entity, system) goes through it
    once.
    """

    def __init__(self, sql: str, positional: bool, names: list[str],
                 processors: list[Callable[[Any], Any] | None]) -> None:
        self.sql = sql
        self.positional = positional
        self.names = names
        self.processors = processors

    @classmethod
    def compile(cls, statement: Any, dialect: Dialect, *, expect: Sequence[str],
                column_keys: Sequence[str] | None = None) -> DriverStatement | None:
        """None when the compiled statement binds other parameters than ``expect``
        (a column default the rows do not carry): the caller takes SQLAlchemy's path."""
        compiled = statement.compile(dialect=dialect, column_keys=column_keys)
        names = list(compiled.positiontup or []) if compiled.positional else list(compiled.binds)
        if sorted(names) != sorted(expect):
            return None
        return cls(compiled.string, bool(compiled.positional), names,
                   [compiled.binds[n].type.dialect_impl(dialect).bind_processor(dialect)
                    for n in names])

    def bind(self, rows: Sequence[Mapping[str, Any]],
             source: Mapping[str, str] | None = None) -> list[Any]:
        """The driver's parameters for ``rows``; ``source`` names the row key of a
        parameter called otherwise."""
        if not rows:
            return []
        keys = [source.get(n, n) if source else n for n in self.names]
        return self.bind_columns({n: [row[k] for row in rows]
                                  for n, k in zip(self.names, keys, strict=True)}, len(rows))

    def bind_columns(self, columns: Mapping[str, Sequence[Any]], count: int,
                     shared: Mapping[str, Any] | None = None) -> list[Any]:
        """The driver's parameters for ``count`` rows given column by column: each
        parameter's values from ``columns``, or its one value for every row from
        ``shared``."""
        bound = []
        for name, processor in zip(self.names, self.processors, strict=True):
            if shared is not None and name in shared:
                value = shared[name]
                bound.append([value if processor is None else processor(value)] * count)
            else:
                bound.append(_bound(processor, columns[name]))
        if self.positional:
            return list(zip(*bound, strict=True))
        return [dict(zip(self.names, values, strict=True)) for values in zip(*bound, strict=True)]

    def with_rows(self, count: int) -> str:
        """The INSERT with ``count`` rows in its VALUES, each bound as the one row was."""
        head, values, tail = self.sql.partition(" VALUES ")
        end = _closing(tail) + 1             # a placeholder may be cast: CAST(? AS TEXT)
        return f"{head}{values}{', '.join([tail[:end]] * count)}{tail[end:]}"


def _closing(text: str) -> int:
    """Where the parenthesis that ``text`` opens with closes."""
    depth = 0
    for at, char in enumerate(text):
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth == 0:
                return at
    raise ValueError(f"unbalanced parentheses in {text!r}")


def write_many(session: Session, table: Table, rows: Sequence[dict[str, Any]],
               *, shared: Mapping[str, Any] | None = None,
               keys: Sequence[str] | None = None) -> None:
    """INSERT many rows (an upsert on ``keys``); see ``write_columns``."""
    if rows:
        write_columns(session, table, {name: [row[name] for row in rows] for name in rows[0]},
                      shared=shared, keys=keys)


def write_columns(session: Session, table: Table, columns: Mapping[str, Sequence[Any]], *,
                  shared: Mapping[str, Any] | None = None,
                  keys: Sequence[str] | None = None) -> None:
    """INSERT rows given column by column (an upsert on ``keys``) on the driver itself
    (``DriverStatement``); another dialect takes SQLAlchemy's ordinary path.

    ``columns`` holds each column's values, one a row; ``shared`` the values every row
    has (a batch's entity, system, time), converted once. A checkpoint hands over its
    columns as it gathered them, instead of a dict a row taken apart again here.
    """
    count = len(next(iter(columns.values()))) if columns else 0
    if not count:
        return
    shared = shared or {}
    connection = session.connection()
    dialect = connection.dialect
    names = (*columns, *shared)
    driver = None
    if dialect.name in INSERTS:
        statement, driver = _compiled(dialect, table, names, tuple(keys or ()))
    if driver is None:
        rows = [dict(zip(columns, values, strict=True), **shared)
                for values in zip(*columns.values(), strict=True)]
        if dialect.name in INSERTS:
            session.execute(statement, rows)
        elif keys:
            upsert_rows(session, table, rows, keys=keys)
        else:
            session.execute(table.insert(), rows)
        return
    parameters = driver.bind_columns(columns, count, shared)
    if dialect.name == "sqlite" and driver.positional:
        _insert_at_once(connection, driver, parameters)
    else:
        connection.exec_driver_sql(driver.sql, parameters)


@lru_cache(maxsize=256)
def _compiled(dialect: Dialect, table: Table, columns: tuple[str, ...], keys: tuple[str, ...]
              ) -> tuple[Any, DriverStatement | None]:
    """The INSERT (or upsert on ``keys``) of these columns, compiled once per process:
    compiling it took a few percent of a sync batch's checkpoint."""
    statement = _insert_statement(dialect.name, table, columns, keys)
    return statement, DriverStatement.compile(statement, dialect, expect=columns,
                                              column_keys=columns)


ROWS_PER_STATEMENT = 1000
"""A sync batch's rows; the statement's text stays far below SQLite's length limit."""


def _insert_at_once(connection: Connection, driver: DriverStatement,
                    rows: list[tuple[Any, ...]]) -> None:
    """SQLite: a batch's rows in one statement, as far as its limit on parameters allows.

    The driver's executemany resets, binds and steps the statement once per row, and
    lets go of the GIL and takes it back each time; one statement binds every row at
    once and steps once. A sync batch's checkpoint runs 11% fewer instructions so
    (``benchmarks/sync_stages.py``: 243,507 → 217,702 per record).
    """
    variables = connection.connection.driver_connection.getlimit(  # type: ignore[union-attr]
        sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
    per_statement = max(1, min(ROWS_PER_STATEMENT, variables // len(driver.names)))
    for start in range(0, len(rows), per_statement):
        part = rows[start:start + per_statement]
        connection.exec_driver_sql(driver.with_rows(len(part)), tuple(chain.from_iterable(part)))


def _bound(processor: Callable[[Any], Any] | None, values: Sequence[Any]) -> Sequence[Any]:
    """One column's values as the driver takes them; a shared one converted once."""
    if processor is None:
        return values
    first = values[0]
    if all(value is first for value in values):
        return [processor(first)] * len(values)
    return [processor(value) for value in values]
