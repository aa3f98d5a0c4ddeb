"""Fixtures for the reference products: one database and one app per backend, a
TestClient per module, and tables emptied before every test (see ``support.py``)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from builtin.support import AUTH, BACKENDS, TOKEN, SharedDatabase, shared_database_for
from hub.builtin.app import create_app


@pytest.fixture(scope="session", params=BACKENDS)
def builtin_backend(request: pytest.FixtureRequest) -> str:
    """Each test runs once per available backend (as ``backend`` does elsewhere)."""
    return str(request.param)


@pytest.fixture(scope="session")
def shared_database(builtin_backend: str,
                    tmp_path_factory: pytest.TempPathFactory) -> Iterator[SharedDatabase]:
    yield from shared_database_for(builtin_backend, tmp_path_factory)


@pytest.fixture
def builtin_database_url(shared_database: SharedDatabase) -> str:
    """A database in the state a fresh one has: product tables empty, feeds at 0."""
    shared_database.reset()
    return shared_database.url


@pytest.fixture(scope="session")
def builtin_app(shared_database: SharedDatabase) -> FastAPI:
    return create_app(shared_database.url, TOKEN, webhook_max_attempts=3,
                      webhook_backoff_seconds=0.05)


@pytest.fixture(scope="module")
def module_client(builtin_app: FastAPI) -> Iterator[TestClient]:
    """The app served (lifespan and webhook workers running) for one test module.

    Module scope, so a test that serves an app of its own on the shared database
    (webhooks, seed) never has this app's workers delivering beside it."""
    with TestClient(builtin_app, headers=AUTH) as test_client:
        yield test_client


@pytest.fixture
def client(builtin_database_url: str, module_client: TestClient) -> TestClient:
    return module_client


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
