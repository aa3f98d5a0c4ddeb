"""Replaying a delivery dead letter: the stored event, signed anew, to a real subscriber on
loopback; logged; the letter marked replayed (or left open when the subscriber still fails)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta, timezone

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from api_support import ADMIN, MakeApp
from hub.api.outbound import HubEvent, encode
from hub.services import AppServer
from hub.store.tables import DeliveryDeadLetter
from hub.sync.context import SyncContext
from test_outbound import SECRET, Subscriber


@pytest.fixture
def receiver() -> Iterator[tuple[Subscriber, str]]:
    subscriber = Subscriber(poison="poison")
    with AppServer(subscriber.app) as server:
        yield subscriber, f"{server.url}/hook"


@pytest.fixture
def admin(ctx: SyncContext, make_app: MakeApp) -> Iterator[TestClient]:
    with TestClient(make_app(ctx, allow_private_targets=True), headers=ADMIN) as client:
        yield client


def dead_letter(ctx: SyncContext, subscription_id: int, hub_id: str) -> int:
    event = HubEvent(event_id="hub-42", type="customer.update", entity="customer", op="update",
                     hub_id=hub_id, pipeline="customers", sequence=42,
                     occurred_at=datetime(2026, 3, 1, 8, tzinfo=timezone.utc),
                     data={"name": "Lichtwerk GmbH"})
    with ctx.sessions() as session, session.begin():
        letter = DeliveryDeadLetter(subscription_id=subscription_id, outbox_id=42,
                                    event_id="hub-42", body=encode(event),
                                    error="answered 503", attempts=6)
        session.add(letter)
        session.flush()
        return letter.id


def subscribe(admin: TestClient, url: str) -> int:
    created = admin.post("/admin/subscriptions", json={"url": url, "secret": SECRET,
                                                       "active": False})
    assert created.status_code == 201, created.text
    return int(created.json()["id"])


def test_a_replayed_dead_letter_reaches_the_subscriber_and_is_marked_replayed(
        admin: TestClient, ctx: SyncContext, receiver: tuple[Subscriber, str]) -> None:
    subscriber, url = receiver
    sub = subscribe(admin, url)
    letter = dead_letter(ctx, sub, "h-1")

    replayed = admin.post(f"/admin/subscriptions/{sub}/dead-letters/{letter}/replay")
    assert replayed.status_code == 200, replayed.text
    body = replayed.json()
    assert (body["delivered"], body["status"], body["error"]) == (True, 204, None)
    assert (body["dead_letter"]["status"], body["dead_letter"]["attempts"]) == ("replayed", 7)
    assert body["dead_letter"]["replayed_at"] is not None
    assert [(e["event_id"], e["sequence"], e["hub_id"]) for e in subscriber.events] == [
        ("hub-42", 42, "h-1")]          # the signature checked out (the subscriber verifies)
    [logged] = admin.get(f"/admin/subscriptions/{sub}/deliveries").json()["items"]
    assert logged == {**body["delivery"], "status": "delivered", "outbox_id": 42,
                      "event_id": "hub-42", "attempts": 1, "response_status": 204}
    [listed] = admin.get(f"/admin/subscriptions/{sub}/dead-letters").json()["items"]
    assert listed == body["dead_letter"]

    again = admin.post(f"/admin/subscriptions/{sub}/dead-letters/{letter}/replay")
    assert again.json() == {"type": "conflict", "status": 409,
                            "title": f"delivery dead letter {letter} is replayed, not open"}
    assert len(subscriber.events) == 1


def test_a_replay_the_subscriber_still_refuses_leaves_the_letter_open(
        admin: TestClient, ctx: SyncContext, receiver: tuple[Subscriber, str]) -> None:
    subscriber, url = receiver
    sub = subscribe(admin, url)
    letter = dead_letter(ctx, sub, "poison")

    body = admin.post(f"/admin/subscriptions/{sub}/dead-letters/{letter}/replay").json()
    assert (body["delivered"], body["status"], body["error"]) == (False, 500, "answered 500")
    assert (body["dead_letter"]["status"], body["dead_letter"]["attempts"],
            body["dead_letter"]["error"]) == ("open", 7, "answered 500")
    assert body["delivery"]["status"] == "failed"
    assert subscriber.attempts["hub-42"] == 1 and subscriber.events == []

    subscriber.poison = None                                    # the subscriber is fixed
    fixed = admin.post(f"/admin/subscriptions/{sub}/dead-letters/{letter}/replay").json()
    assert (fixed["delivered"], fixed["dead_letter"]["status"]) == (True, "replayed")
    assert [e["hub_id"] for e in subscriber.events] == ["poison"]


def test_replay_of_an_unknown_or_foreign_dead_letter_is_404(
        admin: TestClient, ctx: SyncContext) -> None:
    first = subscribe(admin, "http://127.0.0.1:9/a")
    second = subscribe(admin, "http://127.0.0.1:9/b")
    letter = dead_letter(ctx, first, "h-1")
    foreign = admin.post(f"/admin/subscriptions/{second}/dead-letters/{letter}/replay")
    assert foreign.json() == {"type": "not-found", "status": 404, "title":
                              f"subscription {second} has no dead letter {letter}"}
    missing = admin.post("/admin/subscriptions/999/dead-letters/1/replay")
    assert (missing.status_code, missing.json()["title"]) == (404, "no subscription 999")
    unauthenticated = admin.post(f"/admin/subscriptions/{first}/dead-letters/{letter}/replay",
                                 headers={"Authorization": ""})
    assert unauthenticated.status_code == 401


def test_a_letter_being_replayed_is_409_until_that_try_is_long_abandoned(
        admin: TestClient, ctx: SyncContext, receiver: tuple[Subscriber, str]) -> None:
    subscriber, url = receiver
    sub = subscribe(admin, url)
    letter = dead_letter(ctx, sub, "h-1")
    started = datetime.now(timezone.utc)
    with ctx.sessions() as session, session.begin():     # another replay is under way
        session.execute(update(DeliveryDeadLetter).values(status="replaying",
                                                          replayed_at=started))
    busy = admin.post(f"/admin/subscriptions/{sub}/dead-letters/{letter}/replay")
    assert busy.json() == {"type": "conflict", "status": 409, "title":
                           f"delivery dead letter {letter} is replaying, not open"}
    assert subscriber.events == []

    with ctx.sessions() as session, session.begin():     # its process died long ago
        session.execute(update(DeliveryDeadLetter).values(
            replayed_at=started - timedelta(minutes=10)))
    taken = admin.post(f"/admin/subscriptions/{sub}/dead-letters/{letter}/replay").json()
    assert (taken["delivered"], taken["dead_letter"]["status"]) == (True, "replayed")
    assert [e["event_id"] for e in subscriber.events] == ["hub-42"]
