"""Outbound webhooks: signed, delivered in the background, retried when the receiver fails."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import httpx
import pytest
from fastapi import FastAPI, Request, Response
from fastapi.testclient import TestClient

from hub import signing
from hub.builtin.app import create_app
from hub.errors import AuthError
from hub.services import AppServer

TOKEN = "test-builtin-token"

SECRET = "whsec-test-123"


class Receiver:
    """A subscriber that verifies signatures and fails its first ``fail_first`` calls."""

    def __init__(self, fail_first: int = 0) -> None:
        self.fail_first = fail_first
        self.calls = 0
        self.events: list[tuple[dict[str, str], bytes]] = []
        self.app = FastAPI()

        @self.app.post("/hook")
        async def hook(request: Request) -> Response:
            self.calls += 1
            body = await request.body()
            signing.verify(SECRET, dict(request.headers), body)
            if self.calls <= self.fail_first:
                return Response(status_code=500)
            self.events.append((dict(request.headers), body))
            return Response(status_code=204)


def _wait_for(condition: object, seconds: float = 20.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:  # type: ignore[operator]
        time.sleep(0.05)


@pytest.fixture
def receiver() -> Iterator[tuple[Receiver, str]]:
    hook = Receiver(fail_first=1)
    with AppServer(hook.app) as server:
        yield hook, f"{server.url}/hook"


def test_changes_reach_a_subscriber_signed_and_retried(
        builtin_database_url: str, receiver: tuple[Receiver, str]) -> None:
    hook, url = receiver
    app = create_app(builtin_database_url, TOKEN, webhook_max_attempts=3,
                     webhook_backoff_seconds=0.05)
    with AppServer(app) as server:

        client = httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {TOKEN}"})
        client.post("/crm/tickets", json={"ticket_no": "T-0", "subject": "before subscribing"})
        sub = client.post("/crm/webhook-subscriptions",
                          json={"url": url, "secret": SECRET, "resources": ["leads"]})
        assert sub.status_code == 201
        assert "secret" not in sub.json()
        client.post("/crm/tickets", json={"ticket_no": "T-1", "subject": "not subscribed"})
        lead = client.post("/crm/leads", json={"lead_ref": "L-1", "source": "whatsapp"}).json()
        _wait_for(lambda: len(hook.events) >= 1)
        subs = client.get("/crm/webhook-subscriptions").json()["items"]
        client.close()

    assert hook.calls == 2  # the first attempt got a 500 and was retried
    assert len(hook.events) == 1
    headers, body = hook.events[0]
    event = json.loads(body)
    assert event == {"event_id": "crm-3", "app": "crm", "resource": "leads", "op": "create",
                     "id": lead["id"], "seq": 3, "at": lead["created_at"], "data": lead}
    assert headers["x-tradehub-event-id"] == "crm-3"
    signing.verify(SECRET, headers, body)
    with pytest.raises(AuthError, match="signature does not match"):
        signing.verify(SECRET, headers, body.replace(b"L-1", b"L-2"))
    assert subs[0]["delivered"] == 1
    assert subs[0]["failed"] == 0


def test_an_unreachable_subscriber_is_given_up_after_bounded_retries(
        builtin_database_url: str) -> None:
    app = create_app(builtin_database_url, TOKEN, webhook_max_attempts=2,
                     webhook_backoff_seconds=0.01)
    with AppServer(app) as server:

        client = httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {TOKEN}"})
        client.post("/oa/webhook-subscriptions",
                    json={"url": "http://127.0.0.1:9/nothing-listens", "secret": SECRET})
        client.post("/oa/work-orders", json={"wo_no": "WO-1", "title": "Count pallets"})
        _wait_for(lambda: client.get("/oa/webhook-subscriptions").json()["items"][0]["failed"])
        sub = client.get("/oa/webhook-subscriptions").json()["items"][0]
        client.close()
    assert (sub["delivered"], sub["failed"], sub["last_seq"]) == (0, 1, 1)
    assert "seq 1" in sub["last_error"]


def test_a_subscription_needs_a_url_and_a_real_secret(
        builtin_database_url: str, builtin_app: FastAPI) -> None:
    # No lifespan (no ``with``): this app's webhook workers must not run beside the
    # apps the tests above serve on the same database.
    client = TestClient(builtin_app, headers={"Authorization": f"Bearer {TOKEN}"})
    response = client.post("/erp/webhook-subscriptions", json={"url": "not a url",
                                                                 "secret": "short"})
    assert response.status_code == 422
    assert response.json() == {"error": "validation_error", "message": "the request is invalid",
                               "fields": [
        {"loc": "body.url", "message": "Input should be a valid URL, relative URL without a base"},
        {"loc": "body.secret", "message": "String should have at least 8 characters"}]}
