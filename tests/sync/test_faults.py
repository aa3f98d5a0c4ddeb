"""Real faults: a flaky target, and a sync process killed with SIGKILL mid-run."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from sqlalchemy import func, select

from fault_proxy import FaultProxy
from hub.services import AppServer
from hub.store.tables import Cursor, Link, PendingChange, SyncRun
from hub.sync.config import HubConfig
from hub.sync import reconcile
from hub.sync.context import SyncContext
from hub.sync.counts import RunCounts
from sync_support import REPO, Product, hub_config, sync, system

MakeContext = Callable[[HubConfig], SyncContext]


def accounts(n: int) -> list[dict]:
    return [{"account_code": f"A-{i:05d}", "company_name": f"Importer {i:05d}",
             "country_code": "US"} for i in range(n)]


def load(crm: Product, n: int) -> None:
    rows = accounts(n)
    for start in range(0, n, 1000):
        crm.upsert("customers", rows[start:start + 1000])


def test_a_flaky_target_still_gets_every_record_exactly_once(
        products: AppServer, crm: Product, erp: Product, make_context: MakeContext) -> None:
    load(crm, 600)
    proxy = FaultProxy(products.url, rate=0.2, timeout_delay=1.2)
    with AppServer(proxy.app) as flaky:
        erp_system = system("erp", flaky.url)
        erp_system["settings"].update(timeout_seconds=0.8, max_retries=8)
        ctx = make_context(hub_config(products.url, {"customers": {
            "entity": "customer", "source": "crm", "target": "erp", "batch_size": 25}},
            erp=erp_system))
        result = sync(ctx, "customers")
    assert set(proxy.injected) == {"500", "429", "timeout"}, proxy.injected
    assert sum(proxy.injected.values()) >= 3
    assert (result.counts.read, result.counts.dead_lettered) == (600, 0)
    customers = erp.all("customers")
    assert len(customers) == 600
    assert len({c["cust_no"] for c in customers}) == 600


@pytest.mark.parametrize("processes", [1, 2])
def test_sigkill_mid_run_then_restart_lands_every_record_once(
        products: AppServer, crm: Product, erp: Product, database_url: str,
        tmp_path: Path, processes: int) -> None:
    """With ``processes: 2`` the kill takes the part's process too (it ends with its
    parent), and each part resumes from its own cursor."""
    total = 5000
    load(crm, total)
    config = {"systems": {app: system(app, products.url) for app in ("crm", "erp")},
              "pipelines": {"customers": {"entity": "customer", "source": "crm",
                                          "target": "erp", "batch_size": 100,
                                          "processes": processes}}}
    hub_file = tmp_path / "hub.yaml"
    hub_file.write_text(yaml.safe_dump(config), encoding="utf-8")
    env = {**os.environ, "TRADEHUB_HUB_FILE": str(hub_file),
           "TRADEHUB_DATABASE_URL": database_url, "TRADEHUB_DATA_DIR": str(tmp_path)}
    command = [sys.executable, "-m", "hub.cli", "sync", "customers", "--no-prefect"]

    victim = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, start_new_session=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and victim.poll() is None:
        if 800 <= len(erp.all("customers")) < total:
            break
        time.sleep(0.05)
    assert victim.poll() is None, "the run ended before it could be killed"
    os.killpg(victim.pid, signal.SIGKILL)
    victim.wait(10)
    landed_before = len(erp.all("customers"))
    assert 0 < landed_before < total

    finished = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    assert finished.returncode == 0, finished.stderr[-2000:]

    customers = erp.all("customers")
    assert len(customers) == total
    assert len({c["cust_no"] for c in customers}) == total
    from hub.store.db import make_engine, session_factory

    engine = make_engine(database_url)
    try:
        with session_factory(engine)() as session:
            links = session.scalar(select(func.count()).select_from(Link)
                                   .where(Link.system == "erp"))
            pending = session.scalar(select(func.count()).select_from(PendingChange))
            feeds = ["crm"] if processes == 1 else [f"crm#{i}/{processes}"
                                                    for i in range(processes)]
            cursors = [session.get(Cursor, ("customers", feed)) for feed in feeds]
            runs = session.scalars(select(SyncRun.status).order_by(SyncRun.id)).all()
    finally:
        engine.dispose()
    assert (links, pending) == (total, 0)
    assert all(cursor is not None and cursor.cursor for cursor in cursors)
    assert runs[-1] == "completed"


def test_a_crash_before_the_checkpoint_creates_nothing_twice_even_without_natural_keys(
        products: AppServer, crm: Product, erp: Product, make_context: MakeContext,
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """One-way batches are committed only after the target write, and the next batch is
    written before the checkpoint of the one before: the replayed batches must reach the
    same records, even when their keys are derived from the hub id."""
    folder = tmp_path / "crm-mappings"
    shutil.copytree(REPO / "mappings" / "builtin" / "crm", folder)
    customer = folder / "customer.yaml"
    text = customer.read_text(encoding="utf-8")
    keyed = 'inbound: [{expr: "coalesce(value[0], value[1])"}]'
    assert keyed in text
    customer.write_text(text.replace(keyed, 'inbound: [{expr: "value[0]"}]'), encoding="utf-8")
    load(crm, 30)
    ctx = make_context(hub_config(products.url, {"customers": {
        "entity": "customer", "source": "crm", "target": "erp", "batch_size": 10}},
        crm=system("crm", products.url, folder)))
    real_checkpoint = reconcile._checkpoint
    calls: list[int] = []

    def crash_on_second_batch(*args: object, **kwargs: object) -> RunCounts:
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("killed after the target write, before the checkpoint")
        return real_checkpoint(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(reconcile, "_checkpoint", crash_on_second_batch)
    with pytest.raises(RuntimeError, match="before the checkpoint"):
        sync(ctx, "customers")
    assert len(erp.all("customers")) == 30          # the 2nd and 3rd written, not recorded

    resumed = sync(ctx, "customers")

    assert (resumed.counts.read, resumed.counts.dead_lettered) == (20, 0)
    customers = erp.all("customers")
    assert len(customers) == 30
    numbers = {c["cust_no"] for c in customers}
    assert len(numbers) == 30 and all(n.startswith("TH-") for n in numbers)
    with ctx.sessions() as session:
        links = session.scalar(select(func.count()).select_from(Link)
                               .where(Link.system == "erp"))
    assert links == 30
    assert sync(ctx, "customers").counts.writes == 0
