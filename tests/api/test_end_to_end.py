"""An existing product (the shop emulator, generic webhook connector) and the built-in
ERP kept in step through webhooks alone: no pipeline run, no polling."""

from __future__ import annotations

import threading
from decimal import Decimal
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from api_support import ADMIN, api_settings, customer, event, hub_settings, signed, wait_for
from db_support import fresh_database_url
from hub.store.tables import InboxEvent
from live_support import Live, live_setup


@pytest.fixture
def live(backend: str, database_url: str, tmp_path: Path) -> Iterator[Live]:
    for builtin_url in fresh_database_url(backend, tmp_path):
        with live_setup(database_url, builtin_url, api=api_settings(run_workers=True),
                        hub_settings=hub_settings()) as setup:
            yield setup


def order(number: str = "SO-1", **changes: object) -> dict[str, object]:
    return {"id": number, "customer": "C-1001", "date": "2026-03-01", "currency": "USD",
            "fx_rate": "7.1", "status": "draft", "note": "first order",
            "lines": [{"key": "1", "sku": "LED-9W", "qty": "800", "price": "1.25"},
                      {"key": "2", "sku": "LED-12W", "qty": "200", "price": "1.60"}],
            **changes}


def inbox_settled(live: Live) -> bool:
    with live.ctx.sessions() as session:
        statuses = list(session.scalars(select(InboxEvent.status)))
    return bool(statuses) and all(s == "processed" for s in statuses)


def test_customers_and_orders_sync_both_ways_through_webhooks(live: Live) -> None:
    shop, erp = live.shop, live.erp
    erp.upsert("products", [{"sku": "LED-9W", "item_name": "LED bulb 9W"},
                            {"sku": "LED-12W", "item_name": "LED bulb 12W"}])

    # shop → ERP: a customer, then an order, created in the shop.
    shop.change("customers", customer())
    created = wait_for(lambda: erp.find("customers", "C-1001"), what="customer in the ERP")
    assert (created["cust_name"], created["country"], created["city"]) == (
        "Lichtwerk GmbH", "DE", "Berlin")
    shop.change("orders", order())
    so = wait_for(lambda: erp.find("sales-orders", "SO-1"), what="order in the ERP")
    assert (so["cust_no"], so["currency"], so["status"]) == ("C-1001", "USD", "draft")
    assert sorted((line["line_key"], line["sku"], line["qty"]) for line in so["lines"]) == [
        ("1", "LED-9W", 800), ("2", "LED-12W", 200)]

    # ERP → shop: the ERP changes both; the shop hears through the hub.
    erp.patch("customers", created["id"], {"city": "Hamburg", "credit_limit": "50000.00"})
    wait_for(lambda: shop.records["customers"]["C-1001"].get("city") == "Hamburg",
             what="the ERP's city in the shop")
    assert Decimal(shop.records["customers"]["C-1001"]["credit_limit"]) == Decimal(50000)
    erp.patch("sales-orders", so["id"], {"status": "confirmed"})
    wait_for(lambda: shop.records["orders"]["SO-1"].get("status") == "confirmed",
             what="the ERP's order status in the shop")

    # shop → ERP again: an update, not a second record.
    shop.change("orders", {"id": "SO-1", "note": "ship by sea"})
    wait_for(lambda: (erp.find("sales-orders", "SO-1") or {}).get("remark") == "ship by sea",
             what="the order note in the ERP")
    wait_for(lambda: inbox_settled(live), what="every event processed")
    assert len(erp.feed("customers")) >= 1
    assert [k for k in shop.writes if k[0] == "customers"] == [
        ("customers", "C-1001", "updated")]
    with httpx.Client(base_url=live.hub_url, headers=ADMIN) as hub:
        links = hub.get("/admin/links/customer/by-remote/shop/C-1001").json()
        assert sorted(link["system"] for link in links["links"]) == ["erp", "shop"]
        assert hub.get("/admin/dead-letters").json()["items"] == []


def test_one_event_delivered_fifty_times_at_once_writes_once(live: Live) -> None:
    body, headers = signed(event(customer("C-2002"), event_id="evt-fifty"))
    statuses: list[str] = []
    barrier = threading.Barrier(50)

    def deliver() -> None:
        with httpx.Client(timeout=30) as client:
            barrier.wait(10)
            response = client.post(f"{live.hub_url}/webhooks/shop", content=body,
                                   headers=headers)
            statuses.append(f"{response.status_code} {response.json()['status']}")

    threads = [threading.Thread(target=deliver) for _ in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(set(statuses)) == ["202 accepted", "202 duplicate"]
    assert statuses.count("202 accepted") == 1
    wait_for(lambda: live.erp.find("customers", "C-2002"), what="the customer in the ERP")
    wait_for(lambda: inbox_settled(live), what="the event processed")
    writes = [c for c in live.erp.feed("customers") if c["data"]["cust_no"] == "C-2002"]
    assert [c["op"] for c in writes] == ["create"]
    with live.ctx.sessions() as session:
        assert list(session.scalars(select(InboxEvent.event_id)
                                    .where(InboxEvent.system == "shop"))) == ["evt-fifty"]
