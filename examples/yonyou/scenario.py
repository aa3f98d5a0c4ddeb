"""The Yonyou example's world: servers on loopback, CRM data, and what ERP users do.

Shared by ``run.py`` (the one-command demo) and the end-to-end tests. The reference CRM
is reached through its REST API, the YonBIP emulator through the open API (signed
token, gateway discovery); stock, sales-outs and receipt bills, which the hub only
reads, through the emulator's control endpoints, and an approval (nextStatus) as
YonBIP's workflow would set it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from connectors.emulate import free_port, serve_in_thread
from connectors.yonyou import YonyouConfig
from connectors.yonyou.client import YonyouClient
from connectors.yonyou.emulator import Credentials, Emulator, create_app
from examples.kingdee.scenario import TOKEN, Crm, crm_accounts, crm_order
from hub.builtin.app import create_app as create_builtin_app
from hub.services import AppServer
from hub.sync.config import HubConfig
from hub.sync.hubfile import load_hub_config

__all__ = ["Crm", "crm_accounts", "crm_order", "YonyouDesk", "load_config", "serve",
           "PIPELINES", "Servers"]

HERE = Path(__file__).resolve().parent
HUB_FILE = HERE / "hub.yaml"
PIPELINES = ("customers", "orders", "inventory", "deliveries", "receipts")
DISCOVERY = "/open-auth/dataCenter/getGatewayAddress"


def environment(builtin_url: str, yonyou_url: str) -> dict[str, str]:
    return {"TRADEHUB_BUILTIN_URL": builtin_url, "TRADEHUB_BUILTIN_TOKEN": TOKEN,
            "YONYOU_DISCOVERY_URL": f"{yonyou_url}{DISCOVERY}"}


def load_config(builtin_url: str, yonyou_url: str,
                yonyou_settings: Mapping[str, Any] | None = None) -> HubConfig:
    """examples/yonyou/hub.yaml as a user loads it, pointed at these servers."""
    config = load_hub_config(HUB_FILE, environ=environment(builtin_url, yonyou_url))
    config.systems["yonyou"].settings.update(yonyou_settings or {})
    return config


class YonyouDesk:
    """An ERP user at YonBIP."""

    def __init__(self, url: str, app: Any) -> None:
        creds = Credentials()
        self.url = url
        self.emulator: Emulator = app.state.emulator
        self.client = YonyouClient(YonyouConfig(
            tenant_id=creds.tenant_id, app_key=creds.app_key, app_secret=creds.app_secret,
            gateway_discovery_url=f"{url}{DISCOVERY}"), system="yonyou-desk")

    def close(self) -> None:
        self.client.close()

    def merchant(self, code: str) -> dict[str, Any]:
        with self.emulator.lock:
            return next(dict(m) for m in self.emulator.store.merchants.values()
                        if m.get("code") == code)

    def set_credit(self, code: str, limit: float, ar_status: str) -> None:
        """Credit control fills the merchant's characteristics (an update over the API)."""
        merchant = self.merchant(code)
        out = self.client.call("POST", "/yonbip/digitalModel/batch/merchant/save", body={
            "data": [{"id": merchant["id"], "_status": "Update", "merchantCharacterDefine": {
                "creditLimit": limit, "arStatus": ar_status}}]})
        assert not int(out.get("failCount") or 0), out

    def approve_order(self, code: str, next_status: str = "CONFIRMORDER") -> None:
        """What YonBIP's approval flow does to an order: its next status and pubts move."""
        with self.emulator.lock:
            store = self.emulator.store
            order = next(o for o in store.orders.values() if o.get("code") == code)
            order["nextStatus"] = next_status
            order["pubts"] = store.pubts()

    def stock(self, rows: list[dict[str, Any]]) -> None:
        httpx.post(f"{self.url}/__emulator__/stock", json={"rows": rows},
                   timeout=30).raise_for_status()

    def seed(self, document: str, documents: list[dict[str, Any]]) -> list[str]:
        response = httpx.post(f"{self.url}/__emulator__/seed",
                              json={"document": document, "documents": documents}, timeout=30)
        response.raise_for_status()
        return list(response.json()["ids"])

    def deliver(self, code: str, order: str, customer: str, lines: list[tuple[str, float]],
                waybill: str, carrier: str = "COSCO Shipping") -> list[str]:
        """The warehouse ships an order: an audited sales-out pushed down from it."""
        return self.seed("salesout", [{
            "code": code, "vouchdate": "2026-03-10 09:30:00", "cust": customer,
            "srcBillNO": order, "srcBillType": "2", "iLogisticId_name": carrier,
            "cLogisticsBillNo": waybill, "status": 1,
            "details": [{"product_cCode": sku, "productsku_cCode": sku, "qty": qty,
                         "upcode": order, "firstupcode": order} for sku, qty in lines]}])

    def receive(self, code: str, order: str, customer: str, amount: float,
                rate: float = 7.1, currency: str = "美元") -> list[str]:
        """Finance records money in against an order: a receipt bill (收款单)."""
        return self.seed("receivebill", [{
            "code": code, "vouchdate": "2026-03-12 00:00:00", "customer_code": customer,
            "orderno": order, "currency_name": currency, "natCurrency_name": "人民币",
            "exchRate": rate, "oriSum": amount, "natSum": round(amount * rate, 2),
            "status": 1, "auditstatus": 1,
            "ReceiveBill_b": [{"oriSum": amount, "natSum": round(amount * rate, 2),
                               "customer_code": customer, "orderno": order}]}])

    def events(self) -> list[dict[str, Any]]:
        return list(httpx.get(f"{self.url}/__emulator__/events", timeout=30).json())


def stock_row(sku: str, warehouse: str, qty: float, available: float) -> dict[str, Any]:
    return {"org": "991", "warehouse_code": warehouse, "warehouse_name": warehouse,
            "product_code": sku, "productsku_code": sku, "currentqty": qty,
            "availableqty": available, "batchno": None}


@dataclass
class Servers:
    builtin_url: str
    yonyou_url: str
    yonyou_app: Any


@contextmanager
def serve(builtin_database_url: str) -> Iterator[Servers]:
    """The reference products and a YonBIP emulator, each on a loopback port."""
    port = free_port()
    app = create_app(base_url=f"http://127.0.0.1:{port}")
    products = AppServer(create_builtin_app(builtin_database_url, TOKEN,
                                            webhook_max_attempts=1))
    with products, serve_in_thread(app, port=port) as yonyou_url:
        yield Servers(products.url, yonyou_url, app)
