"""Kingdee signing against fixed vectors, computed here from the documented formula.

The expected values are built in this file with hashlib/hmac/base64 straight from
protocols.md 1.4 (not through connectors.kingdee.signing), plus golden values a public
Go port published as produced by the official Python SDK 8.2.0.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from urllib.parse import quote

import httpx
import respx

from connectors.kingdee.client import KingdeeClient
from connectors.kingdee.config import KingdeeConfig
from connectors.kingdee.signing import SigningIdentity, build_headers, client_secret, login_sign

APP_ID = "123456_YWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4"
XOR_KEY = b"0054f397c6234378b09ca7d3e5debce7"
TS = 1700000000
PATH = "/K3Cloud/Kingdee.BOS.WebApi.ServicesStub.DynamicFormService.ExecuteBillQuery.common.kdsvc"


def documented_hmac(message: str, key: str) -> str:
    hex_digest = hmac.new(key.encode(), message.encode(), hashlib.sha256).hexdigest()
    return base64.b64encode(hex_digest.encode()).decode()


def documented_secret(app_id: str) -> str:
    raw = base64.b64decode(app_id.split("_", 1)[1])
    return base64.b64encode(bytes(a ^ b for a, b in zip(raw, XOR_KEY))).decode()


def test_client_secret_is_the_xored_app_id_tail() -> None:
    assert client_secret(APP_ID) == documented_secret(APP_ID)
    # golden value from the SDK-parity test of a public Go port
    assert client_secret(APP_ID) == "UVJWUANVXl8KXFlfWV1YSBNCShcUQRNL"


def test_headers_match_the_documented_formula_at_a_fixed_time() -> None:
    identity = SigningIdentity(acct_id="dcid-1", username="user-1", app_id=APP_ID,
                               app_secret="test-app-secret-value", lcid=2052, org_num="100")
    headers = build_headers(identity, PATH, timestamp=TS)

    message = (f"POST\n{quote(PATH, safe='')}\n\n"
               f"x-api-nonce:{TS}\nx-api-timestamp:{TS}\n")
    plain_app_data = "dcid-1,user-1,2052,100"
    assert headers == {
        "X-Api-ClientID": "123456",
        "X-Api-Auth-Version": "2.0",
        "x-api-timestamp": str(TS),
        "x-api-nonce": str(TS),
        "x-api-signheaders": "x-api-timestamp,x-api-nonce",
        "X-Api-Signature": documented_hmac(message, documented_secret(APP_ID)),
        "X-Kd-Appkey": APP_ID,
        "X-Kd-Appdata": base64.b64encode(plain_app_data.encode()).decode(),
        "X-Kd-Signature": documented_hmac(APP_ID + plain_app_data, "test-app-secret-value"),
    }
    # golden values published as the output of kingdee-cdp-webapi-sdk 8.2.0
    assert headers["X-Api-Signature"] == (
        "MjNhMzg5MmZiMWE1MTQ1ZGE5NWFkYmZiZWYxYzhlY2NjNzcwM2ZjNDJlZTczMzBhNzkxOTk1ODhjNDZkMTEzYw==")
    assert headers["X-Kd-Signature"] == (
        "NjI5MzRiZGVhNGJhOWY2N2Y2YzQ2MzQ5ODA3N2JiZTRiMDRmOTUwNjI3YWIzODU1ODBkZDdhNzgwMzdmMDgxMg==")


def test_secret_override_replaces_the_derived_gateway_secret() -> None:
    identity = SigningIdentity(acct_id="a", username="u", app_id=APP_ID, app_secret="s",
                               secret_override="explicit-secret")
    headers = build_headers(identity, "/k3cloud/x", timestamp=TS)
    message = f"POST\n%2Fk3cloud%2Fx\n\nx-api-nonce:{TS}\nx-api-timestamp:{TS}\n"
    assert headers["X-Api-Signature"] == documented_hmac(message, "explicit-secret")


def test_login_by_sign_is_sha256_of_the_sorted_values() -> None:
    values = ["acct", "user", APP_ID, "secret", str(TS)]
    expected = hashlib.sha256("".join(sorted(values)).encode()).hexdigest()
    assert login_sign("acct", "user", APP_ID, "secret", TS) == expected


@respx.mock
def test_client_signs_the_real_request_path_with_its_clock() -> None:
    config = KingdeeConfig(server_url="http://erp.example.com/K3Cloud/", acct_id="dcid-1",
                           username="user-1", app_id=APP_ID, app_secret="test-app-secret-value",
                           org_num="100", max_retries=0)
    route = respx.post("http://erp.example.com" + PATH).mock(
        return_value=httpx.Response(200, json=[]))
    client = KingdeeClient(config, system="kd", clock=lambda: TS)
    from connectors.kingdee.client import BillQuery
    assert client.execute_bill_query(BillQuery(FormId="BD_Customer", FieldKeys="FNumber")) == []
    sent = route.calls.last.request
    assert sent.headers["X-Api-Signature"] == (
        "MjNhMzg5MmZiMWE1MTQ1ZGE5NWFkYmZiZWYxYzhlY2NjNzcwM2ZjNDJlZTczMzBhNzkxOTk1ODhjNDZkMTEzYw==")
    assert json.loads(sent.content)["data"]["FormId"] == "BD_Customer"
    client.close()
