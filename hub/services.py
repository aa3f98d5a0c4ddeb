"""Running the hub's servers on loopback: uvicorn apps in threads, Prefect as a process.

Used by ``tradehub serve``/``up``/``demo`` and by the integration tests, so the tests
exercise the same start-up path a user runs.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import uvicorn

from hub.errors import TradeHubError
from hub.parent_death import with_parent_death


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


class ServiceError(TradeHubError):
    code = "service-error"


class AppServer:
    """An ASGI app served by uvicorn in a background thread."""

    def __init__(self, app: Any, *, host: str = "127.0.0.1", port: int | None = None,
                 log_level: str = "warning") -> None:
        self.host = host
        self.port = port or free_port(host)
        config = uvicorn.Config(app, host=self.host, port=self.port, log_level=log_level,
                                lifespan="on", access_log=False)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True,
                                        name=f"uvicorn:{self.port}")

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self, timeout: float = 20.0) -> AppServer:
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise ServiceError(f"server on {self.url} did not start")
            time.sleep(0.02)
        return self

    def stop(self, timeout: float = 10.0) -> None:
        self._server.should_exit = True
        self._thread.join(timeout)

    def __enter__(self) -> AppServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def prefect_environment(home: Path, api_url: str | None = None) -> dict[str, str]:
    """Offline settings measured in PREFECT.md: no telemetry, local home."""
    env = {
        "PREFECT_HOME": str(home),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "DO_NOT_TRACK": "1",
        "PREFECT_RUNNER_POLL_FREQUENCY": "1",
        "PREFECT_LOGGING_TO_API_WHEN_MISSING_FLOW": "ignore",
        # Run logs go to the UI; the terminal keeps to warnings and the hub's own lines.
        "PREFECT_LOGGING_LEVEL": os.environ.get("PREFECT_LOGGING_LEVEL", "WARNING"),
    }
    if api_url:
        env["PREFECT_API_URL"] = api_url
    return env


class PrefectServer:
    """``prefect server start`` on loopback, with its SQLite database under ``home``."""

    def __init__(self, home: Path, *, port: int | None = None, host: str = "127.0.0.1") -> None:
        self.home = home
        self.host = host
        self.port = port or free_port(host)
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def api_url(self) -> str:
        return f"{self.url}/api"

    def start(self, timeout: float = 90.0) -> PrefectServer:
        self.home.mkdir(parents=True, exist_ok=True)
        env = {**os.environ, **prefect_environment(self.home)}
        env.pop("PREFECT_API_URL", None)
        log = open(self.home / "server.log", "ab")  # noqa: SIM115 - owned by the process
        # A session of its own, so a Ctrl-C reaches only us and we stop it in order; and
        # a parent-death signal, so it ends with us even when we cannot stop it.
        self._process = subprocess.Popen(with_parent_death(
            [sys.executable, "-m", "prefect", "server", "start", "--host", self.host,
             "--port", str(self.port)]),
            env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            self._wait_healthy(timeout)
        except BaseException:         # a timeout, or Ctrl-C while it starts
            self.stop()
            raise
        return self

    def _wait_healthy(self, timeout: float) -> None:
        assert self._process is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise ServiceError(f"Prefect server exited; see {self.home / 'server.log'}")
            try:
                if httpx.get(f"{self.api_url}/health", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        raise ServiceError(f"Prefect server not healthy after {timeout:.0f} s; "
                           f"see {self.home / 'server.log'}")

    def stop(self) -> None:
        if self._process and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(15)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait(5)


def wait_forever() -> None:
    """Block until Ctrl-C (a SIGTERM ends the process at once)."""
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass



@contextmanager
def hub_servers(*, port: int = 8000, builtin_port: int = 8100,
                host: str = "127.0.0.1") -> Iterator[tuple[str, str]]:
    """The reference systems and the hub API, served until the block ends."""
    from hub.api.app import create_app
    from hub.builtin.app import create_app as create_builtin_app
    from hub.config import get_settings

    settings = get_settings()
    builtin = AppServer(create_builtin_app(settings.builtin_url(),
                                           settings.builtin_token.get_secret_value()),
                        host=host, port=builtin_port)
    hub = AppServer(create_app(), host=host, port=port)
    with builtin, hub:
        yield hub.url, builtin.url
