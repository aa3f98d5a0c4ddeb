"""Fixtures for hub API tests: a migrated store, a SyncContext, the app in a TestClient."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api_support import MakeApp, api_settings, hub_config, hub_settings
from hub.api.app import create_app
from hub.sync.config import HubConfig
from hub.sync.context import SyncContext


@pytest.fixture
def make_ctx(sync_context_factory: Callable[[HubConfig], SyncContext],
             ) -> Callable[[HubConfig], SyncContext]:
    return sync_context_factory


@pytest.fixture
def ctx(make_ctx: Callable[[HubConfig], SyncContext]) -> SyncContext:
    return make_ctx(hub_config())


@pytest.fixture
def make_app() -> MakeApp:
    def make(ctx: SyncContext, **overrides: object) -> FastAPI:
        return create_app(ctx, settings=hub_settings(), api_settings=api_settings(**overrides))
    return make


@pytest.fixture
def client(ctx: SyncContext, make_app: MakeApp) -> Iterator[TestClient]:
    with TestClient(make_app(ctx)) as test_client:
        yield test_client
