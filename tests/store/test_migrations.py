from __future__ import annotations

from datetime import datetime, timezone

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect, select
from sqlalchemy.exc import IntegrityError

from hub.store.db import session_factory, transaction
from hub.store.migrate import downgrade, upgrade
from hub.store.tables import Base, Link, RecordHash


def test_upgrade_from_empty_creates_every_table(database_url: str, empty_engine: Engine) -> None:
    upgrade(database_url)
    tables = set(inspect(empty_engine).get_table_names())
    assert set(Base.metadata.tables) <= tables
    assert "alembic_version" in tables


def test_downgrade_to_base_removes_the_tables(database_url: str, empty_engine: Engine) -> None:
    upgrade(database_url)
    downgrade(database_url, "base")
    assert set(inspect(empty_engine).get_table_names()) <= {"alembic_version"}


def test_the_migrations_build_exactly_the_models_schema(database_url: str,
                                                       empty_engine: Engine) -> None:
    """A model changed without a migration (or the reverse) shows up here, on each backend."""
    upgrade(database_url)
    with empty_engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert differences == []


def test_a_remote_id_links_to_one_hub_id_only(store_engine: Engine) -> None:
    factory = session_factory(store_engine)
    with transaction(factory) as s:
        s.add(Link(entity="customer", hub_id="h1", system="erp", remote_id="C-1"))
    with pytest.raises(IntegrityError):
        with transaction(factory) as s:
            s.add(Link(entity="customer", hub_id="h2", system="erp", remote_id="C-1"))


def test_timestamps_come_back_timezone_aware(store_engine: Engine) -> None:
    factory = session_factory(store_engine)
    when = datetime(2026, 3, 1, 8, 30, tzinfo=timezone.utc)
    with transaction(factory) as s:
        s.add(RecordHash(entity="customer", hub_id="h1", system="crm", hash="x" * 64,
                         source_updated_at=when, snapshot={"name": "ACME 有限公司"}))
    with factory() as s:
        row = s.scalars(select(RecordHash)).one()
    assert row.source_updated_at == when
    assert row.source_updated_at.tzinfo is not None
    assert row.snapshot == {"name": "ACME 有限公司"}


def test_naive_datetimes_are_refused(store_engine: Engine) -> None:
    factory = session_factory(store_engine)
    with pytest.raises(Exception, match="naive datetime"):
        with transaction(factory) as s:
            s.add(RecordHash(entity="customer", hub_id="h1", system="crm", hash="y",
                             source_updated_at=datetime(2026, 1, 1)))
