"""Emulator answers a client relies on: gateway errors, bad input, the CLI."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from connectors.base import OutboundRecord
from connectors.emulate import free_port
from connectors.yonyou import YonyouConfig, YonyouConnector
from connectors.yonyou.client import YonyouError


def gateway(yonyou: Any) -> str:
    return f"{yonyou.url}/iuap-api-gateway"


def token(yonyou: Any) -> str:
    from connectors.yonyou.emulator import Credentials
    from connectors.yonyou.signing import token_signature
    c = Credentials()
    ts = int(time.time() * 1000)
    reply = httpx.get(f"{yonyou.url}/iuap-api-auth/open-auth/selfAppAuth/base/v1/getAccessToken",
                      params={"appKey": c.app_key, "timestamp": ts,
                              "signature": token_signature(c.app_key, c.app_secret, ts)})
    return str(reply.json()["data"]["access_token"])


def test_gateway_answers_without_and_with_a_bad_token(yonyou: Any) -> None:
    url = gateway(yonyou) + "/yonbip/sd/voucherorder/list"
    assert httpx.post(url, json={}).json() == {"code": "310001", "message": "access_token不能为空。"}
    assert httpx.post(url, params={"access_token": "forged"}, json={}).json() == {
        "code": "310036", "message": "非法token"}


def test_unregistered_path_is_a_404_with_310404(yonyou: Any) -> None:
    reply = httpx.post(gateway(yonyou) + "/yonbip/no/such/api", json={},
                       params={"access_token": token(yonyou)})
    assert reply.status_code == 404 and reply.json()["code"] == "310404"


def test_token_without_url_encoding_is_refused(yonyou: Any) -> None:
    raw = token(yonyou)
    assert "+" in raw
    url = f"{gateway(yonyou)}/yonbip/sd/voucherorder/list?access_token={raw}"
    assert httpx.post(url, json={}).json()["code"] == "310036"


@pytest.mark.parametrize("body", [b"[1, 2]", b"{broken", b'{"data": "x"}'])
def test_bad_bodies_get_yonyou_envelopes_not_500s(yonyou: Any, body: bytes) -> None:
    reply = httpx.post(gateway(yonyou) + "/yonbip/sd/voucherorder/singleSave", content=body,
                       params={"access_token": token(yonyou)})
    assert reply.status_code == 200
    assert reply.json()["code"] in ("999", 999)


def test_merchant_without_a_name_is_refused_with_yonyous_message(make_connector: Any) -> None:
    result = make_connector().upsert("customer", [OutboundRecord(
        hub_id="h", remote_id=None, natural_key="C1", data={"createOrgCode": "g"})])[0]
    assert (result.outcome, result.error_code) == ("failed", "yonyou-0")
    assert result.error is not None and "客户名称不能为空!" in result.error


def test_tradehub_emulate_yonyou_serves_a_working_emulator() -> None:
    port = free_port()
    tradehub = str(Path(sys.executable).with_name("tradehub"))
    process = subprocess.Popen([tradehub, "emulate", "yonyou", "--port", str(port)],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        settings: dict[str, str] = {}
        for _ in range(8):
            line = process.stdout.readline() if process.stdout else ""
            key, _, value = line.strip().partition(": ")
            if key in ("gateway_discovery_url", "tenant_id", "app_key", "app_secret"):
                settings[key] = value.strip()
        assert len(settings) == 4
        for _ in range(200):
            try:
                httpx.get(f"http://127.0.0.1:{port}/__emulator__/state", timeout=0.5)
                break
            except httpx.TransportError:
                time.sleep(0.05)
        connector = YonyouConnector(YonyouConfig.model_validate(settings), system="cli")
        assert list(connector.read_changes("customer", None)) == []
        with pytest.raises(YonyouError):
            connector.client.call("GET", "/yonbip/sd/voucherorder/detail", params={"id": "1"})
        connector.close()
    finally:
        process.terminate()
        process.wait(timeout=10)
