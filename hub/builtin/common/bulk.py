"""Bulk row writes: COPY on PostgreSQL, executemany elsewhere.

A batch upsert of thousands of records must not cost one round trip per row; on
PostgreSQL, COPY (and COPY into a temporary table + one UPDATE … FROM) is an order of
magnitude faster than pipelined executemany.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import JSON, Table, bindparam, text
from sqlalchemy.orm import Session

from hub.builtin.common.tables import Encoded, JsonDoc
from hub.store.db import json_dumps
from hub.store.upsert import write_many


def _copy_value(table: Table, column: str, value: Any) -> Any:
    if isinstance(value, Encoded):
        return str(value)
    if value is not None and isinstance(table.c[column].type, (JSON, JsonDoc)):
        return json_dumps(value)
    return value


def _copy(session: Session, table_name: str, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    columns = list(rows[0])
    driver = session.connection().connection.driver_connection
    assert driver is not None
    with driver.cursor() as cursor, cursor.copy(
            f"COPY {table_name} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row([_copy_value(table, c, row[c]) for c in columns])


def insert_rows(session: Session, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    if not rows:
        return
    if session.get_bind().dialect.name == "postgresql":
        session.flush()
        _copy(session, table.name, table, rows)
    else:
        write_many(session, table, rows)


def update_rows(session: Session, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Update rows by ``id``; every row carries the same columns."""
    if not rows:
        return
    columns = [c for c in rows[0] if c != "id"]
    if session.get_bind().dialect.name == "postgresql":
        session.flush()
        temp = f"tmp_{table.name}"
        types = ", ".join(f"{c} {table.c[c].type.compile(session.get_bind().dialect)}"
                          for c in ["id", *columns])
        session.execute(text(f"DROP TABLE IF EXISTS {temp}"))
        session.execute(text(f"CREATE TEMPORARY TABLE {temp} ({types}) ON COMMIT DROP"))
        _copy(session, temp, table, rows)
        assignments = ", ".join(f"{c} = {temp}.{c}" for c in columns)
        session.execute(text(f"UPDATE {table.name} SET {assignments} FROM {temp} "
                             f"WHERE {table.name}.id = {temp}.id"))
    else:
        _update_many(session, table, columns, rows)


def _update_many(session: Session, table: Table, columns: list[str],
                 rows: Sequence[dict[str, Any]]) -> None:
    """UPDATE … WHERE id = ? through the driver's executemany.

    As ``write_many`` does for inserts: the statement is compiled once and each column's
    values go through its type's bind processor, once for a value every row shares
    (the batch's timestamp, ``archived``), instead of SQLAlchemy building each row's
    parameters in Python.
    """
    connection = session.connection()
    dialect = connection.dialect
    statement = table.update().where(table.c.id == bindparam("b_id")).values(
        {c: bindparam(f"b_{c}") for c in columns})
    compiled = statement.compile(dialect=dialect)
    names = list(compiled.positiontup or []) if compiled.positional else list(compiled.binds)
    if sorted(names) != sorted(f"b_{c}" for c in ["id", *columns]):
        session.execute(statement, [{f"b_{c}": r[c] for c in ["id", *columns]} for r in rows])
        return
    values = []
    for name in names:
        processor = compiled.binds[name].type.dialect_impl(dialect).bind_processor(dialect)
        column = [row[name[2:]] for row in rows]
        first = column[0]
        if processor is None:
            values.append(column)
        elif all(value is first for value in column):
            values.append([processor(first)] * len(column))
        else:
            values.append([processor(value) for value in column])
    params: list[Any] = (list(zip(*values, strict=True)) if compiled.positional else
                         [dict(zip(names, row, strict=True)) for row in zip(*values, strict=True)])
    connection.exec_driver_sql(compiled.string, params)
