"""The inbox worker against the built-in ERP on loopback: busy pipelines wait, failures
count, a bad event does not hold back the others; two workers on one store share the
rows through leases; dead-letter replay."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from api_support import (
    ADMIN,
    BUILTIN_TOKEN,
    api_settings,
    customer,
    event,
    hub_config,
    hub_settings,
    MakeApp,
    signed,
)
from db_support import fresh_database_url
from hub.api.inbox_leases import HOST
from hub.api.inbox_worker import BatchReport, InboxWorker
from hub.api.runtime import HubRuntime
from hub.builtin.app import create_app as create_builtin_app
from hub.services import AppServer
from hub.store.db import make_engine, session_factory
from hub.store.tables import DeadLetter, InboxEvent
from hub.sync import lock
from hub.sync.config import HubConfig
from hub.sync.context import SyncContext
from live_support import Erp


@pytest.fixture
def erp_server(backend: str, tmp_path: Path) -> Iterator[AppServer]:
    for url in fresh_database_url(backend, tmp_path):
        with AppServer(create_builtin_app(url, BUILTIN_TOKEN)) as server:
            yield server


@pytest.fixture
def erp(erp_server: AppServer) -> Iterator[Erp]:
    client = Erp(erp_server.url)
    yield client
    client.client.close()


@pytest.fixture
def live_ctx(erp_server: AppServer, make_ctx: Callable[[HubConfig], SyncContext]) -> SyncContext:
    return make_ctx(hub_config(builtin_url=erp_server.url, two_way=False))


def runtime_for(ctx: SyncContext, **overrides: object) -> HubRuntime:
    return HubRuntime(settings=hub_settings(), api=api_settings(**overrides), ctx=ctx)


def receive(ctx: SyncContext, make_app: MakeApp, *events: dict[str, object]) -> None:
    with TestClient(make_app(ctx)) as client:
        for payload in events:
            body, headers = signed(payload)
            assert client.post("/webhooks/shop", content=body, headers=headers).status_code == 202


def retry_wait_passes(ctx: SyncContext) -> None:
    """As if the released rows' 'not before' (claimed_until) were reached."""
    with ctx.sessions() as session, session.begin():
        session.execute(update(InboxEvent).where(InboxEvent.claimed_by.is_(None))
                        .values(claimed_until=None))


def inbox(ctx: SyncContext) -> list[tuple[str, str, int]]:
    with ctx.sessions() as session:
        return [(r.event_id, r.status, r.attempts)
                for r in session.scalars(select(InboxEvent).order_by(InboxEvent.id))]


def test_a_busy_pipeline_leaves_events_pending_until_it_is_free(
        live_ctx: SyncContext, make_app: MakeApp, erp: Erp) -> None:
    receive(live_ctx, make_app, event(customer("C-1"), event_id="e1"))
    reports: list[BatchReport] = []
    worker = InboxWorker(runtime_for(live_ctx, inbox_busy_retry_seconds=60),
                         reporter=reports.append)
    lock.acquire(live_ctx.sessions, "customers", "a-long-run")
    worker.process_available(max_batches=3)
    assert inbox(live_ctx) == [("e1", "pending", 0)]
    assert (reports[0].delayed, reports[0].error) == (
        1, "pipeline 'customers' is already running elsewhere; try again when that run ends")
    assert erp.find("customers", "C-1") is None

    lock.release(live_ctx.sessions, "customers", "a-long-run")
    retry_wait_passes(live_ctx)
    worker.process_available(max_batches=3)
    assert inbox(live_ctx) == [("e1", "processed", 1)]
    assert erp.find("customers", "C-1")["cust_name"] == "Lichtwerk GmbH"
    assert (reports[-1].processed, reports[-1].counts.created) == (1, 1)


def test_a_bad_event_fails_alone_and_is_marked_failed_after_the_last_attempt(
        live_ctx: SyncContext, make_app: MakeApp, erp: Erp) -> None:
    receive(live_ctx, make_app, event(customer("C-1"), event_id="e1"))
    with live_ctx.sessions() as session, session.begin():   # a body the connector now refuses
        session.add(InboxEvent(system="shop", event_id="e-bad", headers={}, body=b"{}"))
    receive(live_ctx, make_app, event(customer("C-2"), event_id="e2"))
    worker = InboxWorker(runtime_for(live_ctx, inbox_max_attempts=2,
                                     inbox_failure_retry_seconds=60))

    worker.process_available(max_batches=3)
    assert inbox(live_ctx) == [("e1", "processed", 1), ("e-bad", "pending", 1),
                               ("e2", "processed", 1)]
    assert erp.find("customers", "C-2") is not None
    retry_wait_passes(live_ctx)
    worker.process_available(max_batches=3)
    assert inbox(live_ctx)[1] == ("e-bad", "failed", 2)
    with live_ctx.sessions() as session:
        error = session.scalar(select(InboxEvent.error).where(InboxEvent.event_id == "e-bad"))
    assert error == "event 0: 'event_id' is missing and there is no X-TradeHub-Event-Id header"


def test_failed_event_reprocessed_through_the_admin_api(
        live_ctx: SyncContext, make_app: MakeApp) -> None:
    with live_ctx.sessions() as session, session.begin():
        session.add(InboxEvent(system="shop", event_id="e1", headers={}, status="failed",
                               attempts=5, error="target was down",
                               body=signed(event(customer("C-9"), event_id="e1"))[0]))
    with TestClient(make_app(live_ctx), headers=ADMIN) as client:
        assert client.post("/admin/inbox/1/reprocess").json()["status"] == "pending"
    InboxWorker(runtime_for(live_ctx)).process_available(max_batches=2)
    assert inbox(live_ctx) == [("e1", "processed", 1)]


def test_a_dead_letter_is_replayed_after_the_cause_is_fixed(
        live_ctx: SyncContext, make_app: MakeApp, erp: Erp) -> None:
    raw = customer("C-5")
    with live_ctx.sessions() as session, session.begin():
        session.add(DeadLetter(pipeline="customers", entity="customer", source_system="shop",
                               target_system="erp", remote_id="C-5", hub_id=None,
                               payload={"stage": "inbound", "system": "shop",
                                        "remote_id": "C-5", "raw": raw},
                               error_code="invalid-record", error="was broken before"))
    with TestClient(make_app(live_ctx), headers=ADMIN) as client:
        replayed = client.post("/admin/dead-letters/1/replay").json()
        assert replayed["dead_letter"]["status"] == "replayed"
        assert (replayed["counts"]["read"], replayed["counts"]["created"]) == (1, 1)
        assert erp.find("customers", "C-5")["city"] == "Berlin"
        again = client.post("/admin/dead-letters/1/replay")
        assert again.json() == {"type": "conflict", "status": 409,
                                "title": "dead letter 1 is replayed, not open"}


def second_context(database_url: str, erp_server: AppServer) -> Iterator[SyncContext]:
    """Another process's view of the same store: its own engine and connections."""
    engine = make_engine(database_url)
    ctx = SyncContext(config=hub_config(builtin_url=erp_server.url, two_way=False),
                      sessions=session_factory(engine))
    try:
        yield ctx
    finally:
        ctx.close()
        engine.dispose()


@pytest.fixture
def other_ctx(database_url: str, erp_server: AppServer) -> Iterator[SyncContext]:
    yield from second_context(database_url, erp_server)


def test_two_workers_on_one_store_apply_every_event_exactly_once(
        live_ctx: SyncContext, other_ctx: SyncContext, make_app: MakeApp, erp: Erp) -> None:
    count = 30
    receive(live_ctx, make_app, *(event(customer(f"C-{i}"), event_id=f"e{i}")
                                  for i in range(count)))
    seen: dict[str, list[BatchReport]] = {"a": [], "b": []}
    workers = {name: InboxWorker(runtime_for(ctx, inbox_batch_size=4,
                                             inbox_busy_retry_seconds=0.02),
                                 reporter=seen[name].append)
               for name, ctx in (("a", live_ctx), ("b", other_ctx))}
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def run(worker: InboxWorker) -> None:
        try:
            start.wait(10)
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and len(processed(live_ctx)) < count:
                if not worker.process_available(max_batches=5):
                    time.sleep(0.01)
        except BaseException as exc:    # surfaced below, not lost in the thread
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(w,)) for w in workers.values()]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(90)
    assert errors == []
    applied = {name: [e for r in reports if r.processed for e in r.event_ids]
               for name, reports in seen.items()}
    assert set(applied["a"]) & set(applied["b"]) == set()
    assert sorted(applied["a"] + applied["b"]) == sorted(f"e{i}" for i in range(count))
    assert all(seen.values()), "both workers claimed rows"
    assert {(status, attempts) for _, status, attempts in inbox(live_ctx)} == {("processed", 1)}
    assert erp.find("customers", f"C-{count - 1}")["cust_name"] == "Lichtwerk GmbH"


def test_rows_of_a_worker_that_died_are_taken_over_when_its_lease_ends(
        live_ctx: SyncContext, other_ctx: SyncContext, make_app: MakeApp, erp: Erp) -> None:
    receive(live_ctx, make_app, event(customer("C-1"), event_id="e1"))
    dead = InboxWorker(runtime_for(live_ctx, inbox_lease_seconds=600))
    assert [r.event_id for r in dead._ready_rows()] == ["e1"]     # claimed, then it dies
    survivor = InboxWorker(runtime_for(other_ctx))
    assert survivor.process_available(max_batches=2) is False
    assert inbox(live_ctx) == [("e1", "pending", 0)]

    with live_ctx.sessions() as session, session.begin():      # the lease runs out
        session.execute(update(InboxEvent).values(
            claimed_until=datetime.now(timezone.utc) - timedelta(seconds=1)))
    assert survivor.process_available(max_batches=2) is True
    assert inbox(live_ctx) == [("e1", "processed", 1)]
    assert erp.find("customers", "C-1") is not None
    with live_ctx.sessions() as session:
        assert session.execute(select(InboxEvent.claimed_by, InboxEvent.claimed_until)).one() \
            == (None, None)


def processed(ctx: SyncContext) -> list[str]:
    with ctx.sessions() as session:
        return list(session.scalars(select(InboxEvent.event_id)
                                    .where(InboxEvent.status == "processed")))


def test_rows_claimed_by_a_dead_process_of_this_host_are_released_without_waiting(
        live_ctx: SyncContext, make_app: MakeApp, erp: Erp) -> None:
    receive(live_ctx, make_app, event(customer("C-1"), event_id="e1"),
            event(customer("C-2"), event_id="e2"))
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait(30)                                   # a worker process that was SIGKILLed
    far = datetime.now(timezone.utc) + timedelta(hours=1)
    holders = {"e1": f"{HOST}:{gone.pid}:dead0001", "e2": f"{HOST}:{os.getppid()}:alive001"}
    with live_ctx.sessions() as session, session.begin():
        for event_id, holder in holders.items():
            session.execute(update(InboxEvent).where(InboxEvent.event_id == event_id)
                            .values(claimed_by=holder, claimed_until=far))

    InboxWorker(runtime_for(live_ctx)).process_available(max_batches=2)
    assert inbox(live_ctx) == [("e1", "processed", 1), ("e2", "pending", 0)]
    assert erp.find("customers", "C-1") is not None and erp.find("customers", "C-2") is None
