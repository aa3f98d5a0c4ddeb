"""`tradehub up` end to end: a real Prefect server, and a scheduled run that happens.

PREFECT.md: the newest releases of Prefect's dependencies broke its scheduler once
(ad-hoc runs still worked), so this test watches a *scheduled* run complete.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
import yaml

from hub.services import free_port

pytestmark = [pytest.mark.prefect, pytest.mark.slow]
ROOT = Path(__file__).resolve().parents[2]


def _prefect_servers(port: int) -> list[int]:
    """Pids of the `prefect server start ... --port PORT` processes (Linux /proc)."""
    wanted = [b"prefect", b"server", b"start", b"--port", str(port).encode()]
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                words = (entry / "cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            if all(word in words for word in wanted):
                found.append(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    """The process exists and is not a zombie (its state is the field after "(name)")."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rpartition(")")[2].split()[0] not in ("Z", "X")


def test_up_serves_pipelines_whose_schedules_produce_completed_runs(tmp_path: Path) -> None:
    config = {"systems": {app: {"connector": "builtin",
                                "mappings": str(ROOT / "mappings/builtin" / app),
                                "settings": {"base_url": "${TRADEHUB_BUILTIN_URL}", "app": app,
                                             "token": "up-test-token"}}
                          for app in ("crm", "erp")},
              "pipelines": {"customers": {"entity": "customer", "source": "crm",
                                          "target": "erp", "schedule": {"interval_seconds": 5}}}}
    (tmp_path / "hub.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    prefect_port, builtin_port, hub_port = free_port(), free_port(), free_port()
    env = {**os.environ, "TRADEHUB_DATA_DIR": str(tmp_path / "data"),
           "TRADEHUB_HUB_FILE": str(tmp_path / "hub.yaml"), "TRADEHUB_PORT": str(hub_port),
           "TRADEHUB_BUILTIN_TOKEN": "up-test-token", "PYTHONUNBUFFERED": "1"}
    env.pop("PREFECT_API_URL", None)
    log = open(tmp_path / "up.log", "wb")  # noqa: SIM115
    process = subprocess.Popen(
        [sys.executable, "-m", "hub.cli", "up", "--prefect-port", str(prefect_port),
         "--builtin-port", str(builtin_port)],
        env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True, cwd=tmp_path)
    api = f"http://127.0.0.1:{prefect_port}/api"
    completed: list[dict] = []
    try:
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline and not completed:
            assert process.poll() is None, (tmp_path / "up.log").read_text()[-3000:]
            time.sleep(2)
            try:
                runs = httpx.post(f"{api}/flow_runs/filter", timeout=5, json={
                    "flow_runs": {"state": {"type": {"any_": ["COMPLETED"]}}}}).json()
            except httpx.HTTPError:
                continue
            completed = [run for run in runs if run.get("deployment_id")]
        assert completed, (tmp_path / "up.log").read_text()[-3000:]
        deployment = httpx.get(f"{api}/deployments/{completed[0]['deployment_id']}",
                               timeout=5).json()
        assert deployment["name"] == "sync-customers"
        assert "pipeline:customers" in completed[0]["tags"]
        health = httpx.get(f"http://127.0.0.1:{hub_port}/health", timeout=60)
        assert health.json()["status"] == "ok"
        # A terminal's Ctrl-C signals the whole foreground group: up, the hub's worker
        # process and any flow run in progress. Up stops them; the worker process
        # waits for that instead of dying of the KeyboardInterrupt with a traceback.
        os.killpg(process.pid, signal.SIGINT)
        try:
            process.wait(60)
        except subprocess.TimeoutExpired:
            pytest.fail("a Ctrl-C did not stop `tradehub up` within 60 s")
        output = (tmp_path / "up.log").read_text()
        assert "Process tradehub-workers" not in output, output[-3000:]
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(10)
        for pid in _prefect_servers(prefect_port):      # in a session of its own
            os.kill(pid, signal.SIGKILL)
        log.close()


@pytest.mark.parametrize(("signal_number", "delay"), [
    (signal.SIGINT, 0.0), (signal.SIGTERM, 1.0), (signal.SIGKILL, 1.0)],
    ids=["Ctrl-C", "SIGTERM", "SIGKILL"])
def test_however_up_ends_while_prefect_starts_no_prefect_server_is_left(
        tmp_path: Path, signal_number: int, delay: float) -> None:
    """The Prefect server runs in a session of its own, so a Ctrl-C reaches only
    `tradehub up`, which stops it, also while waiting for it to answer. Where up cannot
    (SIGKILL; a SIGTERM before it serves ends it at once), the server must end with it
    (its parent-death signal); the delay lets the launcher become the server first."""
    (tmp_path / "hub.yaml").write_text(yaml.safe_dump({"systems": {}, "pipelines": {}}))
    prefect_port, builtin_port, hub_port = free_port(), free_port(), free_port()
    env = {**os.environ, "TRADEHUB_DATA_DIR": str(tmp_path / "data"),
           "TRADEHUB_HUB_FILE": str(tmp_path / "hub.yaml"), "TRADEHUB_PORT": str(hub_port)}
    env.pop("PREFECT_API_URL", None)
    log = open(tmp_path / "up.log", "wb")  # noqa: SIM115
    process = subprocess.Popen(
        [sys.executable, "-m", "hub.cli", "up", "--prefect-port", str(prefect_port),
         "--builtin-port", str(builtin_port)],
        env=env, stdout=log, stderr=subprocess.STDOUT, cwd=tmp_path)
    try:
        # One look decides: while the launcher execs into the server its cmdline
        # reads empty for a moment, so a second look could miss a server that runs.
        started: list[int] = []
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not started:
            assert process.poll() is None, (tmp_path / "up.log").read_text()[-3000:]
            time.sleep(0.1)
            started = _prefect_servers(prefect_port)
        assert started, "no Prefect server was started"
        time.sleep(delay)
        process.send_signal(signal_number)
        process.wait(60)

        def left() -> list[int]:
            return _prefect_servers(prefect_port) + [pid for pid in started if _alive(pid)]

        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and left():
            time.sleep(0.2)
        assert left() == [], (tmp_path / "up.log").read_text()[-3000:]
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(10)
        for pid in _prefect_servers(prefect_port):
            os.kill(pid, signal.SIGKILL)
        log.close()
