"""A one-way run split over processes (``processes: N``): every record once, each part
with its own cursor, a process started only when the backlog is worth it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select
from sync_support import Product, hub_config, sync

from connectors.base import Partition
from hub.errors import ConfigError, SyncError
from hub.services import AppServer
from hub.store.tables import Cursor, SyncRun
from hub.sync import parts
from hub.sync.config import HubConfig
from hub.sync.context import SyncContext

MakeContext = Callable[[HubConfig], SyncContext]


def load(crm: Product, n: int, version: str = "") -> None:
    rows = [{"account_code": f"A-{i:05d}", "company_name": f"Importer {i:05d}{version}",
             "country_code": "US"} for i in range(n)]
    for start in range(0, n, 1000):
        crm.upsert("customers", rows[start:start + 1000])


def split_pipeline(processes: int = 2, batch_size: int = 100) -> dict[str, dict[str, Any]]:
    return {"customers": {"entity": "customer", "source": "crm", "target": "erp",
                          "batch_size": batch_size, "processes": processes}}


@pytest.fixture
def started(monkeypatch: pytest.MonkeyPatch) -> list[Partition]:
    """The parts a run started a process for."""
    seen: list[Partition] = []
    real = parts.start

    def start(ctx: SyncContext, pipeline: str, partition: Partition) -> parts.PartProcess:
        seen.append(partition)
        return real(ctx, pipeline, partition)

    monkeypatch.setattr(parts, "start", start)
    return seen


def cursors(ctx: SyncContext) -> dict[str, str | None]:
    with ctx.sessions() as session:
        return {row.system: row.cursor for row in session.scalars(select(Cursor))}


@pytest.fixture
def splits(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Each time a run asked a part's process to split its part: whether it did."""
    seen: list[bool] = []
    real = parts.split

    def split(part: parts.PartProcess) -> bool:
        seen.append(real(part))
        return seen[-1]

    monkeypatch.setattr(parts, "split", split)
    return seen


def test_a_run_split_over_two_processes_lands_every_record_once(
        products: AppServer, crm: Product, erp: Product, make_context: MakeContext,
        started: list[Partition], splits: list[bool]) -> None:
    load(crm, 1200)
    ctx = make_context(hub_config(products.url, split_pipeline()))

    result = sync(ctx, "customers")

    assert started == [Partition(index=1, count=2)]
    # The part's process starts a second or more after the run's own part began; the
    # run syncs its 600 records sooner and then takes half of what that part has left.
    assert splits == [True]
    assert (result.counts.read, result.counts.created, result.counts.dead_lettered) == (
        1200, 1200, 0)
    customers = erp.all("customers")
    assert len(customers) == 1200
    assert len({c["cust_no"] for c in customers}) == 1200
    assert set(cursors(ctx)) == {"crm#0/2", "crm#1/2"}    # the halves' cursors are gone

    # Nothing new: no process, nothing written. The split part goes on from the half
    # that ended first, so the other half's last few records are read once more.
    again = sync(ctx, "customers")
    assert again.counts.writes == 0 and again.counts.read < 10
    assert again.counts.read == again.counts.unchanged
    assert started == [Partition(index=1, count=2)]
    assert (sync(ctx, "customers").counts.read, sync(ctx, "customers").counts.read) == (0, 0)

    load(crm, 1200, version=" v2")                  # every record changed: split again
    changed = sync(ctx, "customers")
    assert (changed.counts.read, changed.counts.updated, changed.counts.created) == (
        1200, 1200, 0)
    assert len(started) == 2
    assert {c["cust_name"] for c in erp.all("customers")} == {
        f"Importer {i:05d} v2" for i in range(1200)}


def test_a_small_backlog_is_synced_part_by_part_in_the_run_itself(
        products: AppServer, crm: Product, erp: Product, make_context: MakeContext,
        started: list[Partition]) -> None:
    load(crm, 30)
    ctx = make_context(hub_config(products.url, split_pipeline(processes=3)))

    result = sync(ctx, "customers")

    assert started == []
    assert (result.counts.read, result.counts.created) == (30, 30)
    assert len({c["cust_no"] for c in erp.all("customers")}) == 30
    assert set(cursors(ctx)) == {"crm#0/3", "crm#1/3", "crm#2/3"}


def test_parts_go_on_from_where_the_whole_feed_stopped(
        products: AppServer, crm: Product, erp: Product, make_context: MakeContext) -> None:
    load(crm, 50)
    whole = sync(make_context(hub_config(products.url, split_pipeline(processes=1))),
                 "customers")
    assert whole.counts.created == 50
    load(crm, 60)                                   # 10 new, 50 as they were

    split = sync(make_context(hub_config(products.url, split_pipeline())), "customers")

    assert (split.counts.read, split.counts.created) == (10, 10)
    assert len(erp.all("customers")) == 60


def test_a_source_that_cannot_split_its_feed_is_refused_by_name(
        products: AppServer, make_context: MakeContext,
        monkeypatch: pytest.MonkeyPatch) -> None:
    from connectors.builtin.connector import BuiltinConnector

    monkeypatch.setattr(BuiltinConnector, "partitioned_reads", False)
    ctx = make_context(hub_config(products.url, split_pipeline()))
    with pytest.raises(ConfigError, match="cannot split its change feed; set processes: 1"):
        sync(ctx, "customers")


def test_a_part_that_fails_fails_the_run_with_its_reason(
        products: AppServer, crm: Product, make_context: MakeContext,
        monkeypatch: pytest.MonkeyPatch) -> None:
    load(crm, 400)
    config = hub_config(products.url, split_pipeline())
    # The part's process reads hub.yaml as given: a token the CRM refuses fails it.
    monkeypatch.setattr(parts, "start", _start_with_token(parts.start, "wrong-token"))
    ctx = make_context(config)

    with pytest.raises(SyncError, match=r"part 2/2 of the run failed \(exit code 1\): .*crm"):
        sync(ctx, "customers")
    with ctx.sessions() as session:
        run = session.scalars(select(SyncRun).order_by(SyncRun.id.desc())).first()
    assert run is not None and run.status == "failed"
    assert "part 2/2" in (run.error or "")


def _start_with_token(real: Callable[..., parts.PartProcess], token: str
                      ) -> Callable[..., parts.PartProcess]:
    def start(ctx: SyncContext, pipeline: str, partition: Partition) -> parts.PartProcess:
        config = ctx.config.model_copy(deep=True)
        config.systems["crm"].settings["token"] = token
        return real(SyncContext(config=config, sessions=ctx.sessions), pipeline, partition)
    return start


def test_processes_above_one_need_a_one_way_pipeline(products: AppServer) -> None:
    pipeline = split_pipeline()
    pipeline["customers"]["direction"] = "two_way"
    with pytest.raises(ValueError, match="processes above 1 need direction one_way"):
        hub_config(products.url, pipeline)
