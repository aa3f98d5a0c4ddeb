"""Fixtures for these end-to-end tests (the helpers are in yonyou_e2e_support)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from examples.yonyou.scenario import load_config, serve
from hub.sync.config import HubConfig
from hub.sync.context import SyncContext
from yonyou_e2e_support import MakeYonyouContext, YonyouWorld


@pytest.fixture
def yworld(tmp_path: Path) -> Iterator[YonyouWorld]:
    """The products keep their own SQLite file; the hub store follows ``backend``."""
    with serve(f"sqlite:///{tmp_path / 'products.db'}") as servers:
        made = YonyouWorld(servers)
        yield made
        made.close()


@pytest.fixture
def make_ycontext(yworld: YonyouWorld,
                  sync_context_factory: Callable[[HubConfig], SyncContext]) -> MakeYonyouContext:
    def make(**yonyou_settings: Any) -> SyncContext:
        settings = {"retry_initial_wait": 0.01, **yonyou_settings}
        return sync_context_factory(load_config(yworld.servers.builtin_url,
                                                yworld.servers.yonyou_url, settings))

    return make
