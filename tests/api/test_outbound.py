"""Outbound subscriptions: URL guard, signed in-order delivery, retries, dead letters, CRUD."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI, Request, Response
from fastapi.testclient import TestClient

from api_support import ADMIN, MakeApp, wait_for
from hub import signing
from hub.api.problems import ApiError
from hub.api.security import check_target_url
from hub.errors import AuthError
from hub.services import AppServer
from hub.sync import state
from hub.sync.context import SyncContext

SECRET = "subscriber-secret-123456"


class Subscriber:
    """A subscriber on loopback: verifies each signature, fails on demand."""

    def __init__(self, *, fail_first: int = 0, poison: str | None = None) -> None:
        self.events: list[dict[str, Any]] = []
        self.attempts: Counter[str] = Counter()
        self.fail_first = fail_first
        self.poison = poison
        self.app = FastAPI()

        @self.app.post("/hook")
        async def hook(request: Request) -> Response:
            body = await request.body()
            try:
                signing.verify(SECRET, request.headers, body)
            except AuthError:
                return Response(status_code=401)
            event = json.loads(body)
            assert request.headers["X-TradeHub-Event-Id"] == event["event_id"]
            self.attempts[event["event_id"]] += 1
            if sum(self.attempts.values()) <= self.fail_first:
                return Response(status_code=503)
            if self.poison and event.get("hub_id") == self.poison:
                return Response(status_code=500)
            self.events.append(event)
            return Response(status_code=204)


@pytest.fixture
def subscriber() -> Iterator[tuple[Subscriber, str]]:
    receiver = Subscriber(fail_first=2, poison="poison")
    with AppServer(receiver.app) as server:
        yield receiver, f"{server.url}/hook"


@pytest.fixture
def delivering(ctx: SyncContext, make_app: MakeApp) -> Iterator[TestClient]:
    app = make_app(ctx, run_workers=True, allow_private_targets=True)
    with TestClient(app, headers=ADMIN) as client:
        yield client


def add_outbox(ctx: SyncContext, *events: tuple[str, str, str]) -> None:
    with ctx.sessions() as session, session.begin():
        state.add_outbox(session, [{"entity": entity, "hub_id": hub_id, "op": op,
                                    "pipeline": "customers", "data": {"name": hub_id}}
                                   for entity, hub_id, op in events])


# -- the URL guard --------------------------------------------------------------------------
def test_a_non_http_url_is_refused(client: TestClient) -> None:
    response = client.post("/admin/subscriptions", headers=ADMIN, json={
        "url": "ftp://example.com/hook", "secret": SECRET})
    assert response.status_code == 422
    assert response.json() == {
        "type": "invalid-request", "status": 422, "title": "the request is not valid; see errors",
        "errors": [{"loc": "body.url", "message": "URL scheme should be 'http' or 'https'"}]}


@pytest.mark.parametrize(("url", "address"), [
    ("http://127.0.0.1:8080/hook", "127.0.0.1"),
    ("http://localhost/hook", "127.0.0.1"),
    ("http://10.1.2.3/hook", "10.1.2.3"),
    ("https://192.168.0.10/hook", "192.168.0.10"),
    ("http://169.254.169.254/latest/meta-data", "169.254.169.254"),
    ("http://[::1]:9000/hook", "::1"),
])
def test_loopback_and_private_targets_are_refused(client: TestClient, url: str,
                                                  address: str) -> None:
    response = client.post("/admin/subscriptions", headers=ADMIN,
                           json={"url": url, "secret": SECRET})
    assert response.status_code == 422
    host = url.split("//")[1].split("/")[0].rsplit(":", 1)[0] if "[" not in url else "::1"
    assert response.json() == {
        "type": "refused-url", "status": 422, "field": "url",
        "title": f"'{host}' resolves to {address}, a loopback, private or reserved address; "
                 "subscriptions must target public addresses"}
    assert client.get("/admin/subscriptions", headers=ADMIN).json() == []


def test_a_public_address_passes_the_guard() -> None:
    check_target_url("https://93.184.216.34/hook", allow_private=False)
    with pytest.raises(ApiError):
        check_target_url("https://93.184.216.34/hook".replace("93.184.216.34", "0.0.0.0"),
                         allow_private=False)


def test_the_setting_allows_loopback_for_demos() -> None:
    check_target_url("http://127.0.0.1:9/hook", allow_private=True)
    with pytest.raises(ApiError):
        check_target_url("file:///etc/passwd", allow_private=True)


# -- delivery -------------------------------------------------------------------------------
def test_changes_are_delivered_signed_in_order_with_retries_and_a_dead_letter(
        delivering: TestClient, ctx: SyncContext, subscriber: tuple[Subscriber, str]) -> None:
    receiver, url = subscriber
    created = delivering.post("/admin/subscriptions", json={
        "url": url, "secret": SECRET, "entities": ["customer"], "description": "test"})
    assert created.status_code == 201, created.text
    sub = created.json()
    assert "secret" not in sub
    add_outbox(ctx, ("customer", "a", "create"), ("sales_order", "x", "create"),
               ("customer", "poison", "create"), ("customer", "a", "update"),
               ("customer", "b", "create"))

    wait_for(lambda: len(receiver.events) == 3, what="three customer events")
    assert [(e["event_id"], e["type"], e["hub_id"]) for e in receiver.events] == [
        ("hub-1", "customer.create", "a"), ("hub-4", "customer.update", "a"),
        ("hub-5", "customer.create", "b")]
    assert receiver.events[0]["data"] == {"name": "a"}
    assert receiver.attempts["hub-1"] == 3           # two 503s, then accepted
    assert receiver.attempts["hub-3"] == 3           # the poison event, every try refused

    def logged() -> list[dict[str, object]]:
        # The receiver answers before the worker records the delivery: wait for all four.
        items = delivering.get(f"/admin/subscriptions/{sub['id']}/deliveries").json()["items"]
        return items if len(items) == 4 else []

    deliveries = wait_for(logged, what="four delivery log entries")
    assert [(d["event_id"], d["status"], d["attempts"], d["response_status"])
            for d in reversed(deliveries)] == [
        ("hub-1", "delivered", 3, 204), ("hub-3", "failed", 3, 500),
        ("hub-4", "delivered", 1, 204), ("hub-5", "delivered", 1, 204)]
    [dead] = delivering.get(f"/admin/subscriptions/{sub['id']}/dead-letters").json()["items"]
    assert (dead["event_id"], dead["outbox_id"], dead["attempts"], dead["error"],
            dead["status"]) == ("hub-3", 3, 3, "answered 500", "open")
    assert delivering.get(f"/admin/subscriptions/{sub['id']}").json()["last_outbox_id"] == 5


def test_a_new_subscription_starts_after_existing_changes_unless_asked(
        delivering: TestClient, ctx: SyncContext) -> None:
    add_outbox(ctx, ("customer", "old", "create"))
    later = delivering.post("/admin/subscriptions", json={"url": "http://127.0.0.1:9/x",
                                                          "secret": SECRET, "active": False})
    everything = delivering.post("/admin/subscriptions", json={
        "url": "http://127.0.0.1:9/x", "secret": SECRET, "active": False, "from_start": True})
    assert (later.json()["last_outbox_id"], everything.json()["last_outbox_id"]) == (1, 0)


def test_test_delivery_sends_a_signed_ping(delivering: TestClient,
                                           subscriber: tuple[Subscriber, str]) -> None:
    receiver, url = subscriber
    receiver.fail_first = 0
    sub = delivering.post("/admin/subscriptions", json={"url": url, "secret": SECRET}).json()
    result = delivering.post(f"/admin/subscriptions/{sub['id']}/test").json()
    assert (result["delivered"], result["status"], result["error"]) == (True, 204, None)
    assert [e["type"] for e in receiver.events] == ["ping"]
    assert receiver.events[0]["event_id"] == result["event_id"]


def test_test_delivery_reports_a_refusal(delivering: TestClient,
                                         subscriber: tuple[Subscriber, str]) -> None:
    receiver, url = subscriber
    receiver.fail_first = 10
    sub = delivering.post("/admin/subscriptions", json={"url": url, "secret": SECRET}).json()
    result = delivering.post(f"/admin/subscriptions/{sub['id']}/test").json()
    assert (result["delivered"], result["status"], result["error"]) == (
        False, 503, "answered 503")


# -- CRUD -----------------------------------------------------------------------------------
def test_subscription_crud(delivering: TestClient) -> None:
    created = delivering.post("/admin/subscriptions", json={
        "url": "http://127.0.0.1:9/hook", "secret": SECRET, "entities": ["sales_order",
                                                                         "customer"]})
    sub = created.json()
    assert (sub["url"], sub["entities"], sub["active"]) == (
        "http://127.0.0.1:9/hook", ["customer", "sales_order"], True)
    patched = delivering.patch(f"/admin/subscriptions/{sub['id']}",
                               json={"active": False, "entities": ["customer"]}).json()
    assert (patched["active"], patched["entities"]) == (False, ["customer"])
    assert [s["id"] for s in delivering.get("/admin/subscriptions").json()] == [sub["id"]]
    assert delivering.delete(f"/admin/subscriptions/{sub['id']}").status_code == 204
    missing = delivering.get(f"/admin/subscriptions/{sub['id']}")
    assert missing.status_code == 404
    assert missing.json() == {"type": "not-found", "status": 404,
                              "title": f"no subscription {sub['id']}"}


def test_unknown_entities_are_refused(delivering: TestClient) -> None:
    response = delivering.post("/admin/subscriptions", json={
        "url": "http://127.0.0.1:9/hook", "secret": SECRET, "entities": ["customr"]})
    assert response.status_code == 422
    assert response.json()["type"] == "invalid-request"
    assert response.json()["field"] == "entities"
    assert response.json()["title"].startswith("unknown entities ['customr']; known: ")
