"""The Yonyou connector against the emulator: merchants, orders, stock, cursors."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from connectors.base import OutboundRecord
from connectors.yonyou import YonyouConnector

Make = Callable[..., YonyouConnector]


def merchant(code: str, name: str = "Acme Lighting") -> OutboundRecord:
    return OutboundRecord(hub_id=f"hub-{code}", remote_id=None, natural_key=code,
                          data={"name": {"simplifiedName": name}, "createOrgCode": "global00"})


def sales_order(lines: list[dict[str, Any]], remote_id: str | None = None,
                agent: str = "C001") -> OutboundRecord:
    return OutboundRecord(hub_id="order-1", remote_id=remote_id, natural_key="SO-HUB-1", data={
        "salesOrgId": "991", "transactionTypeId": "SO01", "vouchdate": "2026-03-01 00:00:00",
        "agentId": agent, "orderPrices!currency": "USD", "orderDetails": lines})


def test_customer_create_after_a_crash_does_not_duplicate(yonyou: Any,
                                                          make_connector: Make) -> None:
    first = make_connector().upsert("customer", [merchant("C001")])[0]
    replay = make_connector().upsert("customer", [merchant("C001", "Acme Lighting Ltd")])[0]
    assert first.outcome == "created"
    assert (replay.outcome, replay.remote_id) == ("updated", first.remote_id)
    assert yonyou.get("state")["merchants"] == 1
    record = make_connector().get("customer", str(first.remote_id))
    assert record is not None and record.data["name"] == {"simplifiedName": "Acme Lighting Ltd"}


def test_resubmit_check_key_makes_a_blind_retry_harmless(yonyou: Any, make_connector: Make) -> None:
    connector = make_connector()
    connector.upsert("customer", [merchant("C001")])
    body = {"data": dict(sales_order([{"productId": "P1", "qty": 5, "_status": "Insert"}]).data,
                         _status="Insert",
                         resubmitCheckKey="SO-HUB-1")}
    path = "/yonbip/sd/voucherorder/singleSave"
    first = connector.client.call("POST", path, body=body)
    again = connector.client.call("POST", path, body=body)
    assert first["id"] == again["id"]
    assert yonyou.get("state")["orders"] == 1


def test_refused_order_fails_with_yonyous_code_and_message(make_connector: Make) -> None:
    result = make_connector().upsert("sales_order", [sales_order(
        [{"productId": "P1", "qty": 5}], agent="NOBODY")])[0]
    assert result.outcome == "failed"
    assert result.error_code == "yonyou-999"
    assert result.error is not None and "客户[NOBODY]不存在" in result.error


def test_order_update_changing_one_line_keeps_the_others(make_connector: Make) -> None:
    connector = make_connector()
    connector.upsert("customer", [merchant("C001")])
    created = connector.upsert("sales_order", [sales_order([
        {"productId": "LED-1", "qty": 800}, {"productId": "LED-2", "qty": 200},
        {"productId": "LED-3", "qty": 50}])])[0]
    assert created.outcome == "created" and created.remote_id
    before = connector.get("sales_order", created.remote_id)
    assert before is not None
    ids = [line["id"] for line in before.data["orderDetails"]]

    updated = connector.upsert("sales_order", [sales_order(
        [{"id": ids[1], "qty": 250}], remote_id=created.remote_id)])[0]

    assert updated.outcome == "updated"
    after = connector.get("sales_order", created.remote_id)
    assert after is not None
    assert [(ln["id"], ln["productId"], ln["qty"]) for ln in after.data["orderDetails"]] == [
        (ids[0], "LED-1", 800), (ids[1], "LED-2", 250), (ids[2], "LED-3", 50)]


def test_order_create_after_a_crash_finds_the_order_by_code(yonyou: Any,
                                                            make_connector: Make) -> None:
    make_connector().upsert("customer", [merchant("C001")])
    lines = [{"productId": "LED-1", "qty": 1}]
    first = make_connector().upsert("sales_order", [sales_order(lines)])[0]
    replay = make_connector().upsert("sales_order", [sales_order(lines)])[0]
    assert (replay.outcome, replay.remote_id) == ("updated", first.remote_id)
    assert yonyou.get("state")["orders"] == 1


def test_incremental_read_takes_each_change_once(make_connector: Make) -> None:
    connector = make_connector(pubts_settle_seconds=0)   # every second counts as over
    connector.upsert("customer", [merchant(f"C00{i}") for i in range(1, 4)])
    batches = list(connector.read_changes("customer", None, batch_size=2))
    assert [r.data["code"] for b in batches for r in b.records] == ["C001", "C002", "C003"]
    cursor = batches[-1].cursor
    assert list(connector.read_changes("customer", cursor)) == []

    connector.upsert("customer", [merchant("C004")])
    later = [r.data["code"] for b in connector.read_changes("customer", cursor)
             for r in b.records]
    assert later == ["C004"]


def test_orders_read_back_with_their_lines(make_connector: Make) -> None:
    connector = make_connector()
    connector.upsert("customer", [merchant("C001")])
    connector.upsert("sales_order", [sales_order([{"productId": "LED-1", "qty": 800}])])
    [batch] = list(connector.read_changes("sales_order", None))
    [record] = batch.records
    assert record.data["code"] == "SO-HUB-1"
    assert [(ln["productId"], ln["qty"]) for ln in record.data["orderDetails"]] == [
        ("LED-1", 800)]
    assert record.updated_at is not None and record.updated_at.tzinfo is not None


def test_current_stock_is_a_snapshot_keyed_by_org_warehouse_sku_batch(
        yonyou: Any, make_connector: Make) -> None:
    yonyou.control("stock", {"rows": [
        {"org": "991", "warehouse_code": "WH1", "product_code": "LED-1",
         "productsku_code": "LED-1", "currentqty": 800, "availableqty": 600, "batchno": None},
        {"org": "991", "warehouse_code": "WH2", "product_code": "LED-1",
         "productsku_code": "LED-1", "currentqty": 5, "availableqty": 5, "batchno": "B7"}]})
    records = [r for b in make_connector().read_changes("inventory", None) for r in b.records]
    assert [(r.remote_id, r.data["availableqty"]) for r in records] == [
        ("991|WH1|LED-1|", 600), ("991|WH2|LED-1|B7", 5)]


def test_missing_record_is_none(make_connector: Make) -> None:
    assert make_connector().get("customer", "123") is None


def test_emulator_events_parse_into_change_events(yonyou: Any, make_connector: Make) -> None:
    import json
    connector = make_connector()
    created = connector.upsert("customer", [merchant("C001")])[0]
    events = yonyou.get("events")
    parsed = [e for body in events for e in connector.parse_webhook(
        {}, json.dumps(body).encode())]
    assert [(e.entity, e.remote_id) for e in parsed] == [("customer", created.remote_id)]


def test_order_save_that_timed_out_after_committing_is_not_duplicated(
        yonyou: Any, make_connector: Make) -> None:
    connector = make_connector(timeout_seconds=0.3, retry_initial_wait=0.5)
    connector.upsert("customer", [merchant("C001")])
    yonyou.control("faults", {"delay_seconds": 0.6, "delay_calls": 1,
                              "delay_paths": ["/yonbip/sd/voucherorder/singleSave"]})
    result = connector.upsert("sales_order", [sales_order([{"productId": "LED-1", "qty": 1}])])[0]
    assert result.outcome == "created"
    assert result.remote_id == connector.find_by_natural_key("sales_order", "SO-HUB-1")
    assert yonyou.get("state")["orders"] == 1


def test_token_expiry_mid_read_loses_and_duplicates_nothing(yonyou: Any,
                                                            make_connector: Make) -> None:
    connector = make_connector(page_size=2)
    connector.upsert("customer", [merchant(f"C{i:03d}") for i in range(7)])
    batches = connector.read_changes("customer", None, batch_size=2)
    first = next(batches)
    yonyou.control("faults", {"expire_tokens": True})
    codes = [r.data["code"] for b in [first, *batches] for r in b.records]
    assert codes == [f"C{i:03d}" for i in range(7)]
    assert connector.client.token_fetches == 2


def test_sales_orders_can_be_deleted_but_not_archived(yonyou: Any, make_connector: Make) -> None:
    import pytest

    from hub.errors import FatalError
    connector = make_connector()
    connector.upsert("customer", [merchant("C001")])
    created = connector.upsert("sales_order", [sales_order([{"productId": "P", "qty": 1}])])[0]
    assert created.remote_id
    audited = yonyou.emulator.store.orders[created.remote_id]
    audited["nextStatus"] = "DELIVERGOODS"
    [refused] = connector.delete("sales_order", [created.remote_id], archive=False)
    assert refused.outcome == "failed" and refused.error and "已审核" in refused.error
    audited["nextStatus"] = "CONFIRMORDER"
    [deleted] = make_connector().delete("sales_order", [created.remote_id], archive=False)
    assert deleted.outcome == "deleted"
    assert yonyou.get("state")["orders"] == 0
    with pytest.raises(FatalError, match="only deleting sales orders"):
        connector.delete("customer", ["1"], archive=False)


def test_repeating_an_earlier_update_after_someone_changed_the_order_still_applies(
        yonyou: Any, make_connector: Make) -> None:
    connector = make_connector()
    connector.upsert("customer", [merchant("C001")])
    created = connector.upsert("sales_order", [sales_order([{"productId": "P", "qty": 1}])])[0]
    assert created.remote_id
    line = yonyou.emulator.store.orders[created.remote_id]["orderDetails"][0]["id"]
    update = sales_order([{"id": line, "qty": 250}], remote_id=created.remote_id)
    connector.upsert("sales_order", [update])
    yonyou.emulator.store.orders[created.remote_id]["orderDetails"][0]["qty"] = 300
    connector.upsert("sales_order", [update])
    after = connector.get("sales_order", created.remote_id)
    assert after is not None and after.data["orderDetails"][0]["qty"] == 250
