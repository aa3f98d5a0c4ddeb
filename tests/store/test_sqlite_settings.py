"""A new SQLite store gets 16 KiB pages; one made before keeps its pages, and both
checkpoint their WAL every 40 MiB."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from hub.store.db import PAGE_SIZE, WAL_AUTOCHECKPOINT_BYTES, make_engine


def settings(path: Path) -> tuple[int, int, str]:
    engine = make_engine(f"sqlite:///{path}")
    try:
        with engine.begin() as connection:
            connection.exec_driver_sql("CREATE TABLE IF NOT EXISTS t (x INTEGER)")
            connection.exec_driver_sql("INSERT INTO t VALUES (1)")
        with engine.connect() as connection:
            return (connection.exec_driver_sql("PRAGMA page_size").scalar(),
                    connection.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar(),
                    connection.exec_driver_sql("PRAGMA journal_mode").scalar())
    finally:
        engine.dispose()


def test_a_new_store_has_16_kib_pages(tmp_path: Path) -> None:
    assert settings(tmp_path / "new.db") == (
        PAGE_SIZE, WAL_AUTOCHECKPOINT_BYTES // PAGE_SIZE, "wal")
    assert PAGE_SIZE == 16_384


def test_a_store_made_with_smaller_pages_keeps_them(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    made_before = sqlite3.connect(path)
    try:
        made_before.execute("PRAGMA page_size=4096")      # SQLite's own default
        made_before.execute("CREATE TABLE t (x INTEGER)")
    finally:
        made_before.close()
    assert settings(path) == (4096, WAL_AUTOCHECKPOINT_BYTES // 4096, "wal")
    assert settings(path)[1] == 10_240                 # 40 MiB either way
