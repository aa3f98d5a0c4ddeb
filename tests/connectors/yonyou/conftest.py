"""A Yonyou emulator on a real loopback socket, and connectors pointed at it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from connectors.emulate import free_port, serve_in_thread
from connectors.yonyou import YonyouConfig, YonyouConnector
from connectors.yonyou.emulator import Credentials, Emulator, Faults, create_app


class Served:
    def __init__(self, url: str, emulator: Emulator) -> None:
        self.url = url
        self.emulator = emulator

    def control(self, what: str, payload: object) -> httpx.Response:
        response = httpx.post(f"{self.url}/__emulator__/{what}", json=payload)
        response.raise_for_status()
        return response

    def get(self, what: str) -> Any:
        return httpx.get(f"{self.url}/__emulator__/{what}").json()


@pytest.fixture(scope="module")
def _server() -> Iterator[tuple[str, Any]]:
    port = free_port()
    app = create_app(base_url=f"http://127.0.0.1:{port}")
    with serve_in_thread(app, port=port) as url:
        yield url, app


@pytest.fixture
def yonyou(_server: tuple[str, Any]) -> Served:
    """A fresh emulator state per test on the module's server."""
    url, app = _server
    emu: Emulator = app.state.emulator
    with emu.lock:
        emu.reset_store()
        emu.faults = Faults()
        emu.tokens.clear()
        emu.token_requests = 0
        emu.events.clear()
    return Served(url, emu)


def settings(url: str, **overrides: Any) -> dict[str, Any]:
    creds = Credentials()
    values: dict[str, Any] = {
        "tenant_id": creds.tenant_id, "app_key": creds.app_key,
        "app_secret": creds.app_secret, "max_retries": 3, "retry_initial_wait": 0.01,
        "gateway_discovery_url": f"{url}/open-auth/dataCenter/getGatewayAddress",
    }
    values.update(overrides)
    return values


@pytest.fixture
def make_connector(yonyou: Served) -> Iterator[Callable[..., YonyouConnector]]:
    made: list[YonyouConnector] = []

    def make(**overrides: Any) -> YonyouConnector:
        connector = YonyouConnector(YonyouConfig.model_validate(settings(yonyou.url,
                                                                         **overrides)),
                                    system="yonyou-test")
        made.append(connector)
        return connector

    yield make
    for connector in made:
        connector.close()
