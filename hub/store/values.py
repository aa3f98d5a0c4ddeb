"""``column IN (values…)`` with the whole list as one bound parameter.

The engine looks up a batch's thousand ids at a time. A plain ``IN`` binds one
parameter per value, which SQLAlchemy expands and renders on every execution and
SQLite caps; binding the list once (a JSON array read by ``json_each`` on SQLite, an
array with ``= ANY`` on PostgreSQL) keeps the statement the same for every batch.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import orjson
from sqlalchemy import ColumnElement, String, any_, bindparam, func, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session


def one_of(session: Session, column: Any, values: Iterable[str]) -> ColumnElement[bool]:
    """A condition true where ``column`` (a text column) equals one of ``values``."""
    values = list(values)
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite":
        listed = func.json_each(bindparam(None, orjson.dumps(values).decode(), type_=String))
        return column.in_(select(listed.table_valued("value").c.value))  # type: ignore[no-any-return]
    if dialect == "postgresql":
        return column == any_(bindparam(None, values, type_=ARRAY(String)))  # type: ignore[no-any-return]
    return column.in_(values)  # type: ignore[no-any-return]
