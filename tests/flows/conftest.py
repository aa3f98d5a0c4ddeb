"""Prefect fixtures: one test server for the whole session (~10 s), never one per test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest


@pytest.fixture(scope="session")
def prefect_server() -> Iterator[None]:
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


@pytest.fixture(scope="module", autouse=True)
def events_client_closed_after_the_flows() -> Iterator[None]:
    """Close Prefect's events client after each module of flow tests, not at the end of
    the session (this folder is no Python package, so "package" scope would mean that).

    Its websocket's keepalive pings draw from the global ``random`` every 20 s, on a
    background thread. Hypothesis, in the tests that run later, warns when the
    global random state changes during one of its examples ("Do not use the random
    module inside strategies"). Prefect's test harness drains the same way when it stops.
    """
    yield
    from prefect.events.worker import EventsWorker

    EventsWorker.drain_all()
