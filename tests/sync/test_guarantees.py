"""The engine's guarantees, each against the reference products on loopback."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select, update

from hub.errors import PipelineBusyError
from hub.services import AppServer
from hub.store.tables import Conflict, DeadLetter, PipelineLock, SyncRun
from hub.sync import engine, lock
from hub.sync.config import HubConfig
from hub.sync.context import SyncContext
from hub.sync.replay import replay_dead_letters
from sync_support import REPO, Product, hub_config, sync, system

MakeContext = Callable[[HubConfig], SyncContext]


def accounts(n: int) -> list[dict]:
    return [{"account_code": f"A-{i:04d}", "company_name": f"Importer {i:04d}",
             "country_code": "DE", "account_owner": "anna"} for i in range(n)]


def pipeline(direction: str = "two_way", **extra: object) -> dict:
    return {"customers": {"entity": "customer", "source": "crm", "target": "erp",
                          "direction": direction, "batch_size": 20,
                          "owners": {"receivable_status": "erp", "contacts": "crm"},
                          **extra}}


def change_city_on_both_sides(crm: Product, erp: Product, key: str, *,
                              erp_last: bool = True) -> None:
    crm_id, erp_id = crm.by_key("customers", key)["id"], erp.by_key("customers", key)["id"]
    edits = [(crm, crm_id, "Hamburg"), (erp, erp_id, "Munich")]
    for product, record_id, city in (edits if erp_last else edits[::-1]):
        product.patch("customers", record_id, {"city": city})


def settled(ctx: SyncContext) -> None:
    for _ in range(3):
        if sync(ctx, "customers").counts.writes == 0:
            return
    raise AssertionError("pipeline did not settle")


@pytest.mark.parametrize("policy, crm_wins", [("owner_wins", True), ("newest_wins", False)])
def test_conflict_policies_pick_one_value_for_both_sides(
        policy: str, crm_wins: bool, products: AppServer, crm: Product, erp: Product,
        make_context: MakeContext) -> None:
    crm.upsert("customers", accounts(3))
    ctx = make_context(hub_config(products.url, pipeline(conflict_policy=policy)))
    settled(ctx)
    change_city_on_both_sides(crm, erp, "A-0001", erp_last=True)

    result = sync(ctx, "customers")
    assert result.counts.conflicts == 1
    winner = "Hamburg" if crm_wins else "Munich"
    assert crm.by_key("customers", "A-0001")["city"] == winner
    assert erp.by_key("customers", "A-0001")["city"] == winner
    settled(ctx)


def test_manual_conflicts_are_parked_with_both_values_then_resolved(
        products: AppServer, crm: Product, erp: Product, make_context: MakeContext) -> None:
    crm.upsert("customers", accounts(3))
    ctx = make_context(hub_config(products.url, pipeline(conflict_policy="manual")))
    settled(ctx)
    change_city_on_both_sides(crm, erp, "A-0002")

    sync(ctx, "customers")
    sync(ctx, "customers")                    # seeing it again parks nothing new
    with ctx.sessions() as session:
        [conflict] = session.scalars(select(Conflict)).all()
        assert (conflict.field, conflict.status) == ("city", "open")
        assert conflict.values == {"crm": "Hamburg", "erp": "Munich"}
    assert crm.by_key("customers", "A-0002")["city"] == "Hamburg"   # nobody overwritten
    assert erp.by_key("customers", "A-0002")["city"] == "Munich"

    with ctx.sessions() as session, session.begin():
        parked = session.get(Conflict, conflict.id)
        assert parked is not None
        parked.status, parked.resolved_value = "resolved", "Munich"
    sync(ctx, "customers")
    assert crm.by_key("customers", "A-0002")["city"] == "Munich"
    with ctx.sessions() as session:
        assert session.get(Conflict, conflict.id).status == "applied"  # type: ignore[union-attr]
    settled(ctx)


def broken_crm_mappings(tmp_path: Path, reps: dict[str, str]) -> Path:
    folder = tmp_path / "crm-mappings"
    shutil.rmtree(folder, ignore_errors=True)
    shutil.copytree(REPO / "mappings" / "builtin" / "crm", folder)
    customer = folder / "customer.yaml"
    text = customer.read_text(encoding="utf-8")
    table = ", ".join(f"{k}: {v}" for k, v in reps.items())
    text = text.replace("fields:\n", f"lookups:\n  reps:\n    values: {{{table}}}\nfields:\n", 1)
    text = text.replace("{canonical: sales_rep, remote: account_owner}",
                        "{canonical: sales_rep, remote: account_owner, direction: inbound, "
                        "inbound: [{lookup: reps}]}")
    customer.write_text(text, encoding="utf-8")
    (folder / "lookups").mkdir(exist_ok=True)
    return folder


def test_unmappable_records_are_dead_lettered_and_replayed_after_the_fix(
        products: AppServer, crm: Product, erp: Product, make_context: MakeContext,
        tmp_path: Path) -> None:
    records = accounts(5)
    records[3]["account_owner"] = "bob"      # the lookup knows only anna
    crm.upsert("customers", records)
    folder = broken_crm_mappings(tmp_path, {"anna": "Anna Li"})
    config = hub_config(products.url, pipeline("one_way"),
                        crm=system("crm", products.url, folder))
    ctx = make_context(config)

    result = sync(ctx, "customers")
    assert (result.counts.created, result.counts.dead_lettered) == (4, 1)
    with ctx.sessions() as session:
        [letter] = session.scalars(select(DeadLetter)).all()
    assert letter.remote_id == str(crm.by_key("customers", "A-0003")["id"])
    assert letter.status == "open"
    assert letter.payload["raw"]["account_owner"] == "bob"
    assert "bob" in letter.error and "sales_rep" in letter.error
    with pytest.raises(httpx.HTTPStatusError, match="404"):
        erp.by_key("customers", "A-0003")

    broken_crm_mappings(tmp_path, {"anna": "Anna Li", "bob": "Bob Wang"})
    replayed = replay_dead_letters(ctx, "customers")
    assert (replayed.created, replayed.dead_lettered) == (1, 0)
    assert erp.by_key("customers", "A-0003")["sales_rep"] == "Bob Wang"
    with ctx.sessions() as session:
        assert session.get(DeadLetter, letter.id).status == "replayed"  # type: ignore[union-attr]


def test_one_runner_per_pipeline(products: AppServer, crm: Product,
                                 make_context: MakeContext) -> None:
    crm.upsert("customers", accounts(2))
    ctx = make_context(hub_config(products.url, pipeline("one_way")))
    lock.acquire(ctx.sessions, "customers", "another-worker")
    with pytest.raises(PipelineBusyError, match="already running"):
        sync(ctx, "customers")
    with ctx.sessions() as session:
        assert session.scalar(select(func.count()).select_from(SyncRun)) == 0
    lock.release(ctx.sessions, "customers", "another-worker")
    assert sync(ctx, "customers").counts.created == 2


def test_a_dead_runners_lock_expires_and_is_taken_over(products: AppServer,
                                                       make_context: MakeContext) -> None:
    ctx = make_context(hub_config(products.url, pipeline("one_way")))
    lock.acquire(ctx.sessions, "customers", "crashed-worker", ttl=timedelta(seconds=-1))
    assert sync(ctx, "customers").status == "completed"


def test_deletes_propagate_as_archive(products: AppServer, crm: Product, erp: Product,
                                      make_context: MakeContext) -> None:
    crm.upsert("customers", accounts(3))
    ctx = make_context(hub_config(products.url, pipeline("one_way", delete_policy="archive")))
    sync(ctx, "customers")
    doomed = crm.by_key("customers", "A-0002")["id"]
    assert crm.client.delete(f"/customers/{doomed}", params={"hard": True}).status_code in (200, 204)
    result = sync(ctx, "customers")
    assert result.counts.deleted == 1
    assert erp.by_key("customers", "A-0002")["archived"] is True
    assert erp.by_key("customers", "A-0001")["archived"] is False


def test_a_run_that_lost_its_lock_stops_before_its_next_batch(
        products: AppServer, crm: Product, erp: Product, make_context: MakeContext,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Its lock expired (a step outlived the TTL) and another runner took it: the
    heartbeat before the next batch finds out, and nothing more is written."""
    crm.upsert("customers", accounts(60))                 # three batches of 20
    ctx = make_context(hub_config(products.url, pipeline("one_way")))
    monkeypatch.setattr(engine, "HEARTBEAT_SECONDS", 0.0)  # as if each step took long
    real_refresh = lock.refresh
    refreshes: list[str] = []

    def taken_over_before_the_second_batch(factory: Any, pipeline_name: str,
                                           holder: str) -> None:
        refreshes.append(holder)
        if len(refreshes) == 2:
            with factory() as session, session.begin():
                session.execute(update(PipelineLock).values(holder="another-worker"))
        real_refresh(factory, pipeline_name, holder)

    monkeypatch.setattr(lock, "refresh", taken_over_before_the_second_batch)
    with pytest.raises(PipelineBusyError, match="lost its lock"):
        sync(ctx, "customers")
    assert len(erp.all("customers")) == 20


def test_a_run_extends_its_lock_on_a_clock_not_every_batch(
        products: AppServer, crm: Product, make_context: MakeContext,
        monkeypatch: pytest.MonkeyPatch) -> None:
    crm.upsert("customers", accounts(60))
    ctx = make_context(hub_config(products.url, pipeline("one_way")))
    refreshed: list[str] = []
    monkeypatch.setattr(lock, "refresh", lambda factory, name, holder: refreshed.append(name))
    assert sync(ctx, "customers").counts.created == 60
    assert refreshed == []          # three batches, well inside HEARTBEAT_SECONDS
