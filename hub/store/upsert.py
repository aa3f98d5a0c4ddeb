"""INSERT … ON CONFLICT DO UPDATE for the dialects the store runs on."""

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
