"""Batch upsert: idempotent by natural key, one result per item, no needless feed entries."""

from __future__ import annotations

from fastapi.testclient import TestClient


def _customers(count: int, limit: str = "10000") -> list[dict[str, object]]:
    return [{"cust_no": f"C-{n:03d}", "cust_name": f"Importer {n}", "country": "DE",
             "credit_limit": limit} for n in range(count)]


def test_the_same_batch_twice_is_unchanged_the_second_time(client: TestClient) -> None:
    first = client.post("/erp/customers/batch-upsert", json={"items": _customers(50)}).json()
    assert first["summary"] == {"created": 50, "updated": 0, "unchanged": 0, "error": 0}
    cursor = client.get("/erp/changes", params={"limit": 1000}).json()["next"]

    again = client.post("/erp/customers/batch-upsert", json={"items": _customers(50)}).json()
    assert again["summary"] == {"created": 0, "updated": 0, "unchanged": 50, "error": 0}
    assert [r["id"] for r in again["results"]] == [r["id"] for r in first["results"]]
    assert client.get("/erp/changes", params={"since": cursor}).json()["changes"] == []

    # 10000 and "10000.00" are the same amount: still unchanged.
    same_value = _customers(50, limit="10000.00")
    assert client.post("/erp/customers/batch-upsert",
                       json={"items": same_value}).json()["summary"]["unchanged"] == 50


def test_changed_items_update_and_refused_items_fail_alone(client: TestClient) -> None:
    client.post("/erp/customers/batch-upsert", json={"items": _customers(3)})
    items = [
        {"cust_no": "C-000", "cust_name": "Importer 0 renamed", "country": "DE"},
        {"cust_no": "C-001", "cust_name": "Importer 1", "country": "DE",
         "credit_limit": "10000"},
        {"cust_no": "C-NEW", "cust_name": "New", "country": "ZZ"},
        {"cust_name": "No key", "country": "DE"},
        {"cust_no": "C-009", "cust_name": "Fresh", "country": "FR"},
        {"cust_no": "C-009", "cust_name": "Twice", "country": "FR"},
    ]
    body = client.post("/erp/customers/batch-upsert", json={"items": items}).json()
    assert [(r["key"], r["outcome"], r["error"]) for r in body["results"]] == [
        ("C-000", "updated", None),
        ("C-001", "unchanged", None),
        ("C-NEW", "error", "country: Value error, 'ZZ' is not an ISO 3166-1 alpha-2 country code"),
        (None, "error", "cust_no: the natural key is required"),
        ("C-009", "created", None),
        ("C-009", "error", "duplicate key 'C-009' in this batch"),
    ]
    assert client.get("/erp/customers/by-key/C-000").json()["cust_name"] == "Importer 0 renamed"


def test_merge_changes_only_the_fields_sent(client: TestClient) -> None:
    client.post("/erp/customers/batch-upsert", json={"items": _customers(1)})
    body = client.post("/erp/customers/batch-upsert", json={
        "items": [{"cust_no": "C-000", "city": "Hamburg"}], "merge": True}).json()
    assert body["summary"]["updated"] == 1
    stored = client.get("/erp/customers/by-key/C-000").json()
    assert (stored["city"], stored["cust_name"], stored["credit_limit"]) == (
        "Hamburg", "Importer 0", "10000.00")


def test_items_with_side_effects_are_refused_one_by_one(
        client: TestClient, erp_master_data: None) -> None:
    order = {"so_no": "SO-1", "cust_no": "C-001", "order_date": "2026-03-01",
             "currency": "EUR", "fx_rate": "7.8", "lines": [
                 {"line_key": "10", "sku": "LED-9W", "qty": 10, "price": "1.20"}]}
    body = client.post("/erp/sales-orders/batch-upsert", json={"items": [
        order, {**order, "so_no": "SO-2", "cust_no": "C-404"},
        {**order, "so_no": "SO-3", "currency": "BRL", "fx_rate": None}]}).json()
    assert [(r["key"], r["outcome"], r["error"]) for r in body["results"]] == [
        ("SO-1", "created", None),
        ("SO-2", "error", "cust_no: customers 'C-404' does not exist"),
        ("SO-3", "error", "(item): Value error, fx_rate is required for BRL: the ERP has no "
                          "daily rate for it"),
    ]


def test_a_batch_that_is_not_json_or_not_a_list_of_objects_is_422(client: TestClient) -> None:
    broken = client.post("/erp/customers/batch-upsert", content=b'{"items": [{"cust_no": ',
                         headers={"Content-Type": "application/json"})
    assert broken.status_code == 422
    [field] = broken.json()["fields"]
    assert field["loc"] == "body" and field["message"].startswith("Invalid JSON")
    shaped = client.post("/erp/customers/batch-upsert", json={"items": [{"cust_no": "C-1"}, 7]})
    assert shaped.status_code == 422
    assert [f["loc"] for f in shaped.json()["fields"]] == ["body.items.1"]
    assert client.get("/erp/customers").json()["total"] == 0    # nothing was written
