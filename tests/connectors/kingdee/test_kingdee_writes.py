"""Writes against the emulator: batches with a bad row, lines, idempotent creates."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from connectors.base import OutboundRecord
from connectors.kingdee import KingdeeConnector
from hub.errors import FatalError

Make = Callable[..., KingdeeConnector]


def customer(i: int, **data: Any) -> OutboundRecord:
    return OutboundRecord(hub_id=f"hub-{i}", remote_id=None, natural_key=f"CUST{i:03d}",
                          data={"FName": f"Customer {i}", **data})


def seed_master_data(connector: KingdeeConnector) -> None:
    products = [OutboundRecord(hub_id=f"p{i}", remote_id=None, natural_key=f"LED-{i}",
                               data={"FName": f"LED lamp {i}"}) for i in range(1, 4)]
    assert all(r.outcome == "created" for r in connector.upsert("product", products))
    assert connector.upsert("customer", [customer(1)])[0].outcome == "created"


def order(lines: list[dict[str, Any]], *, remote_id: str | None = None,
          only: list[str] | None = None) -> OutboundRecord:
    return OutboundRecord(hub_id="order-1", remote_id=remote_id, natural_key="XSDD-HUB-1",
                          only_fields=only, data={
                              "FDate": "2026-03-01", "FCustId": {"FNumber": "CUST001"},
                              "FSaleOrgId": {"FNumber": "100"}, "FSaleOrderEntry": lines})


def test_batch_with_one_invalid_row_lands_the_others(make_connector: Make) -> None:
    connector = make_connector()
    records = [customer(1), OutboundRecord(hub_id="bad", remote_id=None, natural_key="CUST002",
                                           data={"FShortName": "no name"}), customer(3)]
    results = connector.upsert("customer", records)

    assert [r.outcome for r in results] == ["created", "failed", "created"]
    assert results[1].error == "FName: 字段“客户名称”是必填项"
    assert results[1].error_code == "kingdee-msgcode-9"
    assert results[1].retriable is False
    stored = [r.data["FNumber"] for b in connector.read_changes("customer", None)
              for r in b.records]
    assert stored == ["CUST001", "CUST003"]


def test_unknown_base_data_reference_fails_that_order_only(make_connector: Make) -> None:
    connector = make_connector()
    seed_master_data(connector)
    bad = order([{"FMaterialId": {"FNumber": "NO-SUCH"}, "FQty": 1}])
    result = connector.upsert("sales_order", [bad])[0]
    assert result.outcome == "failed"
    assert result.error == "FMaterialId: 字段“物料编码”的值“NO-SUCH”在基础资料中不存在"


def test_order_update_changing_one_line_keeps_the_others(make_connector: Make) -> None:
    connector = make_connector()
    seed_master_data(connector)
    created = connector.upsert("sales_order", [order([
        {"FMaterialId": {"FNumber": "LED-1"}, "FQty": 800, "FPrice": 2.5},
        {"FMaterialId": {"FNumber": "LED-2"}, "FQty": 200, "FPrice": 2.5},
        {"FMaterialId": {"FNumber": "LED-3"}, "FQty": 50, "FPrice": 4.0}])])[0]
    assert created.outcome == "created" and created.remote_id
    before = connector.get("sales_order", created.remote_id)
    assert before is not None
    lines = before.data["FSaleOrderEntry"]
    second = lines[1]["FEntryID"]

    updated = connector.upsert("sales_order", [order(
        [{"FEntryID": second, "FQty": 250}], remote_id=created.remote_id)])[0]

    assert updated.outcome == "updated"
    after = connector.get("sales_order", created.remote_id)
    assert after is not None
    assert [(ln["FEntryID"], ln["FMaterialId"]["FNumber"], ln["FQty"])
            for ln in after.data["FSaleOrderEntry"]] == [
        (lines[0]["FEntryID"], "LED-1", 800), (second, "LED-2", 250),
        (lines[2]["FEntryID"], "LED-3", 50)]


def test_lines_without_entry_id_are_matched_by_line_key(make_connector: Make) -> None:
    connector = make_connector(line_key_field="FEntryNote")
    seed_master_data(connector)
    created = connector.upsert("sales_order", [order([
        {"FMaterialId": {"FNumber": "LED-1"}, "FQty": 10, "FEntryNote": "L1"},
        {"FMaterialId": {"FNumber": "LED-2"}, "FQty": 20, "FEntryNote": "L2"}])])[0]
    assert created.remote_id is not None
    connector.upsert("sales_order", [order([
        {"FMaterialId": {"FNumber": "LED-2"}, "FQty": 25, "FEntryNote": "L2"},
        {"FMaterialId": {"FNumber": "LED-3"}, "FQty": 5, "FEntryNote": "L3"}],
        remote_id=created.remote_id)])
    after = connector.get("sales_order", created.remote_id)
    assert after is not None
    assert [(ln["FEntryNote"], ln["FQty"]) for ln in after.data["FSaleOrderEntry"]] == [
        ("L1", 10), ("L2", 25), ("L3", 5)]


def test_partial_update_touches_only_the_named_fields(make_connector: Make) -> None:
    connector = make_connector()
    created = connector.upsert("customer", [customer(1, FShortName="ACME", FTEL="+86 1")])[0]
    assert created.remote_id is not None
    connector.upsert("customer", [OutboundRecord(
        hub_id="hub-1", remote_id=created.remote_id, natural_key="CUST001",
        data={"FName": "ignored", "FTEL": "+86 2"}, only_fields=["FTEL"])])
    data = connector.get("customer", created.remote_id)
    assert data is not None
    assert (data.data["FName"], data.data["FShortName"], data.data["FTEL"]) == (
        "Customer 1", "ACME", "+86 2")


def test_plain_update_keeps_fields_the_mapping_does_not_send(make_connector: Make) -> None:
    connector = make_connector()
    created = connector.upsert("customer", [customer(1, FShortName="ACME")])[0]
    assert created.remote_id is not None
    connector.upsert("customer", [OutboundRecord(hub_id="hub-1", remote_id=created.remote_id,
                                                 natural_key="CUST001",
                                                 data={"FName": "Renamed"})])
    data = connector.get("customer", created.remote_id)
    assert data is not None
    assert (data.data["FName"], data.data["FShortName"]) == ("Renamed", "ACME")


def test_create_after_a_crash_before_bookkeeping_finds_the_record(
        kingdee: Any, make_connector: Make) -> None:
    connector = make_connector()
    seed_master_data(connector)
    lines = [{"FMaterialId": {"FNumber": "LED-1"}, "FQty": 800}]
    first = connector.upsert("sales_order", [order(lines)])[0]
    assert first.outcome == "created"
    # the hub crashed before storing first.remote_id: the replay is again a create
    replay = make_connector().upsert("sales_order", [order(lines)])[0]

    assert replay.outcome == "updated"
    assert replay.remote_id == first.remote_id
    assert kingdee.state()["counts"]["SAL_SaleOrder"] == 1
    assert connector.find_by_natural_key("sales_order", "XSDD-HUB-1") == first.remote_id


def test_number_that_differs_from_the_natural_key_is_refused(make_connector: Make) -> None:
    result = make_connector().upsert("customer", [OutboundRecord(
        hub_id="h", remote_id=None, natural_key="CUST001",
        data={"FNumber": "OTHER", "FName": "x"})])[0]
    assert result.outcome == "failed" and result.error_code == "kingdee-model"


def test_submit_and_audit_after_save(kingdee: Any, make_connector: Make) -> None:
    connector = make_connector(submit_and_audit=True)
    result = connector.upsert("customer", [customer(1)])[0]
    assert result.outcome == "created" and result.remote_id
    record = connector.get("customer", result.remote_id)
    assert record is not None and record.data["FDocumentStatus"] == "C"
    assert kingdee.state()["calls"]["Submit"] == 1
    assert kingdee.state()["calls"]["Audit"] == 1


def test_audited_record_cannot_be_deleted_but_a_draft_can(make_connector: Make) -> None:
    audited = make_connector(submit_and_audit=True).upsert("customer", [customer(1)])[0]
    draft = make_connector().upsert("customer", [customer(2)])[0]
    assert audited.remote_id and draft.remote_id
    results = make_connector().delete("customer", [audited.remote_id, draft.remote_id],
                                      archive=False)
    assert [r.outcome for r in results] == ["failed", "deleted"]
    assert results[0].error == "已提交或已审核的单据不能删除"


def test_archive_forbids_base_data(make_connector: Make) -> None:
    connector = make_connector()
    created = connector.upsert("customer", [customer(1)])[0]
    assert created.remote_id
    assert connector.delete("customer", [created.remote_id])[0].outcome == "deleted"
    record = connector.get("customer", created.remote_id)
    assert record is not None and record.data["FForbidStatus"] == "B"
    with pytest.raises(FatalError, match="cannot be archived"):
        connector.delete("sales_order", ["1"])


def test_read_only_entities_come_back_in_kingdee_shape(kingdee: Any, make_connector: Make) -> None:
    kingdee.control("seed", {"form_id": "STK_Inventory", "documents": [
        {"FMaterialId": {"FNumber": "LED-1"}, "FStockId": {"FNumber": "CK001"},
         "FBaseQty": 800, "FQty": 800, "FUpdateTime": "2026-03-01T10:00:00"}]})
    kingdee.control("seed", {"form_id": "AR_RECEIVEBILL", "documents": [
        {"FBillNo": "SKD001", "FDate": "2026-03-02", "FCONTACTUNIT": {"FNumber": "CUST001"},
         "FCURRENCYID": {"FNumber": "PRE007"}, "FRECAMOUNTFOR": 1000.5}]})
    kingdee.control("seed", {"form_id": "SAL_OUTSTOCK", "documents": [
        {"FBillNo": "XSCKD001", "FCustomerID": {"FNumber": "CUST001"}, "FCarriageNO": "MSKU1",
         "FEntity": [{"FMaterialID": {"FNumber": "LED-1"}, "FRealQty": 800}]}]})
    connector = make_connector()
    stock = [r.data for b in connector.read_changes("inventory", None) for r in b.records]
    assert stock[0]["FMaterialId"] == {"FNumber": "LED-1"} and stock[0]["FBaseQty"] == 800
    payment = [r.data for b in connector.read_changes("payment", None) for r in b.records]
    assert payment[0]["FCONTACTUNIT"] == {"FNumber": "CUST001"}
    assert payment[0]["FRECAMOUNTFOR"] == 1000.5
    shipment = [r.data for b in connector.read_changes("shipment", None) for r in b.records]
    assert shipment[0]["FCarriageNO"] == "MSKU1"
    assert [(ln["FMaterialID"]["FNumber"], ln["FRealQty"]) for ln in shipment[0]["FEntity"]] == [
        ("LED-1", 800)]
    with pytest.raises(FatalError, match="cannot write 'payment'"):
        connector.upsert("payment", [])
