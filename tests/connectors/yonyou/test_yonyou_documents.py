"""Sales-outs (shipments) and receipt bills (payments): the reads and the emulator's answers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from connectors.base import OutboundRecord
from connectors.yonyou import YonyouConnector
from hub.errors import FatalError

Make = Callable[..., YonyouConnector]


def salesout(code: str, order: str = "SO-1", qty: float = 100,
             waybill: str = "COSU6182736450") -> dict[str, Any]:
    return {"code": code, "vouchdate": "2026-03-10 09:30:00", "cust": "C0001",
            "srcBillNO": order, "srcBillType": "2", "iLogisticId_name": "COSCO Shipping",
            "cLogisticsBillNo": waybill, "status": 1,
            "details": [{"product_cCode": "LED-A60-9W", "qty": qty, "firstupcode": order},
                        {"product_cCode": "LED-T8-18W", "qty": 2 * qty, "firstupcode": order}]}


def receipt(code: str, order: str = "SO-1", amount: float = 1000.0) -> dict[str, Any]:
    return {"code": code, "vouchdate": "2026-03-12 00:00:00", "customer_code": "C0001",
            "orderno": order, "currency_name": "美元", "natCurrency_name": "人民币",
            "oriSum": amount, "exchRate": 7.1, "natSum": round(amount * 7.1, 2),
            "ReceiveBill_b": [{"oriSum": amount, "orderno": order}]}


def seed(yonyou: Any, document: str, docs: list[dict[str, Any]]) -> list[str]:
    return list(yonyou.control("seed", {"document": document, "documents": docs}).json()["ids"])


def read(connector: YonyouConnector, entity: str, cursor: str | None = None,
         batch_size: int = 500) -> tuple[list[dict[str, Any]], str | None]:
    batches = list(connector.read_changes(entity, cursor, batch_size=batch_size))
    records = [r.data for b in batches for r in b.records]
    return records, (batches[-1].cursor if batches else cursor)


def test_shipments_are_read_once_each_with_their_lines_across_pages(
        yonyou: Any, make_connector: Make) -> None:
    connector = make_connector(page_size=2, pubts_settle_seconds=0)
    seed(yonyou, "salesout", [salesout(f"XSCK-{i}") for i in range(1, 6)])

    records, cursor = read(connector, "shipment", batch_size=2)

    assert [r["code"] for r in records] == [f"XSCK-{i}" for i in range(1, 6)]
    assert [(ln["product_cCode"], ln["qty"]) for ln in records[0]["details"]] == [
        ("LED-A60-9W", 100), ("LED-T8-18W", 200)]
    assert (records[0]["cLogisticsBillNo"], records[0]["iLogisticId_name"]) == (
        "COSU6182736450", "COSCO Shipping")
    assert read(connector, "shipment", cursor)[0] == []
    seed(yonyou, "salesout", [salesout("XSCK-6", order="SO-2")])
    assert [r["code"] for r in read(connector, "shipment", cursor)[0]] == ["XSCK-6"]


def test_payments_are_read_once_each_through_the_nested_conditions_of_list_v2(
        yonyou: Any, make_connector: Make) -> None:
    connector = make_connector(page_size=2, pubts_settle_seconds=0)
    seed(yonyou, "receivebill", [receipt(f"RECar-{i}") for i in range(1, 4)])

    records, cursor = read(connector, "payment")

    assert [(r["code"], r["orderno"], r["oriSum"]) for r in records] == [
        ("RECar-1", "SO-1", 1000.0), ("RECar-2", "SO-1", 1000.0), ("RECar-3", "SO-1", 1000.0)]
    assert records[0]["ReceiveBill_b"][0]["orderno"] == "SO-1"     # the detail, with lines
    seed(yonyou, "receivebill", [receipt("RECar-4", order="SO-2", amount=50)])
    assert [r["code"] for r in read(connector, "payment", cursor)[0]] == ["RECar-4"]


def test_a_changed_document_is_read_again_while_its_second_is_not_settled(
        yonyou: Any, make_connector: Make) -> None:
    connector = make_connector(pubts_settle_seconds=3600)
    [doc_id] = seed(yonyou, "salesout", [salesout("XSCK-1", waybill="PENDING")])
    _, cursor = read(connector, "shipment")
    seed(yonyou, "salesout", [{"id": doc_id, "cLogisticsBillNo": "COSU6182736450"}])
    [again] = read(connector, "shipment", cursor)[0]
    assert again["cLogisticsBillNo"] == "COSU6182736450"


def test_get_and_natural_key_lookup_and_documents_that_are_gone(
        yonyou: Any, make_connector: Make) -> None:
    connector = make_connector()
    [out_id] = seed(yonyou, "salesout", [salesout("XSCK-1")])
    [bill_id] = seed(yonyou, "receivebill", [receipt("RECar-1")])
    assert connector.find_by_natural_key("shipment", "XSCK-1") == out_id
    assert connector.find_by_natural_key("payment", "RECar-1") == bill_id
    assert connector.find_by_natural_key("payment", "RECar-404") is None
    found = connector.get("payment", bill_id)
    assert found is not None and found.updated_at is not None
    assert connector.get("shipment", "404") is None          # 999 单据未找到
    assert connector.get("payment", "404") is None           # 999 该单据已经被删除或者没有权限


def test_shipments_and_payments_cannot_be_written(make_connector: Make) -> None:
    record = OutboundRecord(hub_id="h", remote_id=None, natural_key="XSCK-1", data={})
    with pytest.raises(FatalError, match="cannot write 'shipment'"):
        make_connector().upsert("shipment", [record])
    with pytest.raises(FatalError, match="cannot write 'payment'"):
        make_connector().upsert("payment", [record])


# -- the emulator's answers ---------------------------------------------------------------
def call(yonyou: Any, connector: YonyouConnector, path: str, body: Any) -> Any:
    gateway = f"{yonyou.url}/iuap-api-gateway"
    return httpx.post(gateway + path, params={"access_token": connector.client.token()},
                      json=body).json()


def test_list_answers_follow_each_documented_envelope(yonyou: Any, make_connector: Make) -> None:
    connector = make_connector()
    seed(yonyou, "salesout", [salesout("XSCK-1")])
    seed(yonyou, "receivebill", [receipt("RECar-1")])

    lines = call(yonyou, connector, "/yonbip/scm/salesout/list",
                 {"pageIndex": 1, "pageSize": 10, "isSum": False})
    assert lines["code"] == "200" and lines["data"]["recordCount"] == 2   # a row per line
    assert [r["details_product_cCode"] for r in lines["data"]["recordList"]] == [
        "LED-A60-9W", "LED-T8-18W"]
    bills = call(yonyou, connector, "/yonbip/fi/receivebill/list/v2",
                 {"pageIndex": 1, "pageSize": 10, "isSum": True, "orderno": "SO-1"})
    assert bills["code"] == 200                                # a number, as documented
    assert (bills["data"]["recordCount"], bills["data"]["pageCount"]) == ("1", "1")


@pytest.mark.parametrize(("path", "body", "message"), [
    ("/yonbip/scm/salesout/list", {"pageIndex": 1}, "pageSize"),
    ("/yonbip/scm/salesout/list",
     {"pageIndex": 1, "pageSize": 10, "simpleVOs": [{"logicOp": "and", "conditions": []}]},
     "列表查询失败"),
    ("/yonbip/fi/receivebill/list/v2",
     {"pageIndex": 1, "pageSize": 10, "simpleVOs": [{"field": "pubts", "op": "egt",
                                                     "value1": "2026-01-01 00:00:00"}]},
     "conditions"),
])
def test_malformed_list_queries_get_999_naming_the_problem(
        yonyou: Any, make_connector: Make, path: str, body: dict[str, Any],
        message: str) -> None:
    answer = call(yonyou, make_connector(), path, body)
    assert str(answer["code"]) == "999" and message in answer["message"]


@pytest.mark.parametrize(("payload", "problem"), [
    ({"document": "salesout", "documents": [{"code": "X", "cust": "C1"}]}, "vouchdate"),
    ({"document": "salesout", "documents": [dict(salesout("X"), details=[])]}, "line"),
    ({"document": "receivebill", "documents": [{"id": "42", "oriSum": 1}]}, "id 42"),
    ({"document": "invoice", "documents": [{}]}, "document"),
])
def test_seeding_refuses_bad_documents_with_a_422_naming_the_field(
        yonyou: Any, payload: dict[str, Any], problem: str) -> None:
    reply = httpx.post(f"{yonyou.url}/__emulator__/seed", json=payload)
    assert reply.status_code == 422 and problem in reply.text
    assert yonyou.get("state")["salesouts"] == 0


def test_a_seeded_code_must_be_new(yonyou: Any) -> None:
    seed(yonyou, "receivebill", [receipt("RECar-1")])
    reply = httpx.post(f"{yonyou.url}/__emulator__/seed",
                       json={"document": "receivebill", "documents": [receipt("RECar-1")]})
    assert reply.status_code == 422 and "already exists" in reply.text
    assert yonyou.get("state")["receivebills"] == 1
