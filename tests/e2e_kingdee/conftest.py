"""Fixtures for these end-to-end tests (the helpers are in kingdee_e2e_support)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from examples.kingdee.scenario import load_config, serve
from hub.store.db import session_factory
from hub.sync.context import SyncContext
from kingdee_e2e_support import MakeContext, World


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    """The products keep their own SQLite file; the hub store follows ``backend``."""
    with serve(f"sqlite:///{tmp_path / 'products.db'}") as servers:
        made = World(servers)
        yield made
        made.close()


@pytest.fixture
def make_context(world: World, store_engine: Engine) -> Iterator[MakeContext]:
    made: list[SyncContext] = []

    def make(**kingdee_settings: Any) -> SyncContext:
        settings = {"retry_initial_wait": 0.01, **kingdee_settings}
        config = load_config(world.servers.builtin_url, world.servers.kingdee_url, settings)
        ctx = SyncContext(config=config, sessions=session_factory(store_engine))
        made.append(ctx)
        return ctx

    yield make
    for ctx in made:
        ctx.close()
