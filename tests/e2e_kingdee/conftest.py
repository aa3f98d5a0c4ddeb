"""Fixtures for these end-to-end tests (the helpers are in kingdee_e2e_support)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from examples.kingdee.scenario import load_config, serve
from hub.sync.config import HubConfig
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
def make_context(world: World,
                 sync_context_factory: Callable[[HubConfig], SyncContext]) -> MakeContext:
    def make(**kingdee_settings: Any) -> SyncContext:
        settings = {"retry_initial_wait": 0.01, **kingdee_settings}
        return sync_context_factory(load_config(world.servers.builtin_url,
                                                world.servers.kingdee_url, settings))

    return make
