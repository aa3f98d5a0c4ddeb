"""Fixtures for engine tests: the reference products served on loopback, a real store."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from db_support import fresh_database_url
from hub.builtin.app import create_app as create_builtin_app
from hub.services import AppServer
from hub.sync.config import HubConfig
from hub.sync.context import SyncContext
from sync_support import TOKEN, Product


@pytest.fixture
def products(backend: str, tmp_path: Path) -> Iterator[AppServer]:
    """The reference CRM, ERP and OA on their own database, served by uvicorn."""
    for url in fresh_database_url(backend, tmp_path):
        server = AppServer(create_builtin_app(url, TOKEN, webhook_max_attempts=1))
        with server:
            yield server


@pytest.fixture
def make_context(sync_context_factory: Callable[[HubConfig], SyncContext],
                 ) -> Callable[[HubConfig], SyncContext]:
    return sync_context_factory


@pytest.fixture
def crm(products: AppServer) -> Iterator[Product]:
    product = Product(products.url, "crm")
    yield product
    product.client.close()


@pytest.fixture
def erp(products: AppServer) -> Iterator[Product]:
    product = Product(products.url, "erp")
    yield product
    product.client.close()
