"""Bulk INSERT and INSERT … ON CONFLICT DO UPDATE for the dialects the store runs on."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session


def upsert_rows(session: Session, table: Table, rows: Sequence[dict[str, Any]],
                *, keys: Sequence[str]) -> None:
    """Insert ``rows``; where a row with the same ``keys`` exists, update it instead."""
    if not rows:
        return
    dialect = session.get_bind().dialect.name
    insert = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}.get(dialect)
    if insert is None:
        raise NotImplementedError(f"upsert is not implemented for {dialect}")
    statement = insert(table)
    updated = {c: statement.excluded[c] for c in rows[0] if c not in keys}
    statement = statement.on_conflict_do_update(index_elements=list(keys), set_=updated)
    session.execute(statement, list(rows))


def write_many(session: Session, table: Table, rows: Sequence[dict[str, Any]],
                *, keys: Sequence[str] | None = None) -> None:
    """INSERT many rows (an upsert on ``keys``) through the driver's executemany.

    SQLAlchemy's executemany builds every row's parameters in Python, which cost more
    than the database's own work for the few rows per record a sync writes. Here the
    statement is compiled once and each value only goes through its column type's
    bind processor (the same conversion SQLAlchemy applies). Anything unusual (a
    column default the rows do not carry, another dialect) takes the ordinary path.
    """
    if not rows:
        return
    connection = session.connection()
    dialect = connection.dialect
    insert = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}.get(dialect.name)
    if insert is None:
        if keys:
            upsert_rows(session, table, rows, keys=keys)
        else:
            session.execute(table.insert(), list(rows))
        return
    columns = list(rows[0])
    statement = insert(table)
    if keys:
        statement = statement.on_conflict_do_update(
            index_elements=list(keys),
            set_={c: statement.excluded[c] for c in columns if c not in keys})
    compiled = statement.compile(dialect=dialect, column_keys=columns)
    names = list(compiled.positiontup or []) if compiled.positional else list(compiled.binds)
    if sorted(names) != sorted(columns):
        session.execute(statement, list(rows))
        return
    processors = [compiled.binds[name].type.dialect_impl(dialect).bind_processor(dialect)
                  for name in names]
    columns_out = [_bound(p, [row[n] for row in rows]) for n, p in
                   zip(names, processors, strict=True)]
    params: list[Any] = (list(zip(*columns_out, strict=True)) if compiled.positional else
                         [dict(zip(names, values, strict=True))
                          for values in zip(*columns_out, strict=True)])
    connection.exec_driver_sql(compiled.string, params)


def _bound(processor: Any, values: list[Any]) -> list[Any]:
    """One column's values as the driver takes them.

    A batch shares many values (its timestamp, entity, system): the same object in
    every row goes through the column's processor once.
    """
    if processor is None:
        return values
    first = values[0]
    if all(value is first for value in values):
        return [processor(first)] * len(values)
    return [processor(value) for value in values]
