"""Faults end to end: session loss mid-run, a refused row, line edits, a crash mid-batch."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from kingdee_e2e_support import MakeContext, World
from examples.kingdee.scenario import crm_accounts, crm_order
from hub.store.tables import DeadLetter, Link, PendingChange
from hub.sync import reconcile
from hub.sync.counts import RunCounts
from hub.sync.engine import run_pipeline


def test_session_lost_mid_run_is_recovered_without_losing_or_doubling_a_record(
        world: World, make_context: MakeContext) -> None:
    world.crm.upsert("customers", crm_accounts(7))
    ctx = make_context(auth_mode="session")
    ctx.config.pipelines["customers"].batch_size = 2
    expired: list[str] = []

    def expire_once(label: str, counts: RunCounts) -> None:
        if counts.created and not expired:      # after the first batch landed
            world.faults(expire_sessions=True)
            expired.append(label)

    result = run_pipeline(ctx, "customers", progress=expire_once)

    assert expired and world.state()["logins"] == 2
    assert (result.counts.created, result.counts.dead_lettered) == (7, 0)
    numbers = sorted(d["FNumber"] for d in world.kingdee_docs("BD_Customer"))
    assert numbers == [f"C{i:04d}" for i in range(1, 8)]
    assert run_pipeline(ctx, "customers").counts.writes == 0


def test_one_refused_order_is_dead_lettered_with_kingdees_message_the_others_land(
        world: World, make_context: MakeContext) -> None:
    world.crm.upsert("customers", crm_accounts(3))
    bad = crm_order("SO-2", "C0002", 1)
    bad["lines"][0]["sku"] = "NO-SUCH-SKU"
    world.crm.upsert("orders", [crm_order("SO-1", "C0001"), bad, crm_order("SO-3", "C0003")])
    world.desk.materials()
    ctx = make_context()
    run_pipeline(ctx, "customers")

    result = run_pipeline(ctx, "orders")

    assert (result.counts.created, result.counts.dead_lettered) == (2, 1)
    assert sorted(d["FBillNo"] for d in world.kingdee_docs("SAL_SaleOrder")) == ["SO-1", "SO-3"]
    assert world.state()["calls"]["BatchSave"] >= 1          # all three in one BatchSave
    with ctx.sessions() as session:
        [letter] = session.scalars(select(DeadLetter)).all()
    assert (letter.pipeline, letter.target_system) == ("orders", "kingdee")
    assert letter.error_code == "kingdee-msgcode-11"
    assert letter.error == "FMaterialId: 字段“物料编码”的值“NO-SUCH-SKU”在基础资料中不存在"
    assert letter.payload["raw"]["doc_no"] == "SO-2"
    assert run_pipeline(ctx, "orders").counts.writes == 0


def test_an_order_edit_that_changes_one_line_keeps_the_others(
        world: World, make_context: MakeContext) -> None:
    world.crm.upsert("customers", crm_accounts(1))
    world.crm.upsert("orders", [crm_order("SO-1", "C0001")])
    world.desk.materials()
    ctx = make_context()
    run_pipeline(ctx, "customers")
    run_pipeline(ctx, "orders")
    [before] = world.kingdee_docs("SAL_SaleOrder")
    entry_ids = [ln["FEntryID"] for ln in before["FSaleOrderEntry"]]

    order = world.crm.by_key("orders", "SO-1")
    lines = [dict(ln, qty=250) if ln["line_key"] == "20" else ln for ln in order["lines"]]
    world.crm.patch("orders", "SO-1", {"lines": lines})
    result = run_pipeline(ctx, "orders")

    assert result.counts.updated == 1
    [after] = world.kingdee_docs("SAL_SaleOrder")
    assert [(ln["FEntryID"], ln["FEntryNote"], ln["FMaterialId"]["FNumber"], ln["FQty"])
            for ln in after["FSaleOrderEntry"]] == [
        (entry_ids[0], "10", "LED-A60-9W", 100), (entry_ids[1], "20", "LED-T8-18W", 250),
        (entry_ids[2], "30", "LED-PNL-36W", 300)]
    assert run_pipeline(ctx, "orders").counts.writes == 0


def test_a_crash_between_the_create_and_the_checkpoint_creates_nothing_twice(
        world: World, make_context: MakeContext, monkeypatch: pytest.MonkeyPatch) -> None:
    world.crm.upsert("customers", crm_accounts(3))
    world.crm.upsert("orders", [crm_order("SO-1", "C0001"), crm_order("SO-2", "C0002")])
    world.desk.materials()
    ctx = make_context()
    run_pipeline(ctx, "customers")
    real_checkpoint = reconcile._checkpoint
    crashes: list[int] = []

    def crash_once(*args: object, **kwargs: object) -> RunCounts:
        if not crashes:
            crashes.append(1)
            raise RuntimeError("killed after the remote write, before the checkpoint")
        return real_checkpoint(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(reconcile, "_checkpoint", crash_once)
    with pytest.raises(RuntimeError, match="before the checkpoint"):
        run_pipeline(ctx, "orders")
    assert len(world.kingdee_docs("SAL_SaleOrder")) == 2     # written, but not recorded
    with ctx.sessions() as session:
        assert session.scalar(select(func.count()).select_from(PendingChange)) == 2

    resumed = run_pipeline(ctx, "orders")

    assert resumed.counts.dead_lettered == 0
    assert sorted(d["FBillNo"] for d in world.kingdee_docs("SAL_SaleOrder")) == ["SO-1", "SO-2"]
    with ctx.sessions() as session:
        links = session.scalar(select(func.count()).select_from(Link).where(
            Link.entity == "sales_order", Link.system == "kingdee"))
        pending = session.scalar(select(func.count()).select_from(PendingChange))
    assert (links, pending) == (2, 0)
    assert run_pipeline(ctx, "orders").counts.writes == 0
