"""MsgCode handling: 14/13 back off and retry, 11/9/8 fail the record, 1 replays once."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
import respx

from connectors.base import OutboundRecord
from connectors.kingdee import KingdeeConfig, KingdeeConnector
from connectors.kingdee.client import BillQuery, KingdeeClient
from connectors.kingdee.protocol import FORM_SERVICE, SESSION_LOST_MESSAGE
from hub.errors import AuthError, FatalError, RetriableError

BASE = "http://erp.test/k3cloud/"
APP_ID = "218224_VHJhZGVIdWJFbXVsYXRvckFwcFNlY3Jl"


def config(**overrides: Any) -> KingdeeConfig:
    values: dict[str, Any] = {"server_url": BASE, "acct_id": "acct", "username": "api",
                              "app_id": APP_ID, "app_secret": "s", "max_retries": 3,
                              "retry_initial_wait": 0.01}
    values.update(overrides)
    return KingdeeConfig.model_validate(values)


def status(msg_code: int, message: str = "", ok: bool = False,
           entities: list[dict[str, Any]] | None = None,
           errors: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {"Result": {"ResponseStatus": {
        "ErrorCode": 0 if ok else 500, "IsSuccess": ok, "MsgCode": msg_code,
        "Errors": errors if errors is not None else (
            [] if ok else [{"FieldName": None, "Message": message, "DIndex": 0}]),
        "SuccessEntitys": entities or [], "SuccessMessages": []}}}


def url(service: str) -> str:
    return f"{BASE}{FORM_SERVICE}{service}.common.kdsvc"


@pytest.mark.parametrize("code", [14, 13])
@respx.mock
def test_call_limit_and_network_control_are_retried(code: int) -> None:
    route = respx.post(url("ExecuteBillQuery")).mock(side_effect=[
        httpx.Response(200, json=[[status(code, "busy")]]),
        httpx.Response(200, json=[["CUST001"]]),
    ])
    client = KingdeeClient(config(), system="kd")
    rows = client.execute_bill_query(BillQuery(FormId="BD_Customer", FieldKeys="FNumber"))
    assert rows == [["CUST001"]]
    assert route.call_count == 2


@respx.mock
def test_call_limit_that_persists_raises_retriable_after_the_budget() -> None:
    route = respx.post(url("Save")).mock(return_value=httpx.Response(200, json=status(14, "limit")))
    client = KingdeeClient(config(max_retries=2), system="kd")
    with pytest.raises(RetriableError, match="MsgCode 14"):
        client.save("BD_Customer", {"FCUSTID": 0, "FName": "x"})
    assert route.call_count == 3


@pytest.mark.parametrize("code", [11, 9, 8])
@respx.mock
def test_validation_failures_fail_the_record_without_retry(code: int) -> None:
    route = respx.post(url("ExecuteBillQuery")).mock(return_value=httpx.Response(200, json=[]))
    save = respx.post(url("Save")).mock(
        return_value=httpx.Response(200, json=status(code, "字段“客户名称”是必填项")))
    connector = KingdeeConnector(config(), system="kd")
    result = connector.upsert("customer", [OutboundRecord(hub_id="h", remote_id=None,
                                                          natural_key="C1", data={})])
    assert result[0].outcome == "failed"
    assert result[0].error == "字段“客户名称”是必填项"
    assert result[0].error_code == f"kingdee-msgcode-{code}"
    # one lookup before the create, one after its refusal (was it made by an earlier try?)
    assert save.call_count == 1 and route.call_count == 2


@respx.mock
def test_session_lost_is_replayed_once_then_succeeds() -> None:
    route = respx.post(url("ExecuteBillQuery")).mock(side_effect=[
        httpx.Response(200, json=[[status(1, SESSION_LOST_MESSAGE)]],
                       headers={"Set-Cookie": "kdservice-sessionid=old; path=/"}),
        httpx.Response(200, json=[["C1"]]),
    ])
    client = KingdeeClient(config(), system="kd")
    assert client.execute_bill_query(BillQuery(FormId="BD_Customer", FieldKeys="FNumber")) == [
        ["C1"]]
    assert "kdservice-sessionid" not in route.calls[1].request.headers


@respx.mock
def test_session_lost_twice_is_an_auth_error_naming_the_cause() -> None:
    respx.post(url("ExecuteBillQuery")).mock(
        return_value=httpx.Response(200, json=[[status(1, SESSION_LOST_MESSAGE)]]))
    client = KingdeeClient(config(), system="kd")
    with pytest.raises(AuthError, match="check acct_id"):
        client.execute_bill_query(BillQuery(FormId="BD_Customer", FieldKeys="FNumber"))


@respx.mock
def test_query_error_envelope_is_fatal_with_kingdees_message() -> None:
    respx.post(url("ExecuteBillQuery")).mock(
        return_value=httpx.Response(200, json=[[status(8, "字段FXXX不存在")]]))
    client = KingdeeClient(config(), system="kd")
    with pytest.raises(FatalError, match="字段FXXX不存在"):
        client.execute_bill_query(BillQuery(FormId="BD_Customer", FieldKeys="FXXX"))


@respx.mock
def test_server_errors_are_retried_through_the_shared_http_layer() -> None:
    route = respx.post(url("ExecuteBillQuery")).mock(side_effect=[
        httpx.Response(503), httpx.Response(200, json=[])])
    client = KingdeeClient(config(), system="kd")
    assert client.execute_bill_query(BillQuery(FormId="BD_Customer", FieldKeys="FNumber")) == []
    assert route.call_count == 2


@respx.mock
def test_batch_rows_map_back_by_dindex() -> None:
    respx.post(url("BatchSave")).mock(return_value=httpx.Response(200, json=status(
        11, entities=[{"Id": 7, "Number": "B", "DIndex": 1}],
        errors=[{"FieldName": "FName", "Message": "名称重复", "DIndex": 0}])))
    client = KingdeeClient(config(), system="kd")
    rows = client.batch_save("BD_Customer", [{"FName": "a"}, {"FName": "b"}])
    assert [(r.ok, r.id, r.message) for r in rows] == [
        (False, None, "FName: 名称重复"), (True, "7", None)]


def test_injected_call_limit_on_the_emulator_is_ridden_out(
        kingdee: Any, make_connector: Callable[..., KingdeeConnector]) -> None:
    connector = make_connector()
    kingdee.control("faults", {"call_limit_calls": 2})
    result = connector.upsert("customer", [OutboundRecord(hub_id="h", remote_id=None,
                                                          natural_key="C1", data={"FName": "A"})])
    assert result[0].outcome == "created"
    assert kingdee.state()["counts"]["BD_Customer"] == 1


def test_slow_answers_become_retriable_timeouts(
        kingdee: Any, make_connector: Callable[..., KingdeeConnector]) -> None:
    connector = make_connector(timeout_seconds=0.2, max_retries=1)
    kingdee.control("faults", {"delay_seconds": 0.6})
    with pytest.raises(RetriableError, match="did not answer"):
        list(connector.read_changes("customer", None))


def test_save_that_timed_out_after_committing_is_not_duplicated_or_dead_lettered(
        kingdee: Any, make_connector: Callable[..., KingdeeConnector]) -> None:
    connector = make_connector(timeout_seconds=0.3, retry_initial_wait=0.5)
    kingdee.control("faults", {"delay_seconds": 0.6, "delay_calls": 1,
                               "delay_services": ["Save"]})
    result = connector.upsert("customer", [OutboundRecord(
        hub_id="h", remote_id=None, natural_key="C1", data={"FName": "Acme"})])[0]
    assert result.outcome == "created"
    assert result.remote_id == connector.find_by_natural_key("customer", "C1")
    assert kingdee.state()["counts"]["BD_Customer"] == 1


@respx.mock
def test_refused_create_whose_number_now_exists_is_reported_created() -> None:
    query = respx.post(url("ExecuteBillQuery")).mock(side_effect=[
        httpx.Response(200, json=[]), httpx.Response(200, json=[[100001, "C1"]])])
    respx.post(url("Save")).mock(return_value=httpx.Response(
        200, json=status(11, "编码“C1”已经被使用，不能重复")))
    result = KingdeeConnector(config(), system="kd").upsert("customer", [OutboundRecord(
        hub_id="h", remote_id=None, natural_key="C1", data={"FName": "A"})])[0]
    assert (result.outcome, result.remote_id) == ("created", "100001")
    assert query.call_count == 2
