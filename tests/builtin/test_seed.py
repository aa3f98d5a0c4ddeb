"""The seed fills the products over HTTP with what the demo promises, deterministically."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from hub.builtin.seed import STORY_SKU, seed
from hub.services import AppServer

TOKEN = "test-builtin-token"


def test_seed_produces_the_promised_data_and_is_idempotent(
        builtin_database_url: str, builtin_app: FastAPI) -> None:
    with AppServer(builtin_app) as server:
        summary = seed(server.url, TOKEN)
        with httpx.Client(base_url=server.url,
                          headers={"Authorization": f"Bearer {TOKEN}"}) as client:
            cursor = client.get("/erp/changes", params={"limit": 5000}).json()["next"]
            again = seed(server.url, TOKEN)
            after = client.get("/erp/changes", params={"since": cursor}).json()
            story = client.get("/erp/inventory", params={"sku": STORY_SKU}).json()["items"]
            warehouses = client.get("/erp/warehouses").json()["items"]
            products = client.get("/erp/products", params={"limit": 100}).json()["items"]

    assert summary.erp_customers >= 50 and summary.crm_accounts >= 50
    assert summary.countries >= 10
    assert summary.products == 30
    assert all(p["hs_code"] for p in products)
    assert summary.warehouses == 3 and summary.overseas_warehouses == 1
    assert [w["overseas"] for w in warehouses].count(True) == 1
    assert summary.order_currencies == ["CNY", "EUR", "USD"]
    assert summary.sales_orders >= 30 and summary.payments > 0 and summary.shipments > 0
    assert [(s["wh_code"], s["on_hand"], s["reserved"]) for s in story] == [("SH-01", 800, 0)]
    assert again == summary
    assert after["changes"] == []
