"""Nothing accepted with 202 is lost: the hub process is SIGKILLed after answering and the
event is still applied after a restart (a real uvicorn subprocess, a real store)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import yaml
from sqlalchemy import Engine, select

from api_support import ADMIN_TOKEN, BUILTIN_TOKEN, customer, event, hub_config, signed, wait_for
from db_support import fresh_database_url
from hub.builtin.app import create_app as create_builtin_app
from hub.services import AppServer, free_port
from hub.store.db import session_factory
from hub.store.tables import InboxEvent
from hub.sync import lock
from live_support import Erp


@pytest.fixture
def erp_server(backend: str, tmp_path: Path) -> Iterator[AppServer]:
    for url in fresh_database_url(backend, tmp_path):
        with AppServer(create_builtin_app(url, BUILTIN_TOKEN)) as server:
            yield server


def start_hub(hub_file: Path, database_url: str, log: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = {**os.environ, "TRADEHUB_HUB_FILE": str(hub_file),
           "TRADEHUB_DATABASE_URL": database_url, "TRADEHUB_ADMIN_TOKEN": ADMIN_TOKEN,
           "TRADEHUB_API_PREFECT_REPORTING": "off", "TRADEHUB_API_INBOX_POLL_SECONDS": "0.2",
           "TRADEHUB_API_INBOX_BUSY_RETRY_SECONDS": "0.2"}
    env.pop("PREFECT_API_URL", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "--factory", "hub.api.app:create_app",
         "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"],
        env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"

    def healthy() -> bool:
        if process.poll() is not None:
            raise AssertionError(f"hub exited: {log.read_text()[-2000:]}")
        try:
            return httpx.get(f"{url}/health", timeout=1).json()["status"] == "ok"
        except httpx.HTTPError:
            return False

    wait_for(healthy, timeout=60, every=0.1, what="the hub subprocess to serve")
    return process, url


def test_an_event_accepted_before_sigkill_is_applied_after_restart(
        erp_server: AppServer, database_url: str, store_engine: Engine, tmp_path: Path) -> None:
    config = hub_config(builtin_url=erp_server.url, two_way=False)
    hub_file = tmp_path / "hub.yaml"
    hub_file.write_text(yaml.safe_dump(config.model_dump(mode="json", exclude={"root"})))
    sessions = session_factory(store_engine)
    holder = lock.new_holder()
    lock.acquire(sessions, "customers", holder)    # a long sync run holds the pipeline
    log = tmp_path / "hub.log"

    first, url = start_hub(hub_file, database_url, log)
    try:
        body, headers = signed(event(customer("C-7007"), event_id="evt-before-kill"))
        response = httpx.post(f"{url}/webhooks/shop", content=body, headers=headers, timeout=10)
        assert response.status_code == 202
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait(10)
    assert first.returncode == -signal.SIGKILL

    with sessions() as session:
        [row] = session.scalars(select(InboxEvent))
        assert (row.event_id, row.status) == ("evt-before-kill", "pending")
    erp = Erp(erp_server.url)
    assert erp.find("customers", "C-7007") is None
    lock.release(sessions, "customers", holder)    # the run ends; the hub was restarted

    second, _ = start_hub(hub_file, database_url, log)
    try:
        created = wait_for(lambda: erp.find("customers", "C-7007"), what="the customer in the ERP")
        assert created["cust_name"] == "Lichtwerk GmbH"

        def status() -> str | None:
            with sessions() as session:
                return session.scalar(select(InboxEvent.status))

        wait_for(lambda: status() == "processed", what="the inbox row processed")
    finally:
        second.terminate()
        second.wait(20)
        erp.client.close()
