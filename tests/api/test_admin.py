"""Admin API: token, pipelines and their state, runs, links, conflicts, dead letters, inbox."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient

from api_support import ADMIN
from hub.store.base import utcnow
from hub.store.tables import Conflict, DeadLetter, InboxEvent, PendingChange, SyncRun
from hub.sync import lock, state
from hub.sync.context import SyncContext


def test_admin_endpoints_need_the_token(client: TestClient) -> None:
    response = client.get("/admin/pipelines")
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.json() == {
        "type": "unauthorized", "status": 401,
        "title": "this endpoint needs 'Authorization: Bearer <admin token>'"}
    wrong = client.get("/admin/inbox", headers={"Authorization": "Bearer guess"})
    assert wrong.status_code == 401
    assert wrong.json() == {"type": "unauthorized", "status": 401,
                            "title": "the admin token is not valid"}


def test_health_is_public(client: TestClient) -> None:
    body = client.get("/health").json()
    assert (body["status"], body["configured"]) == ("ok", True)


def test_pipelines_show_config_pending_lock_cursor_and_runs(client: TestClient,
                                                            ctx: SyncContext) -> None:
    with ctx.sessions() as session, session.begin():
        session.add(PendingChange(pipeline="customers", hub_id="h1", system="shop", seq=1,
                                  remote_id="C-1", observed_at=utcnow()))
        session.add(SyncRun(pipeline="customers", status="completed", read=3, created=2,
                            finished_at=utcnow()))
        state.set_cursor(session, pipeline="customers", system="shop", cursor="42")
    lock.acquire(ctx.sessions, "customers", "someone")

    [customers, orders] = client.get("/admin/pipelines", headers=ADMIN).json()
    assert (customers["name"], customers["source"], customers["target"],
            customers["direction"], customers["pending"], customers["running"]) == (
        "customers", "shop", "erp", "two_way", 1, True)
    assert customers["config"]["owners"] == {"credit_limit": "erp"}
    assert [(c["system"], c["cursor"]) for c in customers["cursors"]] == [("shop", "42")]
    assert [(r["status"], r["read"], r["created"]) for r in customers["last_runs"]] == [
        ("completed", 3, 2)]
    assert (orders["name"], orders["pending"], orders["running"]) == ("orders", 0, False)
    one = client.get("/admin/pipelines/orders", headers=ADMIN).json()
    assert one == orders
    missing = client.get("/admin/pipelines/nope", headers=ADMIN)
    assert missing.json() == {"type": "not-found", "status": 404,
                              "title": "no pipeline 'nope'; pipelines: customers, orders"}


def test_runs_are_newest_first_and_paged(client: TestClient, ctx: SyncContext) -> None:
    with ctx.sessions() as session, session.begin():
        for i in range(5):
            session.add(SyncRun(pipeline="customers" if i % 2 else "orders", read=i,
                                started_at=utcnow() + timedelta(seconds=i)))
    first = client.get("/admin/runs", params={"limit": 2}, headers=ADMIN).json()
    assert [r["id"] for r in first["items"]] == [5, 4]
    second = client.get("/admin/runs", params={"limit": 2, "before_id": first["next_before_id"]},
                        headers=ADMIN).json()
    assert [r["id"] for r in second["items"]] == [3, 2]
    only = client.get("/admin/runs", params={"pipeline": "customers"}, headers=ADMIN).json()
    assert [r["id"] for r in only["items"]] == [4, 2]
    assert only["next_before_id"] is None
    assert client.get("/admin/runs/3", headers=ADMIN).json()["read"] == 2
    assert client.get("/admin/runs/99", headers=ADMIN).status_code == 404


def test_link_lookup_both_ways(client: TestClient, ctx: SyncContext) -> None:
    with ctx.sessions() as session, session.begin():
        state.add_links(session, entity="customer", system="shop", pairs=[("h1", "C-1")])
        state.add_links(session, entity="customer", system="erp", pairs=[("h1", "17")])
    by_hub = client.get("/admin/links/customer/h1", headers=ADMIN).json()
    assert [(link["system"], link["remote_id"]) for link in by_hub["links"]] == [
        ("erp", "17"), ("shop", "C-1")]
    by_remote = client.get("/admin/links/customer/by-remote/erp/17", headers=ADMIN).json()
    assert by_remote["hub_id"] == "h1"
    assert by_remote["links"] == by_hub["links"]
    missing = client.get("/admin/links/customer/by-remote/erp/18", headers=ADMIN)
    assert missing.json() == {"type": "not-found", "status": 404,
                              "title": "erp customer '18' is not linked to the hub"}


def test_conflicts_are_listed_and_resolved(client: TestClient, ctx: SyncContext) -> None:
    with ctx.sessions() as session, session.begin():
        for field in ("city", "credit_limit"):
            state.park_conflict(session, pipeline="customers", entity="customer", hub_id="h1",
                                field=field, values={"shop": f"{field}-shop",
                                                     "erp": f"{field}-erp"})
    listed = client.get("/admin/conflicts", params={"status": "open"}, headers=ADMIN).json()
    assert [c["field"] for c in listed["items"]] == ["credit_limit", "city"]
    by_value = client.post("/admin/conflicts/1/resolve", json={"value": "Hamburg"},
                           headers=ADMIN).json()
    assert (by_value["status"], by_value["resolved_value"]) == ("resolved", "Hamburg")
    by_side = client.post("/admin/conflicts/2/resolve", json={"system": "erp"},
                          headers=ADMIN).json()
    assert by_side["resolved_value"] == "credit_limit-erp"
    again = client.post("/admin/conflicts/1/resolve", json={"value": "x"}, headers=ADMIN)
    assert again.status_code == 409
    assert again.json() == {"type": "conflict", "status": 409,
                            "title": "conflict 1 is already resolved"}
    with ctx.sessions() as session:
        rows = {c.field: (c.status, c.resolved_value) for c in session.query(Conflict)}
    assert rows == {"city": ("resolved", "Hamburg"), "credit_limit": ("resolved",
                                                                      "credit_limit-erp")}


def test_resolving_with_a_system_that_is_not_a_side_is_422(client: TestClient,
                                                           ctx: SyncContext) -> None:
    with ctx.sessions() as session, session.begin():
        state.park_conflict(session, pipeline="customers", entity="customer", hub_id="h1",
                            field="city", values={"shop": "a", "erp": "b"})
    response = client.post("/admin/conflicts/1/resolve", json={"system": "crm"}, headers=ADMIN)
    assert response.status_code == 422
    assert response.json() == {"type": "invalid-request", "status": 422, "field": "system",
                               "title": "'crm' is not a side of this conflict; sides: erp, shop"}


def test_dead_letters_list_and_a_letter_without_a_raw_record_cannot_be_replayed(
        client: TestClient, ctx: SyncContext) -> None:
    with ctx.sessions() as session, session.begin():
        session.add(DeadLetter(pipeline="customers", entity="customer", source_system="shop",
                               target_system="shop", remote_id="C-1", hub_id="h1",
                               payload={"stage": "link", "system": "shop", "remote_id": "C-1"},
                               error_code="already-linked", error="linked elsewhere"))
    [letter] = client.get("/admin/dead-letters", params={"status": "open"},
                          headers=ADMIN).json()["items"]
    assert (letter["error_code"], letter["status"]) == ("already-linked", "open")
    response = client.post(f"/admin/dead-letters/{letter['id']}/replay", headers=ADMIN)
    assert response.status_code == 409
    assert response.json() == {"type": "conflict", "status": 409,
                               "title": "dead letter 1 holds no raw record to replay "
                                        "(stage 'link')"}
    assert client.post("/admin/dead-letters/9/replay", headers=ADMIN).json() == {
        "type": "not-found", "status": 404, "title": "no dead letter 9"}


def test_inbox_list_and_reprocess(client: TestClient, ctx: SyncContext) -> None:
    with ctx.sessions() as session, session.begin():
        session.add(InboxEvent(system="shop", event_id="e1", headers={}, body=b"{}",
                               status="failed", attempts=5, error="boom"))
        session.add(InboxEvent(system="shop", event_id="e2", headers={}, body=b"{}",
                               status="processed", attempts=1))
    failed = client.get("/admin/inbox", params={"status": "failed"}, headers=ADMIN).json()
    assert [(i["event_id"], i["attempts"], i["error"], i["size"]) for i in failed["items"]] == [
        ("e1", 5, "boom", 2)]
    again = client.post("/admin/inbox/1/reprocess", headers=ADMIN).json()
    assert (again["status"], again["attempts"], again["error"]) == ("pending", 0, None)
    assert client.post("/admin/inbox/7/reprocess", headers=ADMIN).status_code == 404
