"""The five streams of examples/kingdee/hub.yaml through the real engine and emulator."""

from __future__ import annotations

from kingdee_e2e_support import MakeContext, World
from examples.kingdee.scenario import PIPELINES, crm_accounts, crm_order
from hub.sync.engine import run_pipeline


def test_customers_and_orders_reach_kingdee_and_what_the_erp_owns_flows_back(
        world: World, make_context: MakeContext) -> None:
    world.crm.upsert("customers", crm_accounts(3))
    world.crm.upsert("orders", [crm_order("SO-1", "C0001"), crm_order("SO-2", "C0002", 2)])
    world.desk.materials()
    ctx = make_context()

    customers = run_pipeline(ctx, "customers")
    orders = run_pipeline(ctx, "orders")
    assert (customers.counts.created, orders.counts.created) == (3, 2)
    kd_customers = {d["FNumber"]: d for d in world.kingdee_docs("BD_Customer")}
    assert sorted(kd_customers) == ["C0001", "C0002", "C0003"]
    assert kd_customers["C0001"]["FCOUNTRY"] == {"FNumber": "US"}
    assert kd_customers["C0001"]["FTRADINGCURRID"] == {"FNumber": "PRE007"}
    [order] = [d for d in world.kingdee_docs("SAL_SaleOrder") if d["FBillNo"] == "SO-1"]
    assert order["FCustId"] == {"FNumber": "C0001"}
    assert order["FDate"] == "2026-03-02T00:00:00"
    assert [(ln["FEntryNote"], ln["FMaterialId"]["FNumber"], ln["FQty"], ln["FTaxPrice"])
            for ln in order["FSaleOrderEntry"]] == [
        ("10", "LED-A60-9W", 100, 2.5), ("20", "LED-T8-18W", 200, 3.5),
        ("30", "LED-PNL-36W", 300, 4.5)]

    world.desk.set_credit("C0002", 80000, "2")
    world.desk.audit_order("SO-2")
    assert run_pipeline(ctx, "customers").counts.updated == 1
    assert run_pipeline(ctx, "orders").counts.updated == 1
    account = world.crm.by_key("customers", "C0002")
    assert (account["credit_limit"], account["receivable_status"]) == ("80000.00", "overdue")
    assert world.crm.by_key("orders", "SO-2")["fulfilment_status"] == "confirmed"
    assert world.crm.by_key("orders", "SO-1")["fulfilment_status"] == "pending"

    # Echo suppression: everything read back now is what the hub wrote; nothing moves.
    for name in ("customers", "orders"):
        quiet = run_pipeline(ctx, name)
        assert quiet.counts.writes == 0, (name, quiet.counts)
    saves = world.state()["calls"].get("BatchSave", 0) + world.state()["calls"].get("Save", 0)
    for name in ("customers", "orders"):
        assert run_pipeline(ctx, name).counts.writes == 0
    assert world.state()["calls"].get("BatchSave", 0) + world.state()["calls"].get(
        "Save", 0) == saves


def test_stock_deliveries_and_receipts_reach_the_crm(world: World,
                                                    make_context: MakeContext) -> None:
    world.crm.upsert("customers", crm_accounts(1))
    world.crm.upsert("orders", [crm_order("SO-1", "C0001")])
    world.desk.materials()
    ctx = make_context()
    run_pipeline(ctx, "customers")
    run_pipeline(ctx, "orders")
    [stock_id] = world.desk.stock("LED-A60-9W", "CK001", 800, 700)
    world.desk.stock("LED-A60-9W", "CK002", 50, 50)
    world.desk.deliver("XSCKD-1", "SO-1", "C0001", [("LED-A60-9W", 100)], "COSU6182736450")
    world.desk.receive("SKD-1", "SO-1", "C0001", 1000.0, rate=7.1)

    counts = {name: run_pipeline(ctx, name).counts for name in
              ("inventory", "deliveries", "receipts")}
    assert {n: (c.read, c.writes, c.dead_lettered) for n, c in counts.items()} == {
        "inventory": (2, 2, 0), "deliveries": (1, 1, 0), "receipts": (1, 1, 0)}
    stock = world.crm.by_key("stock", "LED-A60-9W@CK001")
    assert (stock["on_hand"], stock["reserved"]) == (800, 100)
    assert world.crm.by_key("stock", "LED-A60-9W@CK002")["on_hand"] == 50
    order = world.crm.by_key("orders", "SO-1")
    assert order["tracking"]["bl_no"] == "COSU6182736450"
    assert order["tracking"]["status"] == "departed"
    assert (order["paid_amount"], order["paid_amount_base"]) == ("1000.00", "7100.00")
    assert len(order["lines"]) == 3                    # the patches kept the order whole

    # A stock count in K3Cloud moves one level; the rest stay as they are.
    world.stock_count(stock_id, 750)
    again = run_pipeline(ctx, "inventory")
    assert (again.counts.read, again.counts.updated) == (1, 1)
    assert world.crm.by_key("stock", "LED-A60-9W@CK001")["on_hand"] == 750
    for name in PIPELINES:
        assert run_pipeline(ctx, name).counts.writes == 0, name
