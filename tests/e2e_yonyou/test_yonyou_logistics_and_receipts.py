"""Streams 4 and 5 of examples/yonyou/hub.yaml: sales-outs and receipt bills into the CRM."""

from __future__ import annotations

from sqlalchemy import select

from examples.yonyou.scenario import PIPELINES, crm_accounts, crm_order, stock_row
from hub.store.tables import DeadLetter
from hub.sync.engine import run_pipeline
from yonyou_e2e_support import MakeYonyouContext, YonyouWorld


def test_deliveries_and_receipts_reach_the_crm_order_and_a_rerun_writes_nothing(
        yworld: YonyouWorld, make_ycontext: MakeYonyouContext) -> None:
    yworld.crm.upsert("customers", crm_accounts(2))
    yworld.crm.upsert("orders", [crm_order("SO-1", "C0001"), crm_order("SO-2", "C0002", 2)])
    ctx = make_ycontext()
    [out_id] = yworld.desk.deliver("XSCK-1", "SO-1", "C0001",
                                   [("LED-A60-9W", 100), ("LED-T8-18W", 200)], "PENDING")
    yworld.desk.receive("RECar-1", "SO-1", "C0001", 1000.0, rate=7.1)
    yworld.desk.receive("RECar-2", "SO-2", "C0002", 88000.0, rate=1, currency="人民币")

    deliveries, receipts = run_pipeline(ctx, "deliveries"), run_pipeline(ctx, "receipts")

    assert (deliveries.counts.read, deliveries.counts.writes,
            deliveries.counts.dead_lettered) == (1, 1, 0)
    assert (receipts.counts.read, receipts.counts.writes, receipts.counts.dead_lettered) == (
        2, 2, 0)
    order = yworld.crm.by_key("orders", "SO-1")
    assert (order["tracking"]["shipment_no"], order["tracking"]["carrier"],
            order["tracking"]["bl_no"], order["tracking"]["status"]) == (
        "XSCK-1", "COSCO Shipping", "PENDING", "departed")
    assert (order["paid_amount"], order["paid_amount_base"]) == ("1000.00", "7100.00")
    assert len(order["lines"]) == 3                      # the patches keep the order whole
    other = yworld.crm.by_key("orders", "SO-2")
    assert (other["paid_amount"], other["paid_amount_base"]) == ("88000.00", "88000.00")
    assert other.get("tracking") in (None, {})          # nothing shipped for SO-2

    for name in ("deliveries", "receipts"):              # nothing changed: nothing written
        assert run_pipeline(ctx, name).counts.writes == 0, name

    # The forwarder's B/L arrives: the warehouse corrects the sales-out in YonBIP.
    yworld.desk.seed("salesout", [{"id": out_id, "cLogisticsBillNo": "COSU6182736450"}])
    corrected = run_pipeline(ctx, "deliveries")
    assert (corrected.counts.updated, corrected.counts.created) == (1, 0)
    assert yworld.crm.by_key("orders", "SO-1")["tracking"]["bl_no"] == "COSU6182736450"
    assert run_pipeline(ctx, "deliveries").counts.writes == 0


def test_documents_that_cannot_be_a_payment_or_shipment_are_dead_lettered(
        yworld: YonyouWorld, make_ycontext: MakeYonyouContext) -> None:
    yworld.crm.upsert("customers", crm_accounts(1))
    yworld.crm.upsert("orders", [crm_order("SO-1", "C0001")])
    ctx = make_ycontext()
    before = yworld.crm.by_key("orders", "SO-1")
    yworld.desk.receive("RECar-RED", "SO-1", "C0001", -100.0)          # a red (reversing) bill
    yworld.desk.seed("salesout", [{"code": "XSCK-LOOSE", "vouchdate": "2026-03-10 09:30:00",
                                   "cust": "C0001", "srcBillType": "0",   # no source order
                                   "details": [{"product_cCode": "LED-A60-9W", "qty": 1}]}])

    receipts, deliveries = run_pipeline(ctx, "receipts"), run_pipeline(ctx, "deliveries")

    assert (receipts.counts.writes, receipts.counts.dead_lettered) == (0, 1)
    assert (deliveries.counts.writes, deliveries.counts.dead_lettered) == (0, 1)
    with ctx.sessions() as session:
        letters = session.scalars(select(DeadLetter)).all()
    problems = {dl.pipeline: dl.error or "" for dl in letters}
    assert "amount" in problems["receipts"] and "order_number" in problems["deliveries"]
    after = yworld.crm.by_key("orders", "SO-1")
    assert (after["paid_amount"], after.get("tracking")) == (before["paid_amount"],
                                                             before.get("tracking"))


def test_the_five_streams_of_the_example_run_and_settle(
        yworld: YonyouWorld, make_ycontext: MakeYonyouContext) -> None:
    yworld.crm.upsert("customers", crm_accounts(2))
    yworld.crm.upsert("orders", [crm_order("SO-1", "C0001")])
    yworld.desk.stock([stock_row("LED-A60-9W", "WH01", 800, 700)])
    yworld.desk.deliver("XSCK-1", "SO-1", "C0001", [("LED-A60-9W", 100)], "COSU6182736450")
    yworld.desk.receive("RECar-1", "SO-1", "C0001", 500.0)
    ctx = make_ycontext()

    first = {name: run_pipeline(ctx, name).counts for name in PIPELINES}
    assert {n: c.dead_lettered for n, c in first.items()} == dict.fromkeys(PIPELINES, 0)
    assert {n: c.read for n, c in first.items()}.items() >= {
        "customers": 2, "orders": 1, "inventory": 1, "deliveries": 1, "receipts": 1}.items()
    run_pipeline(ctx, "customers")           # the hub's own creates, read back once
    run_pipeline(ctx, "orders")
    for name in PIPELINES:
        assert run_pipeline(ctx, name).counts.writes == 0, name
    order = yworld.crm.by_key("orders", "SO-1")
    assert (order["tracking"]["bl_no"], order["paid_amount"]) == ("COSU6182736450", "500.00")
