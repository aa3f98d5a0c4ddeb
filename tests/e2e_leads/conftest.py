"""Fixtures: the reference CRM served on loopback, the hub API on a real store with lead
intake installed, and its inbox worker run on demand."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import Engine

from db_support import fresh_database_url
from hub.api.app import create_app
from hub.api.inbox_worker import InboxWorker
from hub.api.settings import ApiSettings
from hub.builtin.app import create_app as create_builtin_app
from hub.config import Settings
from hub.leads.intake import install_intake
from hub.services import AppServer
from hub.store.db import session_factory
from hub.sync.config import HubConfig
from hub.sync.context import SyncContext
from connectors.whatsapp.emulator import EmulatorState
from connectors.whatsapp.emulator import create_app as create_graph_app
from leads_support import GRAPH_TOKEN, PHONE_NUMBER_ID, TOKEN, Crm, Hub
from tests.connectors.email.conftest import PASSWORD, dovecot, mail_user, smtp_server  # noqa: F401


@pytest.fixture
def products(backend: str, tmp_path: Path) -> Iterator[AppServer]:
    for url in fresh_database_url(backend, tmp_path):
        with AppServer(create_builtin_app(url, TOKEN, webhook_max_attempts=1)) as server:
            yield server


@pytest.fixture
def crm(products: AppServer) -> Iterator[Crm]:
    client = Crm(products.url)
    yield client
    client.client.close()


@pytest.fixture
def graph() -> EmulatorState:
    """What the emulated Meta knows (windows, undeliverable numbers, what was sent)."""
    return EmulatorState(access_token=GRAPH_TOKEN, phone_number_ids={PHONE_NUMBER_ID},
                         templates={"hello_world"})


@pytest.fixture
def graph_url(graph: EmulatorState) -> Iterator[str]:
    with AppServer(create_graph_app(graph)) as server:
        yield server.url


@pytest.fixture
def make_context(store_engine: Engine) -> Iterator[Callable[[HubConfig], SyncContext]]:
    """A context as the hub builds it, with lead intake as its mapping loader."""
    made: list[SyncContext] = []

    def make(config: HubConfig) -> SyncContext:
        ctx = install_intake(SyncContext(config=config,
                                         sessions=session_factory(store_engine)))
        made.append(ctx)
        return ctx

    yield make
    for ctx in made:
        ctx.close()


@pytest.fixture
def make_hub(make_context: Callable[[HubConfig], SyncContext]) -> Iterator[Callable[[HubConfig], Hub]]:
    clients: list[TestClient] = []

    def make(config: HubConfig) -> Hub:
        ctx = make_context(config)
        api = ApiSettings.model_validate({"run_workers": False, "prefect_reporting": "off"})
        app = create_app(ctx, settings=Settings(admin_token=SecretStr("admin-token-123")),
                         api_settings=api)
        client = TestClient(app)
        client.__enter__()
        clients.append(client)
        return Hub(client=client, worker=InboxWorker(app.state.hub), ctx=ctx)

    yield make
    for client in clients:
        client.__exit__(None, None, None)
