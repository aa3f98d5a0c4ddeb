"""The inbox writer: group commit (one transaction for the rows of one loop turn, each
caller told which of its events were new), committed before it returns, and SQLite
checkpoints done by its own thread, not by the request path."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from sqlalchemy import Engine, select

from hub.api.inbox import InboxWriter
from hub.store.db import WAL_AUTOCHECKPOINT_BYTES, make_engine
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


def test_the_writer_hands_its_connection_back_with_the_stores_settings(tmp_path: Path) -> None:
    engine = create_store_engine(f"sqlite:///{tmp_path / 'hub.db'}")
    try:
        writer = InboxWriter(engine)
        writer.store(system="shop", event_ids=["e1"], headers={}, body=b"{}")
        writer.close()
        with engine.connect() as connection:          # the pool's one connection: the writer's
            page_size = connection.exec_driver_sql("PRAGMA page_size").scalar()
            assert connection.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() \
                == WAL_AUTOCHECKPOINT_BYTES // page_size
            assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30000
    finally:
        engine.dispose()


def test_a_held_sqlite_write_lock_is_waited_out_without_stalling_the_event_loop(
        tmp_path: Path) -> None:
    """Another connection holds the write lock for 60 ms: the requests wait it out
    (none fails, each is committed) while the event loop keeps running other work,
    instead of sleeping inside SQLite's busy handler on the loop's thread."""
    import sqlite3

    engine = create_store_engine(f"sqlite:///{tmp_path / 'hub.db'}")
    writer = InboxWriter(engine)
    writer.store(system="shop", event_ids=["warm"], headers={}, body=b"{}")
    holder = sqlite3.connect(tmp_path / "hub.db", isolation_level=None)

    async def scenario() -> tuple[list[set[str]], int, float]:
        holder.execute("BEGIN IMMEDIATE")            # the worker, recording a batch
        ticks = 0
        locked = True

        async def ticker() -> None:
            nonlocal ticks
            while locked:
                ticks += 1
                await asyncio.sleep(0.002)

        ticking = asyncio.create_task(ticker())
        started = time.monotonic()
        calls = asyncio.gather(*(writer.store_async(system="shop", event_ids=[f"e{n}"],
                                                    headers={}, body=b"{}")
                                 for n in range(5)))
        await asyncio.sleep(0.06)
        assert not calls.done()                      # nothing committed under the lock
        holder.execute("COMMIT")
        results = await calls
        waited = time.monotonic() - started
        locked = False
        await ticking
        return results, ticks, waited

    try:
        results, ticks, waited = asyncio.run(scenario())
        also = writer.store(system="shop", event_ids=["after"], headers={}, body=b"{}")
    finally:
        holder.close()
        writer.close()
        engine.dispose()
    assert results == [{f"e{n}"} for n in range(5)]
    assert also == {"after"}
    assert ticks >= 10                    # the loop ran on through the 60 ms lock
    assert waited < 5


def test_the_synchronous_store_waits_out_a_held_write_lock(tmp_path: Path) -> None:
    import sqlite3
    import threading

    engine = create_store_engine(f"sqlite:///{tmp_path / 'hub.db'}")
    writer = InboxWriter(engine)
    writer.store(system="shop", event_ids=["warm"], headers={}, body=b"{}")
    holder = sqlite3.connect(tmp_path / "hub.db", isolation_level=None,
                             check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")
    release = threading.Timer(0.05, lambda: holder.execute("COMMIT"))
    release.start()
    try:
        started = time.monotonic()
        stored = writer.store(system="shop", event_ids=["e1"], headers={}, body=b"{}")
        waited = time.monotonic() - started
    finally:
        release.join()
        holder.close()
        writer.close()
        engine.dispose()
    assert stored == {"e1"}
    assert 0.04 <= waited < 5
