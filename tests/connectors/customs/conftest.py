"""The provider API emulator served by uvicorn on loopback, in a thread."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import uvicorn
from fastapi import FastAPI

from connectors.customs.emulator import create_app
from connectors.customs.synthetic import api_bills

TOKEN = "provider-test-token"


@dataclass
class Provider:
    url: str
    app: FastAPI

    @property
    def bills(self) -> list[dict[str, Any]]:
        return self.app.state.bills


@pytest.fixture
def provider() -> Iterator[Provider]:
    app = create_app(api_bills(1050, seed=11), tokens=[TOKEN])
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                                           lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("provider emulator did not start")
        time.sleep(0.02)
    try:
        yield Provider(f"http://127.0.0.1:{port}", app)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
