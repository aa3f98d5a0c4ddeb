"""The inbox worker against the built-in ERP on loopback: busy pipelines wait, failures
count, a bad event does not hold back the others; dead-letter replay."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from api_support import ADMIN, BUILTIN_TOKEN, customer, event, hub_config, signed
from conftest import MakeApp, api_settings, hub_settings
from db_support import fresh_database_url
from hub.api.inbox_worker import BatchReport, InboxWorker
from hub.api.runtime import HubRuntime
from hub.builtin.app import create_app as create_builtin_app
from hub.services import AppServer
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
    worker.not_before.clear()                  # the retry delay has passed
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
    worker.not_before.clear()
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
