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
