"""A Kingdee emulator on a real loopback socket, and connectors pointed at it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from connectors.emulate import serve_in_thread
from connectors.kingdee import KingdeeConfig, KingdeeConnector
from connectors.kingdee.emulator import Credentials, Emulator, create_app


class Served:
    def __init__(self, url: str, emulator: Emulator) -> None:
        self.url = url
        self.emulator = emulator

    def control(self, what: str, payload: dict[str, Any]) -> httpx.Response:
        response = httpx.post(f"{self.url}/__emulator__/{what}", json=payload)
        response.raise_for_status()
        return response

    def state(self) -> dict[str, Any]:
        return httpx.get(f"{self.url}/__emulator__/state").json()


@pytest.fixture(scope="module")
def _server() -> Iterator[tuple[str, Any]]:
    app = create_app()
    with serve_in_thread(app) as url:
        yield url, app


@pytest.fixture
def kingdee(_server: tuple[str, Any]) -> Served:
    """A fresh emulator state per test on the module's server."""
    url, app = _server
    from connectors.kingdee.emulator import Faults
    from connectors.kingdee.emulator_store import Store

    emu: Emulator = app.state.emulator
    with emu.lock:
        emu.store = Store()
        emu.faults = Faults()
        emu.sessions.clear()
        emu.logins = 0
        emu.calls.clear()
    return Served(url, emu)


def settings(url: str, **overrides: Any) -> dict[str, Any]:
    creds = Credentials()
    values: dict[str, Any] = {
        "server_url": f"{url}/k3cloud/", "acct_id": creds.acct_id,
        "username": creds.username, "app_id": creds.app_id, "app_secret": creds.app_secret,
        "max_retries": 3, "retry_initial_wait": 0.01,
    }
    values.update(overrides)
    return values


@pytest.fixture
def make_connector(kingdee: Served) -> Iterator[Callable[..., KingdeeConnector]]:
    made: list[KingdeeConnector] = []

    def make(**overrides: Any) -> KingdeeConnector:
        config = KingdeeConfig.model_validate(settings(kingdee.url, **overrides))
        connector = KingdeeConnector(config, system="kingdee-test")
        made.append(connector)
        return connector

    yield make
    for connector in made:
        connector.close()
