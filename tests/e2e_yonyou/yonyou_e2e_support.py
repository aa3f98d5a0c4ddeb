"""End-to-end helpers: the reference CRM and a YonBIP emulator on loopback, a real store.

The hub configuration is examples/yonyou/hub.yaml itself, pointed at these servers.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx

from examples.yonyou.scenario import Crm, Servers, YonyouDesk
from hub.sync.context import SyncContext

MakeYonyouContext = Callable[..., SyncContext]


class YonyouWorld:
    def __init__(self, servers: Servers) -> None:
        self.servers = servers
        self.crm = Crm(servers.builtin_url)
        self.desk = YonyouDesk(servers.yonyou_url, servers.yonyou_app)
        self.store = self.desk.emulator.store

    def faults(self, **faults: Any) -> None:
        httpx.post(f"{self.servers.yonyou_url}/__emulator__/faults",
                   json=faults).raise_for_status()

    def state(self) -> dict[str, Any]:
        return httpx.get(f"{self.servers.yonyou_url}/__emulator__/state").json()  # type: ignore[no-any-return]

    def close(self) -> None:
        self.crm.close()
        self.desk.close()
