"""The engine's bulk writes store exactly what SQLAlchemy's own executemany stores."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import Engine, Table, select

from hub.store.db import session_factory
from hub.store.tables import CanonicalState, Link, OutboxEvent, PendingChange, RecordHash
from hub.store.upsert import upsert_rows, write_many

AT = datetime(2026, 3, 1, 8, 30, 15, 123456, tzinfo=timezone(timedelta(hours=8)))


def rows_for(table: Table, prefix: str) -> list[dict[str, Any]]:
    return {
        "links": [{"entity": "customer", "hub_id": f"{prefix}{i}", "system": "erp",
                   "remote_id": f"{prefix}-{i}", "created_at": AT} for i in range(3)],
        "canonical_records": [{"entity": "customer", "hub_id": f"{prefix}{i}",
                               "natural_key": None if i == 1 else f"K{i}",
                               "data": {"name": "Müller & Co", "tags": ["a"], "n": i,
                                        "credit_limit": "1000.5", "none": None},
                               "updated_at": AT} for i in range(3)],
        "record_hashes": [{"entity": "customer", "hub_id": f"{prefix}{i}", "system": "crm",
                           "hash": "h" * 40, "snapshot": None if i == 2 else {"city": "汉堡"},
                           "source_updated_at": None if i == 0 else AT,
                           "written_by_hub": i == 1, "updated_at": AT} for i in range(3)],
        "pending_changes": [{"pipeline": "p", "hub_id": f"{prefix}{i}", "system": "crm",
                             "seq": i, "remote_id": str(i), "natural_key": None,
                             "data": {"x": [1, {"y": True}]}, "raw": None, "deleted": False,
                             "source_updated_at": AT, "observed_at": AT} for i in range(3)],
        "outbox": [{"entity": "customer", "hub_id": f"{prefix}{i}", "op": "create",
                    "pipeline": "p", "data": {"a": i}, "created_at": AT} for i in range(3)],
    }[table.name]


def stored(engine: Engine, table: Table, prefix: str) -> list[tuple[Any, ...]]:
    columns = [c for c in table.c if c.name not in ("id", "hub_id", "remote_id")]
    with engine.connect() as connection:
        rows = connection.execute(select(*columns).where(table.c.hub_id.like(f"{prefix}%"))
                                  .order_by(table.c.hub_id)).all()
        raw = connection.exec_driver_sql(
            f"SELECT {', '.join(c.name for c in columns)} FROM {table.name} "
            f"WHERE substr(hub_id, 1, 1) = '{prefix}' ORDER BY hub_id").all()
    return [tuple(r) for r in rows] + [tuple(r) for r in raw]


KEYS = {"canonical_records": ("entity", "hub_id"),
        "record_hashes": ("entity", "hub_id", "system"),
        "pending_changes": ("pipeline", "hub_id", "system")}


def test_bulk_writes_store_what_sqlalchemy_stores(store_engine: Engine) -> None:
    sessions = session_factory(store_engine)
    for model in (Link, CanonicalState, RecordHash, PendingChange, OutboxEvent):
        table: Table = model.__table__  # type: ignore[assignment]
        keys = KEYS.get(table.name)
        with sessions() as session, session.begin():
            if keys:
                upsert_rows(session, table, rows_for(table, "a"), keys=keys)
            else:
                session.execute(table.insert(), rows_for(table, "a"))
            write_many(session, table, rows_for(table, "b"), keys=keys)
        assert stored(store_engine, table, "a") == stored(store_engine, table, "b"), table.name


def test_bulk_upserts_replace_rows_with_the_same_key(store_engine: Engine) -> None:
    sessions = session_factory(store_engine)
    table: Table = RecordHash.__table__  # type: ignore[assignment]
    with sessions() as session, session.begin():
        write_many(session, table, rows_for(table, "c"), keys=KEYS[table.name])
        again = [{**row, "hash": "new"} for row in rows_for(table, "c")]
        write_many(session, table, again, keys=KEYS[table.name])
    with store_engine.connect() as connection:
        hashes = connection.execute(select(table.c.hash).where(
            table.c.hub_id.like("c%"))).scalars().all()
    assert hashes == ["new", "new", "new"]


def test_bulk_writes_past_one_statement_keep_every_row_and_a_key_s_last_value(
        store_engine: Engine) -> None:
    """More rows than one statement takes (SQLite's bulk path splits them): each is
    stored, and a key written twice in one call ends with its later row, as row-by-row
    upserts leave it."""
    sessions = session_factory(store_engine)
    table: Table = RecordHash.__table__  # type: ignore[assignment]
    template = rows_for(table, "d")[1]
    rows = [{**template, "hub_id": f"d{i:05}", "hash": f"h{i}"} for i in range(2_500)]
    rows.insert(600, {**rows[10], "hash": "later"})         # the same statement as row 10
    rows.append({**rows[20], "hash": "latest"})             # a statement after row 20's
    with sessions() as session, session.begin():
        write_many(session, table, rows, keys=KEYS[table.name])
    with store_engine.connect() as connection:
        hashes = dict(connection.execute(select(table.c.hub_id, table.c.hash).where(
            table.c.hub_id.like("d%"))).tuples().all())
    assert len(hashes) == 2_500
    assert hashes["d00010"] == "later" and hashes["d00020"] == "latest"
    assert hashes["d02499"] == "h2499"
