"""End-to-end helpers: the reference CRM and a K3Cloud emulator on loopback, a real store.

The hub configuration is examples/kingdee/hub.yaml itself, pointed at these servers,
so every test also proves the shipped example.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx

from examples.kingdee.scenario import Crm, KingdeeDesk, Servers
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
