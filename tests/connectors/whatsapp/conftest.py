"""Fixtures: the Cloud API emulator served by uvicorn on loopback, and a connector."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from whatsapp_support import PHONE_NUMBER_ID, TOKEN, LoopbackServer, make_config

from connectors.whatsapp import WhatsAppConnector
from connectors.whatsapp.emulator import EmulatorState, create_app


@pytest.fixture
def emulator_state() -> EmulatorState:
    return EmulatorState(access_token=TOKEN, phone_number_ids={PHONE_NUMBER_ID},
                         templates={"hello_world", "quote_follow_up"})


@pytest.fixture
def emulator_url(emulator_state: EmulatorState) -> Iterator[str]:
    with LoopbackServer(create_app(emulator_state)) as url:
        yield url


@pytest.fixture
def connector(emulator_url: str) -> Iterator[WhatsAppConnector]:
    with WhatsAppConnector(make_config(emulator_url), system="whatsapp") as conn:
        yield conn  # type: ignore[misc]
