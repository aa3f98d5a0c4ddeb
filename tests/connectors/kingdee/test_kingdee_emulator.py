"""Emulator behaviour a client relies on: View, StartRow paging, filters, bad input."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from connectors.base import OutboundRecord
from connectors.emulate import free_port
from connectors.kingdee import KingdeeConfig, KingdeeConnector
from connectors.kingdee.client import BillQuery
from connectors.kingdee.emulator_filter import FilterSyntaxError, parse_filter
from connectors.kingdee.emulator_store import Store
from connectors.kingdee.protocol import FORM_SERVICE

Make = Callable[..., KingdeeConnector]


def test_view_returns_the_document_or_none(make_connector: Make) -> None:
    connector = make_connector()
    created = connector.upsert("customer", [OutboundRecord(
        hub_id="h", remote_id=None, natural_key="C1", data={"FName": "Acme"})])[0]
    document = connector.client.view("BD_Customer", number="C1")
    assert document is not None and document["FCUSTID"] == int(str(created.remote_id))
    assert connector.client.view("BD_Customer", number="NOPE") is None


def test_query_all_pages_by_start_row_until_a_short_page(kingdee: Any,
                                                         make_connector: Make) -> None:
    connector = make_connector(page_size=2)
    connector.upsert("customer", [OutboundRecord(hub_id=f"h{i}", remote_id=None,
                                                 natural_key=f"C{i}", data={"FName": "x"})
                                  for i in range(5)])
    before = kingdee.state()["calls"].get("ExecuteBillQuery", 0)
    pages = list(connector.client.query_all(BillQuery(
        FormId="BD_Customer", FieldKeys="FNumber", OrderString="FNumber ASC", Limit=2)))
    assert pages == [[["C0"], ["C1"]], [["C2"], ["C3"]], [["C4"]]]
    assert kingdee.state()["calls"]["ExecuteBillQuery"] - before == 3


def test_order_lines_spanning_several_entry_pages_all_come_back(make_connector: Make) -> None:
    connector = make_connector(page_size=2)
    connector.upsert("product", [OutboundRecord(hub_id="p", remote_id=None, natural_key="M1",
                                                data={"FName": "lamp"})])
    connector.upsert("customer", [OutboundRecord(hub_id="c", remote_id=None, natural_key="C1",
                                                 data={"FName": "Acme"})])
    lines = [{"FMaterialId": {"FNumber": "M1"}, "FQty": q} for q in (1, 2, 3, 4, 5)]
    connector.upsert("sales_order", [OutboundRecord(
        hub_id="o", remote_id=None, natural_key="SO1",
        data={"FDate": "2026-03-01", "FCustId": {"FNumber": "C1"}, "FSaleOrderEntry": lines})])
    [record] = [r for b in connector.read_changes("sales_order", None) for r in b.records]
    assert [ln["FQty"] for ln in record.data["FSaleOrderEntry"]] == [1, 2, 3, 4, 5]


@pytest.mark.parametrize(("text", "row", "expected"), [
    ("FModifyDate > '2026-01-01 10:00:00.000' OR (FModifyDate = '2026-01-01T10:00:00' "
     "AND FID > 5)", {"FModifyDate": "2026-01-01T10:00:00", "FID": 6}, True),
    ("FModifyDate > '2026-01-01 10:00:00.000' OR (FModifyDate = '2026-01-01T10:00:00' "
     "AND FID > 5)", {"FModifyDate": "2026-01-01T10:00:00", "FID": 5}, False),
    ("FNumber IN ('A', 'B''s')", {"FNumber": "B's"}, True),
    ("FName LIKE '%lamp%' AND NOT FNumber = 'X'", {"FName": "LED lamp", "FNumber": "Y"}, True),
    ("FNote IS NULL", {"FNote": None}, True),
])
def test_filter_strings(text: str, row: dict[str, Any], expected: bool) -> None:
    assert parse_filter(text)(row.get) is expected


@pytest.mark.parametrize("text", ["FID >", "FID = 1 AND", "(FID = 1", "FID ~ 2", "FID IN 1"])
def test_bad_filter_strings_are_refused(text: str) -> None:
    with pytest.raises(FilterSyntaxError):
        parse_filter(text)


def test_bad_filter_is_answered_like_kingdee_not_with_a_500(kingdee: Any,
                                                          make_connector: Make) -> None:
    connector = make_connector()
    from hub.errors import FatalError
    with pytest.raises(FatalError, match="FilterString"):
        connector.client.execute_bill_query(BillQuery(FormId="BD_Customer",
                                                      FieldKeys="FNumber",
                                                      FilterString="FNumber = = 1"))


def test_garbage_bodies_get_kingdee_envelopes(kingdee: Any, make_connector: Make) -> None:
    connector = make_connector()
    for body in ({"formid": "BD_Customer", "data": {"Model": "not a model"}},
                 {"formid": "NO_SUCH_FORM", "data": {"Model": {"FName": "x"}}},
                 {"formid": "BD_Customer", "data": "{not json"}):
        payload = connector.client.call(FORM_SERVICE + "Save", body)
        status = payload["Result"]["ResponseStatus"]
        assert status["IsSuccess"] is False and status["Errors"][0]["Message"]


def test_store_keeps_unsent_entry_rows_only_when_asked() -> None:
    store = Store()
    store.save("BD_MATERIAL", {"FName": "m", "FNumber": "M1"}, need_update=[],
               delete_entry=True)
    store.save("BD_Customer", {"FName": "c", "FNumber": "C1"}, need_update=[],
               delete_entry=True)
    order = store.save("SAL_SaleOrder", {"FDate": "2026-01-01", "FCustId": {"FNumber": "C1"},
                                         "FSaleOrderEntry": [
                                             {"FMaterialId": {"FNumber": "M1"}, "FQty": 1},
                                             {"FMaterialId": {"FNumber": "M1"}, "FQty": 2}]},
                       need_update=[], delete_entry=True)
    first = order["FSaleOrderEntry"][0]["FEntryID"]
    store.save("SAL_SaleOrder", {"FID": order["FID"], "FSaleOrderEntry": [
        {"FEntryID": first, "FQty": 9}]}, need_update=["FSaleOrderEntry", "FQty"],
        delete_entry=True)
    assert [ln["FQty"] for ln in order["FSaleOrderEntry"]] == [9]


def test_tradehub_emulate_kingdee_serves_a_working_emulator() -> None:
    port = free_port()
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    tradehub = str(Path(sys.executable).with_name("tradehub"))
    process = subprocess.Popen([tradehub, "emulate", "kingdee", "--port", str(port)],
                               stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True, env=env)
    try:
        banner = process.stdout.readline() if process.stdout else ""
        settings: dict[str, str] = {}
        for _ in range(8):
            line = process.stdout.readline() if process.stdout else ""
            key, _, value = line.strip().partition(": ")
            if key in ("server_url", "acct_id", "username", "app_id", "app_secret"):
                settings[key] = value.strip()
        assert "Kingdee" in banner
        for _ in range(200):
            try:
                httpx.get(f"http://127.0.0.1:{port}/__emulator__/state", timeout=0.5)
                break
            except httpx.TransportError:
                time.sleep(0.05)
        connector = KingdeeConnector(KingdeeConfig.model_validate(settings), system="cli")
        result = connector.upsert("customer", [OutboundRecord(
            hub_id="h", remote_id=None, natural_key="C1", data={"FName": "Acme"})])
        assert result[0].outcome == "created"
        connector.close()
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_legacy_parameters_envelope_is_accepted(make_connector: Make) -> None:
    connector = make_connector()
    model = json.dumps({"Model": {"FCUSTID": 0, "FNumber": "C9", "FName": "Legacy"}})
    reply = connector.client.call(FORM_SERVICE + "Save", {
        "format": 1, "useragent": "ApiClient", "rid": "1", "v": "1.0", "timestamp": "x",
        "parameters": json.dumps(["BD_Customer", model])})
    assert reply["Result"]["ResponseStatus"]["IsSuccess"] is True
    assert connector.find_by_natural_key("customer", "C9") == str(reply["Result"]["Id"])


def test_entry_fields_change_only_when_named_in_need_update_fields() -> None:
    store = Store()
    store.save("BD_MATERIAL", {"FName": "m", "FNumber": "M1"}, need_update=[],
               delete_entry=True)
    store.save("BD_Customer", {"FName": "c", "FNumber": "C1"}, need_update=[],
               delete_entry=True)
    order = store.save("SAL_SaleOrder", {"FDate": "2026-01-01", "FCustId": {"FNumber": "C1"},
                                         "FSaleOrderEntry": [
                                             {"FMaterialId": {"FNumber": "M1"}, "FQty": 1,
                                              "FPrice": 3}]},
                       need_update=[], delete_entry=True)
    entry = order["FSaleOrderEntry"][0]["FEntryID"]
    store.save("SAL_SaleOrder", {"FID": order["FID"], "FSaleOrderEntry": [
        {"FEntryID": entry, "FQty": 5, "FPrice": 9}]},
        need_update=["FSaleOrderEntry", "FQty"], delete_entry=False)
    assert (order["FSaleOrderEntry"][0]["FQty"], order["FSaleOrderEntry"][0]["FPrice"]) == (5, 3)
