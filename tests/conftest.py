"""Shared fixtures: real databases (SQLite always, PostgreSQL when CI provides one)."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from db_support import BACKENDS, fresh_database_url
from hub.store.db import make_engine

if TYPE_CHECKING:
    from hub.sync.config import HubConfig
    from hub.sync.context import SyncContext

os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
os.environ.setdefault("PREFECT_LOGGING_TO_API_WHEN_MISSING_FLOW", "ignore")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """Each test using a database runs once per available backend."""
    return str(request.param)


@pytest.fixture
def database_url(backend: str, tmp_path: Path) -> Iterator[str]:
    """An empty database of the current backend, dropped afterwards."""
    yield from fresh_database_url(backend, tmp_path)


@pytest.fixture
def empty_engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def store_engine(database_url: str) -> Iterator[Engine]:
    """An engine on a freshly migrated hub store."""
    from hub.store.migrate import create_store_engine

    engine = create_store_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def sync_context_factory(store_engine: Engine) -> Iterator[Callable[[HubConfig], SyncContext]]:
    """SyncContexts on the test's store, each closed (connectors and all) afterwards."""
    from hub.store.db import session_factory
    from hub.sync.context import SyncContext

    made: list[SyncContext] = []

    def make(config: HubConfig) -> SyncContext:
        ctx = SyncContext(config=config, sessions=session_factory(store_engine))
        made.append(ctx)
        return ctx

    yield make
    for ctx in made:
        ctx.close()


def pytest_report_header(config: pytest.Config) -> str:
    return f"tradehub database backends: {', '.join(BACKENDS)}"
