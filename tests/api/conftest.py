"""Fixtures for hub API tests: a migrated store, a SyncContext, the app in a TestClient."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import SecretStr

from api_support import ADMIN_TOKEN, hub_config
from hub.api.app import create_app
from hub.api.settings import ApiSettings
from hub.config import Settings
from hub.sync.config import HubConfig
from hub.sync.context import SyncContext

MakeApp = Callable[..., FastAPI]


@pytest.fixture
def make_ctx(sync_context_factory: Callable[[HubConfig], SyncContext],
             ) -> Callable[[HubConfig], SyncContext]:
    return sync_context_factory


@pytest.fixture
def ctx(make_ctx: Callable[[HubConfig], SyncContext]) -> SyncContext:
    return make_ctx(hub_config())


def api_settings(**overrides: object) -> ApiSettings:
    values: dict[str, object] = {"run_workers": False, "prefect_reporting": "off",
                                 "inbox_busy_retry_seconds": 0.1,
                                 "inbox_failure_retry_seconds": 0.05,
                                 "inbox_poll_seconds": 0.1, "delivery_poll_seconds": 0.1,
                                 "delivery_backoff_seconds": 0.01,
                                 "delivery_backoff_max_seconds": 0.05,
                                 "delivery_max_attempts": 3, "delivery_timeout_seconds": 5}
    values.update(overrides)
    return ApiSettings.model_validate(values)


def hub_settings() -> Settings:
    return Settings(admin_token=SecretStr(ADMIN_TOKEN))


@pytest.fixture
def make_app() -> MakeApp:
    def make(ctx: SyncContext, **overrides: object) -> FastAPI:
        return create_app(ctx, settings=hub_settings(), api_settings=api_settings(**overrides))
    return make


@pytest.fixture
def client(ctx: SyncContext, make_app: MakeApp) -> Iterator[TestClient]:
    with TestClient(make_app(ctx)) as test_client:
        yield test_client
