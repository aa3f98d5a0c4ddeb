"""Timestamps bound on SQLite are the very text SQLAlchemy's own ``DATETIME`` stores:
stored values are compared as text (``expires_at < now``), old and new side by side."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import Column, Integer, MetaData, Table, create_engine, insert, select
from sqlalchemy.dialects import sqlite

from hub.store.base import UtcDateTime

ZONES = st.sampled_from([timezone.utc, timezone(timedelta(hours=8)),
                         timezone(timedelta(hours=-9, minutes=-30)), timezone(timedelta(hours=14))])


@settings(max_examples=500, deadline=None)
@given(moment=st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30),
                           timezones=ZONES))
def test_the_bound_text_is_what_sqlalchemys_datetime_stores(moment: datetime) -> None:
    dialect = sqlite.dialect()
    ours = UtcDateTime().dialect_impl(dialect).bind_processor(dialect)
    theirs = sqlite.DATETIME().bind_processor(dialect)
    assert ours.__qualname__.startswith("UtcDateTime.")      # the store's own, one step
    assert ours(moment) == theirs(moment.astimezone(timezone.utc))


def test_a_timestamp_comes_back_as_the_same_instant_in_utc() -> None:
    table = Table("stamps", MetaData(), Column("id", Integer, primary_key=True),
                  Column("at", UtcDateTime()))
    engine = create_engine("sqlite://")
    table.metadata.create_all(engine)
    shanghai = datetime(2026, 3, 1, 8, 0, 0, 5, tzinfo=timezone(timedelta(hours=8)))
    with engine.begin() as connection:
        connection.execute(insert(table), [{"id": 1, "at": shanghai}, {"id": 2, "at": None}])
        stored = dict(connection.execute(select(table.c.id, table.c.at)).all())
    assert stored[1] == shanghai and stored[1].tzinfo == timezone.utc
    assert stored[2] is None
    with engine.begin() as connection, pytest.raises(Exception, match="naive datetime"):
        connection.execute(insert(table), [{"id": 3, "at": datetime(2026, 3, 1)}])
