"""Each demo tells the story from the seed: the last demo's databases are cleared first,
but only the embedded SQLite files, never a database given by URL."""

from __future__ import annotations

from pathlib import Path

from hub.config import Settings
from hub.launch import clear_last_demo


def _embedded(folder: Path) -> Settings:
    """The demo's defaults, whatever the environment says."""
    return Settings(data_dir=folder, database_url=None, builtin_database_url=None)


LEFT_BY_A_DEMO = ("hub.db", "hub.db-wal", "hub.db-shm", "builtin.db", "prefect/prefect.db")


def _leave_a_demo(folder: Path) -> None:
    for name in LEFT_BY_A_DEMO:
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(b"data")


def test_the_last_demos_store_and_products_are_cleared_and_prefect_stays(
        tmp_path: Path) -> None:
    _leave_a_demo(tmp_path)
    said: list[str] = []
    clear_last_demo(_embedded(tmp_path), said.append)
    assert sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*") if p.is_file()) \
        == ["prefect/prefect.db"]
    assert len(said) == 1 and "starts afresh" in said[0]


def test_databases_given_by_url_are_never_cleared(tmp_path: Path) -> None:
    _leave_a_demo(tmp_path)
    said: list[str] = []
    for settings in (Settings(data_dir=tmp_path, database_url="sqlite:///elsewhere.db"),
                     Settings(data_dir=tmp_path, builtin_database_url="sqlite:///other.db")):
        clear_last_demo(settings, said.append)
    assert all((tmp_path / name).exists() for name in LEFT_BY_A_DEMO)
    assert said == []


def test_a_first_demo_clears_nothing_and_says_nothing(tmp_path: Path) -> None:
    said: list[str] = []
    clear_last_demo(_embedded(tmp_path / "new"), said.append)
    assert said == []
