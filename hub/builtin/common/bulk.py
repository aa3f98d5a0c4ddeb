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

from hub.store.base import Encoded, JsonColumn
from hub.store.db import json_dumps
from hub.store.upsert import DriverStatement, write_many


def _copy_value(table: Table, column: str, value: Any) -> Any:
    if isinstance(value, Encoded):
        return value.text
    if value is not None and isinstance(table.c[column].type, (JSON, JsonColumn)):
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
    """UPDATE … WHERE id = ? through the driver's executemany, as ``write_many`` inserts."""
    connection = session.connection()
    statement = table.update().where(table.c.id == bindparam("b_id")).values(
        {c: bindparam(f"b_{c}") for c in columns})
    source = {f"b_{c}": c for c in ["id", *columns]}
    driver = DriverStatement.compile(statement, connection.dialect, expect=list(source))
    if driver is None:
        session.execute(statement, [{name: r[c] for name, c in source.items()} for r in rows])
        return
    connection.exec_driver_sql(driver.sql, driver.bind(rows, source))
