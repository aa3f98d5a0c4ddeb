"""The Kingdee example's world: servers on loopback, CRM data, and what ERP users do.

Shared by ``run.py`` (the one-command demo) and the end-to-end tests, so the tests
exercise exactly the configuration and data a user runs. Everything talks over real
HTTP: the reference CRM through its REST API, the K3Cloud emulator through the WebAPI
(signed calls) and, for documents the WebAPI cannot create (stock, deliveries,
receipts), through the emulator's seed endpoint.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from connectors.emulate import serve_in_thread
from connectors.kingdee import KingdeeConfig
from connectors.kingdee.client import KingdeeClient
from connectors.kingdee.emulator import Credentials, create_app
from hub.builtin.app import create_app as create_builtin_app
from hub.services import AppServer
from hub.sync.config import HubConfig
from hub.sync.hubfile import load_hub_config

HERE = Path(__file__).resolve().parent
HUB_FILE = HERE / "hub.yaml"
TOKEN = "dev-builtin-token"
PIPELINES = ("customers", "orders", "inventory", "deliveries", "receipts")

MATERIALS = [("LED-A60-9W", "LED lamp A60 9W"), ("LED-T8-18W", "LED tube T8 18W"),
             ("LED-PNL-36W", "LED panel 36W")]
STOCKS = ["CK001", "CK002"]


def environment(builtin_url: str, kingdee_url: str) -> dict[str, str]:
    """The ${ENV} values hub.yaml reads; the secrets keep their emulator defaults."""
    return {"TRADEHUB_BUILTIN_URL": builtin_url, "TRADEHUB_BUILTIN_TOKEN": TOKEN,
            "KINGDEE_SERVER_URL": f"{kingdee_url}/k3cloud/"}


def load_config(builtin_url: str, kingdee_url: str,
                kingdee_settings: Mapping[str, Any] | None = None) -> HubConfig:
    """examples/kingdee/hub.yaml as a user loads it, pointed at these servers."""
    config = load_hub_config(HUB_FILE, environ=environment(builtin_url, kingdee_url))
    config.systems["kingdee"].settings.update(kingdee_settings or {})
    return config


# -- the CRM's data ---------------------------------------------------------------------
def crm_accounts(n: int = 3) -> list[dict[str, Any]]:
    countries = ["DE", "US", "AE", "BR", "ES"]
    return [{"account_code": f"C{i:04d}", "company_name": f"Importer {i:04d} GmbH",
             "country_code": countries[i % len(countries)], "city": "Hamburg",
             "contacts": [{"full_name": f"Buyer {i}", "email": f"buyer{i}@example.com"}]}
            for i in range(1, n + 1)]


def crm_order(number: str, account: str, lines: int = 3) -> dict[str, Any]:
    return {"doc_no": number, "doc_type": "order", "account_code": account,
            "doc_date": "2026-03-02", "currency": "USD", "incoterm": "FOB",
            "lines": [{"line_key": str(10 * (i + 1)), "sku": MATERIALS[i][0],
                       "product_name": MATERIALS[i][1], "qty": 100 * (i + 1),
                       "unit_price": f"{2.5 + i:.2f}"} for i in range(lines)]}


class Crm:
    """A user's hands on the reference CRM's REST API."""

    def __init__(self, base_url: str) -> None:
        self.client = httpx.Client(base_url=f"{base_url}/crm", timeout=30,
                                   headers={"Authorization": f"Bearer {TOKEN}"})

    def upsert(self, resource: str, items: list[dict[str, Any]]) -> None:
        response = self.client.post(f"/{resource}/batch-upsert", json={"items": items})
        response.raise_for_status()
        refused = [r for r in response.json()["results"] if r["outcome"] == "error"]
        if refused:
            raise RuntimeError(f"the CRM refused {resource}: {refused[:2]}")

    def by_key(self, resource: str, key: str) -> dict[str, Any]:
        response = self.client.get(f"/{resource}/by-key/{key}")
        response.raise_for_status()
        return response.json()  # type: ignore[no-any-return]

    def patch(self, resource: str, key: str, changes: dict[str, Any]) -> dict[str, Any]:
        record_id = self.by_key(resource, key)["id"]
        response = self.client.patch(f"/{resource}/{record_id}", json=changes)
        response.raise_for_status()
        return response.json()  # type: ignore[no-any-return]

    def close(self) -> None:
        self.client.close()


# -- what ERP users do in K3Cloud -------------------------------------------------------------
class KingdeeDesk:
    """An ERP user at K3Cloud: saves and audits over the WebAPI, seeds read-only forms."""

    def __init__(self, url: str) -> None:
        creds = Credentials()
        self.url = url
        self.client = KingdeeClient(KingdeeConfig(
            server_url=f"{url}/k3cloud/", acct_id=creds.acct_id, username=creds.username,
            app_id=creds.app_id, app_secret=creds.app_secret), system="kingdee-desk")

    def close(self) -> None:
        self.client.close()

    def seed(self, form_id: str, documents: list[dict[str, Any]]) -> list[Any]:
        response = httpx.post(f"{self.url}/__emulator__/seed",
                              json={"form_id": form_id, "documents": documents}, timeout=30)
        response.raise_for_status()
        return list(response.json()["ids"])

    def materials(self) -> None:
        rows = self.client.batch_save("BD_MATERIAL", [
            {"FMATERIALID": 0, "FNumber": sku, "FName": name,
             "FCreateOrgId": {"FNumber": "100"}, "FUseOrgId": {"FNumber": "100"}}
            for sku, name in MATERIALS])
        assert all(row.ok for row in rows), [row.message for row in rows]

    def stock(self, sku: str, stock: str, qty: float, available: float) -> list[Any]:
        return self.seed("STK_Inventory", [{
            "FMaterialId": {"FNumber": sku}, "FStockId": {"FNumber": stock},
            "FStockOrgId": {"FNumber": "100"}, "FBaseQty": qty, "FQty": qty,
            "FBaseAvbQty": available}])

    def deliver(self, bill_no: str, order_no: str, customer: str,
                lines: list[tuple[str, float]], waybill: str) -> None:
        self.seed("SAL_OUTSTOCK", [{
            "FBillNo": bill_no, "FDate": "2026-03-10T09:30:00",
            "FCustomerID": {"FNumber": customer}, "FSaleOrgId": {"FNumber": "100"},
            "FCarriageNO": waybill, "FDocumentStatus": "C",
            "FEntity": [{"FMaterialID": {"FNumber": sku}, "FRealQty": qty,
                         "FSoorDerno": order_no} for sku, qty in lines]}])

    def receive(self, bill_no: str, order_no: str, customer: str, amount: float,
                rate: float = 7.1) -> None:
        self.seed("AR_RECEIVEBILL", [{
            "FBillNo": bill_no, "FDate": "2026-03-12T00:00:00",
            "FCONTACTUNIT": {"FNumber": customer}, "FCURRENCYID": {"FNumber": "PRE007"},
            "FRECAMOUNTFOR": amount, "FRECEIVEAMOUNT": round(amount * rate, 2),
            "FEXCHANGERATE": rate, "FSALEORDERNO": order_no, "FDocumentStatus": "C"}])

    def set_credit(self, customer: str, limit: float, ar_status: str) -> None:
        """Finance sets what the ERP owns (the custom fields the mapping reads)."""
        found = self.client.view("BD_Customer", number=customer)
        assert found is not None, f"no K3Cloud customer {customer}"
        row = self.client.save("BD_Customer", {"FCUSTID": found["FCUSTID"],
                                               "F_TH_CreditLimit": limit,
                                               "F_TH_ARStatus": ar_status},
                               need_update_fields=["F_TH_CreditLimit", "F_TH_ARStatus"])
        assert row.ok, row.message

    def audit_order(self, bill_no: str) -> None:
        for step in (self.client.submit, self.client.audit):
            [row] = step("SAL_SaleOrder", numbers=[bill_no])
            assert row.ok, row.message


# -- servers ------------------------------------------------------------------------------
@dataclass
class Servers:
    builtin_url: str
    kingdee_url: str
    kingdee_app: Any


@contextmanager
def serve(builtin_database_url: str, kingdee_app: Any = None) -> Iterator[Servers]:
    """The reference products and a K3Cloud emulator, each on a loopback port."""
    app = kingdee_app or create_app()
    products = AppServer(create_builtin_app(builtin_database_url, TOKEN,
                                            webhook_max_attempts=1))
    with products, serve_in_thread(app) as kingdee_url:
        yield Servers(products.url, kingdee_url, app)
