"""Customers between the reference CRM and ERP, through real HTTP and a real store."""

from __future__ import annotations

from collections.abc import Callable

from hub.services import AppServer
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
