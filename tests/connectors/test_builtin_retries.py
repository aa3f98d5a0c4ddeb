"""Retries of the built-in connector, with HTTP mocked by respx."""

from __future__ import annotations

import httpx
import pytest
import respx

from connectors.base import OutboundRecord
from connectors.builtin import BuiltinConfig, BuiltinConnector
from hub.errors import FatalError

BASE = "http://erp.example"
EMPTY_PAGE = {"changes": [], "next": "0", "has_more": False}


@pytest.fixture
def slept(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Record tenacity's waits instead of sleeping through them."""
    waits: list[float] = []
    monkeypatch.setattr("tenacity.nap.time.sleep", waits.append)
    return waits


def _erp() -> BuiltinConnector:
    config = BuiltinConfig(base_url=BASE, app="erp", token="t", max_retries=3)  # type: ignore[arg-type]
    return BuiltinConnector(config, system="erp")


@respx.mock
def test_429_is_retried_after_the_wait_the_server_asked_for(slept: list[float]) -> None:
    route = respx.get(f"{BASE}/erp/changes").mock(side_effect=[
        httpx.Response(429, headers={"Retry-After": "7"}), httpx.Response(200, json=EMPTY_PAGE)])
    with _erp() as erp:
        batches = list(erp.read_changes("customer", None))
    assert route.call_count == 2
    assert slept == [7.0]
    assert batches[0].records == []
    assert route.calls[0].request.headers["authorization"] == "Bearer t"


@respx.mock
def test_503_is_retried(slept: list[float]) -> None:
    route = respx.post(f"{BASE}/erp/customers/batch-upsert").mock(side_effect=[
        httpx.Response(503), httpx.Response(200, json={"results": [
            {"key": "C-1", "id": 4, "outcome": "created", "error": None}]})])
    with _erp() as erp:
        [result] = erp.upsert("customer", [OutboundRecord(
            hub_id="h", remote_id=None, natural_key="C-1", data={"cust_name": "A"})])
    assert route.call_count == 2
    assert len(slept) == 1
    assert (result.outcome, result.remote_id) == ("created", "4")
    sent = route.calls[1].request.content
    assert b'"cust_no":"C-1"' in sent.replace(b" ", b"")


@respx.mock
def test_400_is_not_retried(slept: list[float]) -> None:
    route = respx.get(f"{BASE}/erp/changes").mock(
        return_value=httpx.Response(400, json={"error": "bad", "message": "no"}))
    with _erp() as erp, pytest.raises(FatalError, match=r"refused the request \(400\)"):
        list(erp.read_changes("customer", None))
    assert route.call_count == 1
    assert slept == []


@respx.mock
def test_a_feed_that_does_not_advance_is_an_error(slept: list[float]) -> None:
    respx.get(f"{BASE}/erp/changes").mock(
        return_value=httpx.Response(200, json={"changes": [], "next": "5", "has_more": True}))
    with _erp() as erp, pytest.raises(FatalError, match="did not advance past 5"):
        list(erp.read_changes("customer", "5"))


@respx.mock
@pytest.mark.parametrize(("body", "message"), [
    (b"{not json", "not JSON"),
    ((b'{"changes": [{"seq": 1, "resource": "customers", "id": 1, "op": "create", '
      b'"at": "2026-03-01T08:00:00Z", "data": ["not", "an", "object"]}], '
      b'"next": "1", "has_more": false}'), "change page we cannot read"),
    (b'{"changes": [], "has_more": false}', "change page we cannot read"),
])
def test_a_change_page_of_the_wrong_shape_is_a_fatal_error(body: bytes, message: str) -> None:
    respx.get(f"{BASE}/erp/changes").mock(return_value=httpx.Response(200, content=body))
    with _erp() as erp, pytest.raises(FatalError, match=message):
        list(erp.read_changes("customer", None))


@respx.mock
def test_a_change_page_gives_each_record_its_data() -> None:
    change = {"seq": 1, "resource": "customers", "id": 5, "op": "create",
              "at": "2026-03-01T08:00:00Z",
              "data": {"id": 5, "cust_no": "C-5", "cust_name": "A", "archived": False}}
    respx.get(f"{BASE}/erp/changes").mock(return_value=httpx.Response(200, json={
        "changes": [change], "next": "1", "has_more": False}))
    with _erp() as erp:
        [batch] = list(erp.read_changes("customer", None))
    [record] = batch.records
    assert (record.remote_id, record.data, record.deleted, batch.cursor) == (
        "5", change["data"], False, "1")
    assert record.updated_at is not None and record.updated_at.isoformat() == \
        "2026-03-01T08:00:00+00:00"
