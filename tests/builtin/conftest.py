"""Fixtures for the reference products: the app on a fresh database, a TestClient."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from hub.builtin.app import create_app

TOKEN = "test-builtin-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture
def builtin_app(database_url: str) -> FastAPI:
    return create_app(database_url, TOKEN, webhook_max_attempts=3, webhook_backoff_seconds=0.05)


@pytest.fixture
def client(builtin_app: FastAPI) -> Iterator[TestClient]:
    with TestClient(builtin_app, headers=AUTH) as test_client:
        yield test_client


@pytest.fixture
def erp_master_data(client: TestClient) -> None:
    """A warehouse pair, the story's LED lamp with 800 on hand, and one customer."""
    for path, items in [
        ("warehouses", [{"wh_code": "SH-01", "wh_name": "Shanghai", "country": "CN"},
                        {"wh_code": "RTM-01", "wh_name": "Rotterdam", "country": "NL",
                         "overseas": True}]),
        ("products", [{"sku": "LED-9W", "item_name": "LED bulb 9W", "hs_code": "8539.52.00"}]),
        ("inventory", [{"sku": "LED-9W", "wh_code": "SH-01", "on_hand": 800},
                       {"sku": "LED-9W", "wh_code": "RTM-01", "on_hand": 50}]),
        ("customers", [{"cust_no": "C-001", "cust_name": "Lichtwerk GmbH", "country": "DE",
                        "currency": "EUR"}]),
    ]:
        response = client.post(f"/erp/{path}/batch-upsert", json={"items": items})
        assert response.status_code == 200
        assert response.json()["summary"]["error"] == 0
