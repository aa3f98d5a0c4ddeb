"""The change feed pages through every change exactly once, in order."""

from __future__ import annotations

import random
import threading
import time

from fastapi import FastAPI
from fastapi.testclient import TestClient

from hub.builtin.common.feed import read_changes
from hub.builtin.common.product import Product


def _lead(n: int) -> dict[str, object]:
    return {"lead_ref": f"L-{n}", "source": "whatsapp", "whatsapp_id": f"+49151{n:06d}"}


def test_paging_sees_each_change_once_including_changes_made_while_paging(
        client: TestClient) -> None:
    for n in range(12):
        client.post("/crm/leads", json=_lead(n))
    seen: list[dict[str, object]] = []
    cursor = None
    for page_number in range(100):
        page = client.get("/crm/changes", params={"since": cursor or "", "limit": 5}).json()
        seen += page["changes"]
        cursor = page["next"]
        if page_number < 4:  # write between pages: an update, a create, a delete
            first = seen[0]["id"]
            client.patch(f"/crm/leads/{first}", json={"status": f"contacted"
                                                      if page_number % 2 else "qualified"})
            client.post("/crm/leads", json=_lead(100 + page_number))
            client.delete(f"/crm/leads/{seen[-1]['id']}", params={"hard": True})
        if not page["has_more"] and page_number >= 4:
            break
    everything = client.get("/crm/changes", params={"limit": 5000}).json()
    assert everything["has_more"] is False
    assert seen == everything["changes"]
    seqs = [c["seq"] for c in seen]
    assert seqs == sorted(set(seqs))
    assert {c["op"] for c in seen} == {"create", "update", "delete"}
    assert cursor == everything["next"]


def test_a_delete_carries_the_last_state_and_the_filter_limits_resources(
        client: TestClient) -> None:
    lead = client.post("/crm/leads", json=_lead(1)).json()
    client.post("/crm/tickets", json={"ticket_no": "T-1", "subject": "Broken lamps"})
    client.delete(f"/crm/leads/{lead['id']}", params={"hard": True})
    page = client.get("/crm/changes", params={"resource": "leads"}).json()
    assert [(c["op"], c["id"]) for c in page["changes"]] == [("create", lead["id"]),
                                                             ("delete", lead["id"])]
    assert page["changes"][1]["data"]["lead_ref"] == "L-1"
    assert page["next"] == "3"


def test_a_cursor_that_is_not_ours_is_422(client: TestClient) -> None:
    response = client.get("/erp/changes", params={"since": "yesterday"})
    assert response.status_code == 422
    assert response.json() == {
        "error": "validation_error",
        "message": "since: 'yesterday' is not a cursor from this feed (expected the 'next' value "
                   "of an earlier page, or nothing to start at the beginning)"}


def test_an_unknown_resource_filter_is_422(client: TestClient) -> None:
    response = client.get("/oa/changes", params={"resource": "invoices"})
    assert response.status_code == 422
    assert response.json() == {"error": "unknown_resource", "message":
                               "unknown resource 'invoices'; oa has approvals, work_orders"}


def test_concurrent_slow_writers_never_make_a_reader_skip_a_change(
        client: TestClient, builtin_app: FastAPI) -> None:
    """Writers hold their transaction open after taking a sequence number; a reader
    paging meanwhile must still see every change (the late-commit trap)."""
    product: Product = builtin_app.state.products["oa"]
    work_orders = product.resources["work_orders"]
    writers, per_writer = 4, 10
    done = threading.Event()
    errors: list[BaseException] = []

    def write(worker: int) -> None:
        rng = random.Random(worker)
        try:
            for n in range(per_writer):
                with product.writing() as writer:
                    item = work_orders.model.model_validate(
                        {"wo_no": f"WO-{worker}-{n}", "title": "Check container seal"})
                    writer.save(work_orders, item, None)
                    time.sleep(rng.uniform(0, 0.01))  # commit late, after taking a seq
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    seen: list[int] = []

    def read() -> None:
        cursor = 0
        for _ in range(100_000):
            # Only a page read after every writer finished can be the last one: a
            # page read just before the last commit would otherwise end the loop.
            finished = done.is_set()
            page = read_changes(product, since=cursor, limit=3)
            seen.extend(c.seq for c in page.changes)
            cursor = int(page.next)
            if finished and not page.has_more:
                return

    threads = [threading.Thread(target=write, args=(w,)) for w in range(writers)]
    reader = threading.Thread(target=read)
    reader.start()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    done.set()
    reader.join()
    assert errors == []
    total = writers * per_writer
    assert seen == list(range(1, total + 1))
