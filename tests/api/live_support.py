"""A live setup on loopback: the built-in ERP, the shop emulator and the hub API, all
served by uvicorn, wired to each other through webhooks only."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx

from api_support import BUILTIN_TOKEN, ERP_SECRET, SHOP_SECRET, hub_config
from connectors.webhook.emulator import ShopEmulator
from hub.api.app import create_app
from hub.builtin.app import create_app as create_builtin_app
from hub.services import AppServer
from hub.store.db import session_factory
from hub.sync.context import SyncContext
from hub.store.migrate import create_store_engine


class Erp:
    def __init__(self, base_url: str) -> None:
        self.client = httpx.Client(base_url=f"{base_url}/erp", timeout=30,
                                   headers={"Authorization": f"Bearer {BUILTIN_TOKEN}"})

    def find(self, resource: str, key: str) -> dict[str, Any] | None:
        response = self.client.get(f"/{resource}/by-key/{key}")
        if response.status_code == 404:
            return None
        response.raise_for_status()
        return response.json()  # type: ignore[no-any-return]

    def patch(self, resource: str, record_id: int, changes: dict[str, Any]) -> dict[str, Any]:
        response = self.client.patch(f"/{resource}/{record_id}", json=changes)
        response.raise_for_status()
        return response.json()  # type: ignore[no-any-return]

    def upsert(self, resource: str, items: list[dict[str, Any]]) -> None:
        response = self.client.post(f"/{resource}/batch-upsert", json={"items": items})
        response.raise_for_status()
        assert response.json()["summary"]["error"] == 0, response.json()

    def feed(self, resource: str) -> list[dict[str, Any]]:
        response = self.client.get("/changes", params={"since": "0", "limit": 1000,
                                                       "resource": resource})
        response.raise_for_status()
        return response.json()["changes"]  # type: ignore[no-any-return]

    def subscribe(self, url: str, resources: list[str]) -> None:
        response = self.client.post("/webhook-subscriptions", json={
            "url": url, "secret": ERP_SECRET, "resources": resources})
        assert response.status_code == 201, response.text


@dataclass
class Live:
    hub_url: str
    ctx: SyncContext
    shop: ShopEmulator
    erp: Erp


@contextmanager
def live_setup(store_url: str, builtin_url: str, *, api: Any, hub_settings: Any,
               erp_resources: tuple[str, ...] = ("customers", "sales_orders")) -> Iterator[Live]:
    products = AppServer(create_builtin_app(builtin_url, BUILTIN_TOKEN,
                                            webhook_backoff_seconds=0.05))
    shop = ShopEmulator(secret=SHOP_SECRET)
    shop_server = AppServer(shop.app)
    engine = create_store_engine(store_url)
    with products, shop_server:
        ctx = SyncContext(config=hub_config(builtin_url=products.url, shop_url=shop_server.url),
                          sessions=session_factory(engine))
        hub = AppServer(create_app(ctx, settings=hub_settings, api_settings=api))
        with hub:
            shop.hub_url = hub.url
            erp = Erp(products.url)
            erp.subscribe(f"{hub.url}/webhooks/erp", list(erp_resources))
            try:
                yield Live(hub_url=hub.url, ctx=ctx, shop=shop, erp=erp)
            finally:
                shop.close()
                erp.client.close()
        ctx.close()
    engine.dispose()
