"""End-to-end fixtures: the reference CRM and a K3Cloud emulator on loopback, a real store.

The hub configuration is examples/kingdee/hub.yaml itself, pointed at these servers,
so every test also proves the shipped example.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine

from examples.kingdee.scenario import Crm, KingdeeDesk, Servers, load_config, serve
from hub.store.db import session_factory
from hub.sync.context import SyncContext

MakeContext = Callable[..., SyncContext]


class World:
    def __init__(self, servers: Servers) -> None:
        self.servers = servers
        self.crm = Crm(servers.builtin_url)
        self.desk = KingdeeDesk(servers.kingdee_url)

    def faults(self, **faults: Any) -> None:
        httpx.post(f"{self.servers.kingdee_url}/__emulator__/faults",
                   json=faults).raise_for_status()

    def state(self) -> dict[str, Any]:
        return httpx.get(f"{self.servers.kingdee_url}/__emulator__/state").json()  # type: ignore[no-any-return]

    def kingdee_docs(self, form_id: str) -> list[dict[str, Any]]:
        emulator = self.servers.kingdee_app.state.emulator
        with emulator.lock:
            return [dict(d) for d in emulator.store.docs[form_id].values()]

    def stock_count(self, stock_id: str, qty: float) -> None:
        """A stock document posted in K3Cloud moves one inventory row (no WebAPI for it)."""
        emulator = self.servers.kingdee_app.state.emulator
        with emulator.lock:
            row = emulator.store.docs["STK_Inventory"][stock_id]
            row.update(FBaseQty=qty, FQty=qty, FBaseAvbQty=qty,
                       FUpdateTime=emulator.store.now())

    def close(self) -> None:
        self.crm.close()
        self.desk.close()


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
