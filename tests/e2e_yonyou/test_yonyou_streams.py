"""The streams of examples/yonyou/hub.yaml through the real engine and the emulator."""

from __future__ import annotations

import json

from sqlalchemy import select

from yonyou_e2e_support import MakeYonyouContext, YonyouWorld
from examples.yonyou.scenario import PIPELINES, crm_accounts, crm_order, stock_row
from hub.store.tables import DeadLetter
from hub.sync.counts import RunCounts
from hub.sync.engine import run_pipeline
from hub.sync.events import apply_events


def test_customers_and_orders_reach_yonyou_and_what_the_erp_owns_flows_back(
        yworld: YonyouWorld, make_ycontext: MakeYonyouContext) -> None:
    yworld.crm.upsert("customers", crm_accounts(3))
    yworld.crm.upsert("orders", [crm_order("SO-1", "C0001"), crm_order("SO-2", "C0002", 2)])
    ctx = make_ycontext()

    assert run_pipeline(ctx, "customers").counts.created == 3
    assert run_pipeline(ctx, "orders").counts.created == 2
    merchant = yworld.desk.merchant("C0001")
    assert (merchant["name"], merchant["countryCode"], merchant["createOrgCode"]) == (
        {"simplifiedName": "Importer 0001 GmbH"}, "US", "global00")
    [order] = [o for o in yworld.store.orders.values() if o["code"] == "SO-1"]
    assert (order["agentId"], order["vouchdate"], order["orderPrices!currency"]) == (
        "C0001", "2026-03-02 00:00:00", "USD")
    assert [(ln["lineno"], ln["productId"], ln["qty"]) for ln in order["orderDetails"]] == [
        ("10", "LED-A60-9W", 100), ("20", "LED-T8-18W", 200), ("30", "LED-PNL-36W", 300)]

    yworld.desk.set_credit("C0002", 80000, "2")
    yworld.desk.approve_order("SO-1", "DELIVERGOODS")
    run_pipeline(ctx, "customers")
    run_pipeline(ctx, "orders")
    account = yworld.crm.by_key("customers", "C0002")
    assert (account["credit_limit"], account["receivable_status"]) == ("80000.00", "overdue")
    assert yworld.crm.by_key("orders", "SO-1")["fulfilment_status"] == "shipped"

    for name in ("customers", "orders"):            # echo suppression: nothing moves
        assert run_pipeline(ctx, name).counts.writes == 0, name


def test_orders_yonyou_refuses_are_dead_lettered_with_its_code_and_message(
        yworld: YonyouWorld, make_ycontext: MakeYonyouContext) -> None:
    yworld.crm.upsert("customers", crm_accounts(1))
    yworld.crm.upsert("orders", [crm_order("SO-1", "C0001"), crm_order("SO-9", "C0001", 1)])
    ctx = make_ycontext()
    run_pipeline(ctx, "customers")
    yworld.store.merchants.clear()                 # the customer was deleted in YonBIP
    yworld.store.merchants.update({"0": {"id": "0", "code": "C0001-OLD", "pubts": ""}})
    refused = run_pipeline(ctx, "orders")
    assert (refused.counts.created, refused.counts.dead_lettered) == (0, 2)
    with ctx.sessions() as session:
        letters = session.scalars(select(DeadLetter)).all()
    assert {(dl.error_code, "客户[C0001]不存在" in (dl.error or "")) for dl in letters} == {
        ("yonyou-999", True)}


def test_current_stock_reaches_the_crm_in_several_batches_each_run(
        yworld: YonyouWorld, make_ycontext: MakeYonyouContext) -> None:
    yworld.desk.stock([stock_row(f"SKU-{i}", "WH01", 100 + i, 90 + i) for i in range(5)])
    ctx = make_ycontext()
    ctx.config.pipelines["inventory"].batch_size = 2

    first = run_pipeline(ctx, "inventory")
    assert (first.counts.read, first.counts.created) == (5, 5)
    assert yworld.crm.by_key("stock", "SKU-3@WH01")["reserved"] == 10
    yworld.store.stock[3]["currentqty"] = 50
    again = run_pipeline(ctx, "inventory")
    assert (again.counts.read, again.counts.updated, again.counts.unchanged) == (5, 1, 4)
    assert yworld.crm.by_key("stock", "SKU-3@WH01")["on_hand"] == 50



def test_token_expiry_mid_run_is_refreshed_without_losing_or_doubling_a_record(
        yworld: YonyouWorld, make_ycontext: MakeYonyouContext) -> None:
    yworld.crm.upsert("customers", crm_accounts(7))
    ctx = make_ycontext()
    ctx.config.pipelines["customers"].batch_size = 2
    expired: list[str] = []

    def expire_once(label: str, counts: RunCounts) -> None:
        if counts.created and not expired:
            yworld.faults(expire_tokens=True)
            expired.append(label)

    result = run_pipeline(ctx, "customers", progress=expire_once)

    assert expired and yworld.state()["token_requests"] >= 2
    assert (result.counts.created, result.counts.dead_lettered) == (7, 0)
    codes = sorted(m["code"] for m in yworld.store.merchants.values())
    assert codes == [f"C{i:04d}" for i in range(1, 8)]
    assert run_pipeline(ctx, "customers").counts.writes == 0


def test_yonyou_events_are_verified_decrypted_and_applied_through_the_engine(
        yworld: YonyouWorld, make_ycontext: MakeYonyouContext) -> None:
    yworld.crm.upsert("customers", crm_accounts(2))
    ctx = make_ycontext()
    run_pipeline(ctx, "customers")
    run_pipeline(ctx, "customers")                  # settle: the read-back is an echo
    connector = ctx.connector("yonyou")

    def pushed() -> list:
        bodies = [json.dumps(body).encode() for body in yworld.desk.events()]
        for body in bodies:
            connector.verify_webhook({}, body)
        return [e for body in bodies for e in connector.parse_webhook({}, body)]

    echoes = pushed()                               # the hub's own creates, pushed back
    assert {e.entity for e in echoes} == {"customer"} and len(echoes) == 2
    assert apply_events(ctx, "yonyou", echoes).writes == 0

    yworld.desk.emulator.events.clear()
    yworld.desk.set_credit("C0001", 12345, "1")
    [event] = pushed()
    assert (event.entity, event.kind) == ("customer", "upsert")
    assert event.data and event.data["merchantCharacterDefine"]["creditLimit"] == 12345
    counts = apply_events(ctx, "yonyou", [event])
    assert counts.updated == 1
    account = yworld.crm.by_key("customers", "C0001")
    assert (account["credit_limit"], account["receivable_status"]) == ("12345.00", "open")
    assert run_pipeline(ctx, "customers").counts.writes == 0
