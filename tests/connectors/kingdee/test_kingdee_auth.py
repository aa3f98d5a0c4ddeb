"""Auth against the emulator on a real socket: signed headers, session login, expiry."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from connectors.base import OutboundRecord
from connectors.kingdee import KingdeeConnector
from connectors.kingdee.emulator import Credentials
from connectors.kingdee.protocol import FORM_SERVICE, SESSION_LOST_MESSAGE
from connectors.kingdee.signing import SIGNED_HEADERS, SigningIdentity, build_headers
from hub.errors import AuthError


QUERY = FORM_SERVICE + "ExecuteBillQuery.common.kdsvc"
BODY = json.dumps({"data": {"FormId": "BD_Customer", "FieldKeys": "FNumber",
                            "FilterString": "", "StartRow": 0, "Limit": 10}})


def signed_headers(path: str) -> dict[str, str]:
    c = Credentials()
    identity = SigningIdentity(acct_id=c.acct_id, username=c.username, app_id=c.app_id,
                               app_secret=c.app_secret)
    return build_headers(identity, path, timestamp=int(time.time()))


def post(kingdee: Any, headers: dict[str, str]) -> object:
    response = httpx.post(f"{kingdee.url}/k3cloud/{QUERY}", content=BODY,
                          headers={"Content-Type": "application/json", **headers})
    assert response.status_code == 200
    return response.json()


def session_lost_reply() -> list[list[dict[str, object]]]:
    return [[{"Result": {"ResponseStatus": {
        "ErrorCode": 500, "IsSuccess": False, "MsgCode": 1, "SuccessEntitys": [],
        "SuccessMessages": [],
        "Errors": [{"FieldName": None, "Message": SESSION_LOST_MESSAGE, "DIndex": 0}]}}}]]


def test_signed_request_is_accepted(kingdee: Any) -> None:
    assert post(kingdee, signed_headers(f"/k3cloud/{QUERY}")) == []


@pytest.mark.parametrize("header", SIGNED_HEADERS)
def test_each_altered_signed_header_is_rejected(kingdee: Any, header: str) -> None:
    headers = signed_headers(f"/k3cloud/{QUERY}")
    value = headers[header]
    headers[header] = value[:-2] + ("AA" if not value.endswith("AA") else "BB")
    assert post(kingdee, headers) == session_lost_reply()


def test_signature_for_another_path_is_rejected(kingdee: Any) -> None:
    headers = signed_headers(f"/k3cloud/{FORM_SERVICE}View.common.kdsvc")
    assert post(kingdee, headers) == session_lost_reply()


def test_unsigned_request_without_session_is_rejected(kingdee: Any) -> None:
    assert post(kingdee, {}) == session_lost_reply()


@pytest.mark.parametrize("method", ["app_secret", "sign"])
def test_session_login_keeps_the_cookie(kingdee: Any,
                                        make_connector: Callable[..., KingdeeConnector],
                                        method: str) -> None:
    connector = make_connector(auth_mode="session", login_method=method)
    connector.upsert("customer", [OutboundRecord(hub_id="h", remote_id=None,
                                                 natural_key="C1", data={"FName": "A"})])
    assert [b.records[0].data["FNumber"] for b in connector.read_changes("customer", None)] == [
        "C1"]
    assert kingdee.state()["logins"] == 1


def test_wrong_app_secret_fails_login_with_kingdees_message(
        make_connector: Callable[..., KingdeeConnector]) -> None:
    connector = make_connector(auth_mode="session", app_secret="not-the-secret")
    with pytest.raises(AuthError, match="LoginResultType -1"):
        list(connector.read_changes("customer", None))


def test_wrong_acct_in_signed_mode_is_an_auth_error(
        make_connector: Callable[..., KingdeeConnector]) -> None:
    connector = make_connector(acct_id="another-data-centre")
    with pytest.raises(AuthError, match="会话信息已丢失"):
        list(connector.read_changes("customer", None))


def _seed_customers(make_connector: Callable[..., KingdeeConnector], count: int) -> None:
    writer = make_connector()
    records = [OutboundRecord(hub_id=f"h{i}", remote_id=None, natural_key=f"C{i:03d}",
                              data={"FName": f"Customer {i}"}) for i in range(count)]
    assert {r.outcome for r in writer.upsert("customer", records)} == {"created"}


@pytest.mark.parametrize("mode", ["session", "signed"])
def test_session_expiry_mid_pagination_loses_and_duplicates_nothing(
        kingdee: Any, make_connector: Callable[..., KingdeeConnector], mode: str) -> None:
    _seed_customers(make_connector, 7)
    reader = make_connector(auth_mode=mode)
    batches = reader.read_changes("customer", None, batch_size=2)
    first = next(batches)
    kingdee.control("faults", {"expire_sessions": True})
    rest = list(batches)
    numbers = [r.data["FNumber"] for b in [first, *rest] for r in b.records]
    assert numbers == [f"C{i:03d}" for i in range(7)]
    if mode == "session":
        assert kingdee.state()["logins"] == 2


def test_resume_from_cursor_reads_only_later_changes(
        kingdee: Any, make_connector: Callable[..., KingdeeConnector]) -> None:
    _seed_customers(make_connector, 3)
    reader = make_connector()
    cursor = [b.cursor for b in reader.read_changes("customer", None)][-1]
    reader.upsert("customer", [OutboundRecord(hub_id="h1", remote_id=None, natural_key="C001",
                                              data={"FName": "Renamed"})])
    changed = [r.data for b in reader.read_changes("customer", cursor) for r in b.records]
    assert [(d["FNumber"], d["FName"]) for d in changed] == [("C001", "Renamed")]
