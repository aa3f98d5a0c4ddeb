"""Token life cycle against the emulator: discovery, caching, refresh on expiry."""

from __future__ import annotations

from collections.abc import Callable
import time
from typing import Any

import httpx
import pytest
import respx

from connectors.yonyou import YonyouConfig, YonyouConnector
from connectors.yonyou.client import YonyouClient, YonyouError
from hub.errors import AuthError, RetriableError
from connectors.emulate import free_port, serve_in_thread
from connectors.yonyou.emulator import create_app
from tests.connectors.yonyou.conftest import settings

Make = Callable[..., YonyouConnector]


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def list_customers(client: YonyouClient) -> Any:
    return client.call("POST", "/yonbip/digitalModel/merchant/newlist",
                       body={"pageIndex": 1, "pageSize": 10})


def test_token_is_cached_until_shortly_before_expiry() -> None:
    """Client and emulator share one fake clock, so two hours pass instantly."""
    clock = Clock(time.time())
    port = free_port()
    app = create_app(base_url=f"http://127.0.0.1:{port}", clock=clock)
    with serve_in_thread(app, port=port) as url:
        client = YonyouClient(YonyouConfig.model_validate(settings(
            url, token_refresh_margin_seconds=60)), system="yy", clock=clock)
        for _ in range(3):
            assert list_customers(client) == []
        assert client.token_fetches == 1
        clock.now += 7200 - 61
        list_customers(client)
        assert client.token_fetches == 1
        clock.now += 2          # now inside the 60 s margin before the 2-hour expiry
        list_customers(client)
        assert client.token_fetches == 2
        assert app.state.emulator.token_requests == 2
        clock.now += 7200       # the emulator expired it; our cache agrees
        list_customers(client)
        assert client.token_fetches == 3
        client.close()


def test_token_the_gateway_no_longer_accepts_is_refreshed_and_the_call_replayed(
        yonyou: Any, make_connector: Make) -> None:
    connector = make_connector()
    assert list(connector.read_changes("customer", None)) == []
    yonyou.control("faults", {"expire_tokens": True})
    assert list(connector.read_changes("customer", None)) == []
    assert connector.client.token_fetches == 2


def test_gateway_is_discovered_once_per_tenant(yonyou: Any, make_connector: Make) -> None:
    connector = make_connector()
    first = connector.client.gateway()
    assert first.gateway_url == f"{yonyou.url}/iuap-api-gateway"
    assert connector.client.gateway() is first


def test_unknown_tenant_is_a_typed_error_with_yonyous_message(make_connector: Make) -> None:
    connector = make_connector(tenant_id="nobody")
    with pytest.raises(YonyouError, match="根据租户id获取网关地址出现异常") as info:
        list(connector.read_changes("customer", None))
    assert info.value.remote_code == "500"


@pytest.mark.parametrize(("override", "message"), [
    ({"app_secret": "wrong-secret"}, "签名校验失败"),
    ({"app_key": "unknown-app"}, "应用不存在或appKey已停用"),
])
def test_refused_token_request_is_an_auth_error(make_connector: Make,
                                                override: dict[str, str], message: str) -> None:
    with pytest.raises(AuthError, match=message):
        list(make_connector(**override).read_changes("customer", None))


def test_rate_limit_answers_are_retried(yonyou: Any, make_connector: Make) -> None:
    connector = make_connector()
    yonyou.control("faults", {"rate_limit_calls": 2})
    assert list(connector.read_changes("customer", None)) == []


@respx.mock
def test_rate_limit_that_persists_is_retriable_after_the_budget() -> None:
    respx.get(url__startswith="http://auth.test/").mock(return_value=httpx.Response(
        200, json={"code": "00000", "data": {"access_token": "t", "expire": 7200}}))
    route = respx.post(url__startswith="http://gw.test/").mock(return_value=httpx.Response(
        200, json={"code": "310046", "message": "API级流量控制"}))
    config = YonyouConfig(tenant_id="t", app_key="k", app_secret="s", max_retries=2,
                          retry_initial_wait=0.01, gateway_url="http://gw.test",
                          token_url="http://auth.test")
    client = YonyouClient(config, system="yy")
    with pytest.raises(RetriableError, match="310046"):
        client.call("POST", "/yonbip/sd/voucherorder/list", body={})
    assert route.call_count == 3


@respx.mock
def test_plain_text_illegal_token_answer_triggers_a_refresh() -> None:
    tokens = respx.get(url__startswith="http://auth.test/").mock(return_value=httpx.Response(
        200, json={"code": "00000", "data": {"access_token": "t", "expire": 7200}}))
    respx.post(url__startswith="http://gw.test/").mock(side_effect=[
        httpx.Response(200, text="非法token", headers={"Content-Type": "text/plain"}),
        httpx.Response(200, json={"code": "200", "data": {"ok": True}})])
    config = YonyouConfig(tenant_id="t", app_key="k", app_secret="s",
                          gateway_url="http://gw.test", token_url="http://auth.test")
    client = YonyouClient(config, system="yy")
    assert client.call("POST", "/yonbip/fi/fipub/basedoc/querybd/accperiod", body={}) == {
        "ok": True}
    assert tokens.call_count == 2


def test_token_in_a_header_as_the_sdk_sends_it(make_connector: Make) -> None:
    connector = make_connector(token_in="header")
    assert list(connector.read_changes("customer", None)) == []
