"""Fixtures for these end-to-end tests (the helpers are in yonyou_e2e_support)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from examples.yonyou.scenario import load_config, serve
from hub.store.db import session_factory
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
def make_ycontext(yworld: YonyouWorld, store_engine: Engine) -> Iterator[MakeYonyouContext]:
    made: list[SyncContext] = []

    def make(**yonyou_settings: Any) -> SyncContext:
        settings = {"retry_initial_wait": 0.01, **yonyou_settings}
        config = load_config(yworld.servers.builtin_url, yworld.servers.yonyou_url, settings)
        ctx = SyncContext(config=config, sessions=session_factory(store_engine))
        made.append(ctx)
        return ctx

    yield make
    for ctx in made:
        ctx.close()
