"""The inbox writer: group commit (one transaction for the rows of one loop turn, each
caller told which of its events were new), committed before it returns, and SQLite
checkpoints done by its own thread, not by the request path."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from sqlalchemy import Engine, select

from hub.api.inbox import InboxWriter
from hub.store.db import make_engine
from hub.store.migrate import create_store_engine
from hub.store.tables import InboxEvent


def test_requests_of_one_loop_turn_share_one_commit_and_each_learns_its_duplicates(
        store_engine: Engine, database_url: str) -> None:
    writer = InboxWriter(store_engine)
    writer.store(system="shop", event_ids=["old"], headers={}, body=b"{}")

    async def burst() -> list[set[str]]:
        calls = [writer.store_async(system="shop", event_ids=ids, headers={"a": "b"},
                                    body=b'{"n": 1}')
                 for ids in (["e1", "e2"], ["old"], ["e3"], ["e1"])]
        return await asyncio.gather(*calls)

    try:
        results = asyncio.run(burst())
    finally:
        writer.close()
    assert results == [{"e1", "e2"}, set(), {"e3"}, set()]
    assert (writer.batches, writer.rows) == (2, 6)      # the one-off store, then one batch
    other = make_engine(database_url)                   # another process's view
    try:
        with other.connect() as connection:
            stored = connection.execute(select(InboxEvent.event_id, InboxEvent.status,
                                               InboxEvent.headers)
                                        .order_by(InboxEvent.id)).all()
    finally:
        other.dispose()
    assert [tuple(r) for r in stored] == [("old", "pending", {}),
                                          ("e1", "pending", {"a": "b"}),
                                          ("e2", "pending", {"a": "b"}),
                                          ("e3", "pending", {"a": "b"})]


def test_sqlite_checkpoints_happen_in_the_writers_own_thread_once_writes_pause(
        tmp_path: Path) -> None:
    engine = create_store_engine(f"sqlite:///{tmp_path / 'hub.db'}")
    writer = InboxWriter(engine)
    main_file = tmp_path / "hub.db"
    try:
        writer.store(system="shop", event_ids=["warm"], headers={}, body=b"{}")
        connection = writer._connection
        assert connection is not None
        cursor = connection.cursor()
        assert cursor.execute("PRAGMA wal_autocheckpoint").fetchone() == (0,)
        cursor.close()
        before = main_file.stat().st_size
        for n in range(40):
            writer.store(system="shop", event_ids=[f"e{n}"], headers={}, body=b"x" * 3000)
        deadline = time.monotonic() + 10
        while main_file.stat().st_size <= before and time.monotonic() < deadline:
            time.sleep(0.05)
        assert main_file.stat().st_size > before     # pages copied back from the WAL
    finally:
        writer.close()
        engine.dispose()
