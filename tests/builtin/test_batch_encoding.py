"""The batch upsert's fast paths write what the slow ones did: documents encoded once
and spliced into feed rows, results written by orjson, updates through one compiled
statement, the feed's sequence as SQLite's rowid."""

from __future__ import annotations

from datetime import datetime, timezone

import orjson
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import inspect

from hub.builtin.common.batch import BatchResponse
from hub.builtin.common.product import represent, represent_encoded
from hub.store.db import json_bytes


def _items(count: int, version: int) -> list[dict[str, object]]:
    return [{"cust_no": f"E-{n:03d}", "cust_name": f"Importer {n} v{version}", "country": "de",
             "city": "Hamburg", "address": f"Hafenstraße {n}", "contact_email": f"b{n}@Example.COM",
             "credit_limit": "1500.5"} for n in range(count)]


def test_feed_rows_of_a_batch_are_the_records_as_the_api_shows_them(client: TestClient) -> None:
    created = client.post("/erp/customers/batch-upsert", json={"items": _items(3, 0)})
    assert created.headers["content-type"] == "application/json"
    body = BatchResponse.model_validate_json(created.content)
    assert body.summary.created == 3
    assert [(r.key, r.outcome, r.error) for r in body.results] == [
        ("E-000", "created", None), ("E-001", "created", None), ("E-002", "created", None)]
    first = client.get("/erp/changes", params={"resource": "customers"}).json()
    records = [client.get(f"/erp/customers/{r.id}").json() for r in body.results]
    assert [c["data"] for c in first["changes"]] == records
    assert records[0]["country"] == "DE" and records[0]["credit_limit"] == "1500.50"
    assert records[0]["contact_email"] == "b0@example.com"
    assert records[0]["receivable_status"] == "clear"

    changed = _items(3, 0)
    changed[1]["cust_name"] = "Importer 1 renamed"
    updated = client.post("/erp/customers/batch-upsert", json={"items": changed}).json()
    assert updated["summary"] == {"created": 0, "updated": 1, "unchanged": 2, "error": 0}
    later = client.get("/erp/changes", params={"since": first["next"]}).json()["changes"]
    now = client.get(f"/erp/customers/{body.results[1].id}").json()
    assert [c["data"] for c in later] == [now]
    assert later[0]["op"] == "update" and later[0]["id"] == body.results[1].id
    assert now["cust_name"] == "Importer 1 renamed"
    assert now["created_at"] == records[1]["created_at"]
    assert now["updated_at"] >= records[1]["updated_at"]


def test_an_invalid_item_leaves_its_neighbours_validated_and_stored(client: TestClient) -> None:
    items = _items(3, 0)
    items[1]["contact_email"] = "not an address"
    results = client.post("/erp/customers/batch-upsert", json={"items": items}).json()["results"]
    assert [r["outcome"] for r in results] == ["created", "error", "created"]
    assert results[1]["error"].startswith("contact_email: ")
    assert client.get("/erp/customers/by-key/E-002").json()["country"] == "DE"
    assert client.get("/erp/customers/by-key/E-001").status_code == 404


def test_a_spliced_representation_equals_the_encoded_one() -> None:
    at = datetime(2026, 11, 26, 8, 30, 1, 250000, tzinfo=timezone.utc)
    later = datetime(2026, 11, 27, tzinfo=timezone.utc)
    doc = {"cust_no": "C-1", "cust_name": "Müller \"&\" Söhne", "tags": ["a"], "n": None}
    spliced = represent_encoded(7, doc, json_bytes(doc), True, at, later)
    assert orjson.loads(spliced.text) == represent(7, doc, True, at, later)
    assert spliced.data == json_bytes(represent(7, doc, True, at, later))
    # A document holding a field the representation sets is represented as before.
    clash = {"id": "theirs", "archived": "x", "name": "n"}
    assert orjson.loads(represent_encoded(7, clash, json_bytes(clash), False, at, at).text) == \
        represent(7, clash, False, at, at)
    assert orjson.loads(represent_encoded(3, {}, b"{}", False, at, at).text) == represent(3, {}, False, at, at)


def test_the_feed_sequence_is_one_key(builtin_app: FastAPI) -> None:
    """SQLite: the rowid itself (no second unique index); PostgreSQL: BIGINT."""
    engine = builtin_app.state.engine
    inspector = inspect(engine)
    if engine.dialect.name == "sqlite":
        with engine.connect() as connection:
            indexes = [r[1] for r in connection.exec_driver_sql("PRAGMA index_list(erp_changes)")]
        assert indexes == ["ix_erp_changes_resource_seq"]
    else:
        seq = next(c for c in inspector.get_columns("erp_changes") if c["name"] == "seq")
        assert str(seq["type"]) == "BIGINT"
