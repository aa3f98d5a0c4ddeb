"""Customers between the reference CRM and ERP, through real HTTP and a real store."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator

import pytest

from connectors.base import Batch
from connectors.builtin.connector import BuiltinConnector
from hub.errors import FatalError
from hub.services import AppServer
from hub.sync import engine
from hub.sync.config import HubConfig
from hub.sync.context import SyncContext
from sync_support import Product, hub_config, sync

MakeContext = Callable[[HubConfig], SyncContext]


def crm_accounts(n: int, start: int = 0) -> list[dict]:
    countries = ["DE", "US", "ES", "BR", "AE"]
    return [{"account_code": f"A-{i:04d}", "company_name": f"Importer {i:04d}",
             "country_code": countries[i % 5],
             "city": "Somewhere", "contacts": [{"full_name": f"Buyer {i}",
                                                "email": f"buyer{i}@example.com"}]}
            for i in range(start, start + n)]


def one_way(**extra: object) -> dict:
    return {"customers": {"entity": "customer", "source": "crm", "target": "erp",
                          "batch_size": 50, **extra}}


def test_one_way_sync_creates_each_customer_once(products: AppServer, crm: Product,
                                                 erp: Product,
                                                 make_context: MakeContext) -> None:
    crm.upsert("customers", crm_accounts(120))
    ctx = make_context(hub_config(products.url, one_way()))

    first = sync(ctx, "customers")
    assert (first.counts.read, first.counts.created, first.counts.dead_lettered) == (120, 120, 0)
    customers = erp.all("customers")
    assert len(customers) == 120
    assert sorted(c["cust_name"] for c in customers) == [f"Importer {i:04d}" for i in range(120)]
    assert len({c["cust_no"] for c in customers}) == 120

    again = sync(ctx, "customers")
    assert (again.counts.read, again.counts.writes) == (0, 0)
    assert len(erp.all("customers")) == 120


def two_way(**extra: object) -> dict:
    return {"customers": {"entity": "customer", "source": "crm", "target": "erp",
                          "direction": "two_way", "batch_size": 50,
                          "owners": {"credit_limit": "erp", "receivable_status": "erp",
                                     "contacts": "crm"}, **extra}}


def test_two_way_changes_converge_and_echoes_write_nothing(
        products: AppServer, crm: Product, erp: Product, make_context: MakeContext) -> None:
    crm.upsert("customers", crm_accounts(30))
    ctx = make_context(hub_config(products.url, two_way()))
    first = sync(ctx, "customers")
    assert first.counts.created == 30

    # The ERP filled in what it owns (receivable status) on create: that flows back once.
    settle = sync(ctx, "customers")
    assert (settle.counts.read, settle.counts.updated) == (30, 30), settle.counts
    assert {c["receivable_status"] for c in crm.all("customers")} == {"clear"}
    echo = sync(ctx, "customers")             # reads back the hub's writes to the CRM
    assert (echo.counts.read, echo.counts.writes) == (30, 0), echo.counts

    account = crm.by_key("customers", "A-0003")
    crm.patch("customers", account["id"], {"city": "Hamburg"})
    customer = erp.by_key("customers", "A-0007")
    erp.patch("customers", customer["id"], {"credit_limit": "50000.00", "city": "Madrid"})

    changed = sync(ctx, "customers")
    assert changed.counts.writes == 2, changed.counts
    assert erp.by_key("customers", "A-0003")["city"] == "Hamburg"
    crm_side = crm.by_key("customers", "A-0007")
    assert (crm_side["city"], crm_side["credit_limit"]) == ("Madrid", "50000.00")

    quiet = sync(ctx, "customers")
    assert quiet.counts.writes == 0, quiet.counts


def test_a_non_owner_change_to_an_owned_field_is_undone(
        products: AppServer, crm: Product, erp: Product, make_context: MakeContext) -> None:
    crm.upsert("customers", crm_accounts(3))
    erp.upsert("customers", [])
    ctx = make_context(hub_config(products.url, two_way()))
    sync(ctx, "customers")
    erp_side = erp.by_key("customers", "A-0001")
    erp.patch("customers", erp_side["id"], {"credit_limit": "1000.00"})
    sync(ctx, "customers")
    account = crm.by_key("customers", "A-0001")
    assert account["credit_limit"] == "1000.00"

    crm.patch("customers", account["id"], {"credit_limit": "999999.00"})
    sync(ctx, "customers")
    assert crm.by_key("customers", "A-0001")["credit_limit"] == "1000.00"
    assert erp.by_key("customers", "A-0001")["credit_limit"] == "1000.00"


def test_a_batch_planned_ahead_is_planned_again_when_it_meets_the_batch_before(
        products: AppServer, crm: Product, erp: Product, make_context: MakeContext,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The next batch is planned while the previous one is written; a record in both
    (created, then edited) must be planned again after the commit, never twice linked."""
    crm.upsert("customers", crm_accounts(4))                       # feed: A-0..A-3
    edited = crm.by_key("customers", "A-0001")
    crm.patch("customers", edited["id"], {"city": "Hamburg"})      # A-1 again, 5th change
    crm.upsert("customers", crm_accounts(3, start=4))              # A-4..A-6
    plans: list[list[str]] = []
    real_plan = engine.plan_batch

    def counting(ctx: SyncContext, spec: object, system: str, observed: list, *a: object,
                 **k: object) -> object:
        plans.append(sorted(o.record.data["account_code"] for o in observed))
        return real_plan(ctx, spec, system, observed, *a, **k)  # type: ignore[arg-type]

    monkeypatch.setattr(engine, "plan_batch", counting)
    ctx = make_context(hub_config(products.url, one_way(batch_size=4)))
    result = sync(ctx, "customers")

    second = ["A-0001", "A-0004", "A-0005", "A-0006"]
    assert plans == [["A-0000", "A-0001", "A-0002", "A-0003"], second, second]
    assert (result.counts.created, result.counts.updated, result.counts.dead_lettered) == (7, 1, 0)
    assert erp.by_key("customers", "A-0001")["city"] == "Hamburg"
    assert len(erp.all("customers")) == 7


def test_disjoint_batches_are_planned_once(
        products: AppServer, crm: Product, make_context: MakeContext,
        monkeypatch: pytest.MonkeyPatch) -> None:
    crm.upsert("customers", crm_accounts(12))
    calls: list[int] = []
    real_plan = engine.plan_batch

    def counting(*a: object, **k: object) -> object:
        calls.append(1)
        return real_plan(*a, **k)  # type: ignore[arg-type]

    monkeypatch.setattr(engine, "plan_batch", counting)
    ctx = make_context(hub_config(products.url, one_way(batch_size=4)))
    assert sync(ctx, "customers").counts.created == 12
    assert len(calls) == 3


def test_a_source_failing_while_read_ahead_loses_no_batch_and_doubles_none(
        products: AppServer, crm: Product, erp: Product, make_context: MakeContext,
        monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    """The page after the first fails once, while the first batch is being written:
    that batch still commits, and the next step reads on from its cursor."""
    crm.upsert("customers", crm_accounts(12))
    real_read = BuiltinConnector.read_changes
    cursors: list[str | None] = []
    failures: list[str | None] = []

    def failing_once(self: BuiltinConnector, entity: str, cursor: str | None, *,
                     batch_size: int = 500) -> Iterator[Batch]:
        cursors.append(cursor)
        for batch in real_read(self, entity, cursor, batch_size=batch_size):
            yield batch
            if not failures:
                failures.append(batch.cursor)
                raise FatalError("the CRM went away mid-feed", system="crm")

    monkeypatch.setattr(BuiltinConnector, "read_changes", failing_once)
    ctx = make_context(hub_config(products.url, one_way(batch_size=4)))
    with caplog.at_level(logging.WARNING, logger="hub.sync.engine"):
        result = sync(ctx, "customers")

    assert any(r.getMessage() == "reading ahead failed" for r in caplog.records)
    assert len(failures) == 1
    assert cursors == [None, failures[0]]          # read again from the first batch's cursor
    assert (result.counts.read, result.counts.created, result.counts.dead_lettered) == (12, 12, 0)
    assert sorted(c["cust_no"] for c in erp.all("customers")) == [f"A-{i:04d}" for i in range(12)]
