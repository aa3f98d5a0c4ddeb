"""Fill the reference CRM, ERP and OA with demo data over HTTP, as a user would.

Deterministic (``random.Random(42)``) and idempotent: every write is a batch upsert
by natural key, so seeding twice leaves the second run all "unchanged". The LED
lamp of the demo story (``LED-A60-9W``) has exactly 800 on hand and no seeded order
touches it.
"""

from __future__ import annotations

import logging
import random
import unicodedata
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

import httpx
from pydantic import BaseModel

from hub.builtin import seed_data as data
from hub.errors import TradeHubError

log = logging.getLogger(__name__)

STORY_SKU = "LED-A60-9W"
STORY_STOCK = 800
BASE_DAY = date(2026, 1, 5)


class SeedError(TradeHubError):
    code = "seed-error"


class SeedSummary(BaseModel):
    erp_customers: int
    crm_accounts: int
    countries: int
    products: int
    warehouses: int
    overseas_warehouses: int
    inventory_rows: int
    sales_orders: int
    order_currencies: list[str]
    payments: int
    shipments: int
    purchase_requests: int
    leads: int
    crm_orders: int
    approvals: int
    work_orders: int


class _Seeder:
    def __init__(self, client: httpx.Client) -> None:
        self.client = client
        self.rng = random.Random(42)

    def upsert(self, app: str, path: str, items: list[dict[str, Any]]) -> int:
        response = self.client.post(f"/{app}/{path}/batch-upsert", json={"items": items})
        if response.status_code != 200:
            raise SeedError(f"{app}/{path}: {response.status_code} {response.text[:300]}")
        refused = [r for r in response.json()["results"] if r["outcome"] == "error"]
        if refused:
            raise SeedError(f"{app}/{path} refused {len(refused)} items, first: {refused[0]}")
        return len(items)

    def count(self, app: str, path: str) -> int:
        response = self.client.get(f"/{app}/{path}", params={"limit": 1})
        response.raise_for_status()
        return int(response.json()["total"])


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(c for c in ascii_text.lower() if c.isalnum())[:14] or "trade"


def _at(day: date, hour: int = 9) -> str:
    return datetime.combine(day, time(hour), tzinfo=timezone.utc).isoformat()


def seed(base_url: str, token: str, *, timeout: float = 60.0) -> SeedSummary:
    with httpx.Client(base_url=base_url.rstrip("/"), timeout=timeout,
                      headers={"Authorization": f"Bearer {token}"}) as client:
        s = _Seeder(client)
        customers = _seed_master_data(s)
        orders = _seed_sales(s, customers)
        _seed_crm(s, customers, orders)
        _seed_oa(s)
        summary = SeedSummary(
            erp_customers=s.count("erp", "customers"), crm_accounts=s.count("crm", "customers"),
            countries=len({c["country"] for c in customers}),
            products=s.count("erp", "products"), warehouses=s.count("erp", "warehouses"),
            overseas_warehouses=sum(1 for w in data.WAREHOUSES if w[4]),
            inventory_rows=s.count("erp", "inventory"),
            sales_orders=s.count("erp", "sales-orders"),
            order_currencies=sorted({o["currency"] for o in orders}),
            payments=s.count("erp", "payments"), shipments=s.count("erp", "shipments"),
            purchase_requests=s.count("erp", "purchase-requests"),
            leads=s.count("crm", "leads"), crm_orders=s.count("crm", "orders"),
            approvals=s.count("oa", "approvals"), work_orders=s.count("oa", "work-orders"))
    log.info("seeded reference systems", extra={"summary": summary.model_dump()})
    return summary


def _seed_master_data(s: _Seeder) -> list[dict[str, Any]]:
    s.upsert("erp", "warehouses", [
        {"wh_code": code, "wh_name": name, "country": country, "city": city, "overseas": overseas}
        for code, name, country, city, overseas in data.WAREHOUSES])
    s.upsert("erp", "products", [
        {"sku": sku, "item_name": name, "item_name_cn": name_cn, "hs_code": hs, "uom": "pcs",
         "category": category, "std_price": price, "price_ccy": "USD", "net_wt_kg": net,
         "gross_wt_kg": gross, "pcs_per_ctn": per_ctn, "moq": per_ctn * 10,
         "supplier": f"Zhejiang {category.split()[0]} Manufacturing Co., Ltd"}
        for sku, name, name_cn, hs, category, price, net, gross, per_ctn in data.PRODUCTS])
    stock = []
    for sku, *_ in data.PRODUCTS:
        if sku == STORY_SKU:
            stock.append({"sku": sku, "wh_code": "SH-01", "on_hand": STORY_STOCK})
            continue
        for code, *_rest in data.WAREHOUSES:
            if code == "RTM-01" and s.rng.random() < 0.5:
                continue
            stock.append({"sku": sku, "wh_code": code, "on_hand": s.rng.randrange(2000, 20001, 100),
                          "in_transit": s.rng.choice([0, 0, 500, 1000])})
    s.upsert("erp", "inventory", stock)

    customers = []
    for n, (company, local, country, city, currency, _pod) in enumerate(data.IMPORTERS, 1):
        first, last = s.rng.choice(data.FIRST_NAMES), s.rng.choice(data.LAST_NAMES)
        customers.append({
            "cust_no": f"C-{n:04d}", "cust_name": company, "cust_name_local": local,
            "country": country, "city": city, "currency": currency,
            "contact_person": f"{first} {last}",
            "contact_email": f"{_slug(first)}.{_slug(last)}@{_slug(company)}.example.com",
            "payment_terms": s.rng.choice(["T/T", "T/T", "L/C", "D/P"]),
            "incoterm": s.rng.choice(["FOB", "CIF", "CFR", "EXW"]),
            "credit_limit": str(s.rng.randrange(20_000, 300_001, 5_000)),
            "sales_rep": s.rng.choice(data.SALES_REPS)})
    s.upsert("erp", "customers", customers)
    return customers


def _seed_sales(s: _Seeder, customers: list[dict[str, Any]]) -> list[dict[str, Any]]:
    skus = [p for p in data.PRODUCTS if p[0] != STORY_SKU]
    statuses = ["draft", "confirmed", "in_production", "shipped", "shipped", "delivered"]
    orders, shipments, payments = [], [], []
    for n in range(1, 43):
        customer = customers[(n * 7) % len(customers)]
        currency = ["USD", "EUR", "CNY"][n % 3]
        day = BASE_DAY + timedelta(days=n * 3)
        lines = []
        for k, product in enumerate(s.rng.sample(skus, s.rng.randint(1, 4)), 1):
            usd = float(product[5]) * s.rng.uniform(0.95, 1.25)
            price = usd * float(data.FX_TO_CNY["USD"]) / float(data.FX_TO_CNY[currency])
            lines.append({"line_key": str(k * 10), "sku": product[0],
                          "qty": s.rng.randrange(100, 1001, 50), "price": f"{price:.2f}"})
        status = statuses[n % len(statuses)]
        order = {"so_no": f"SO-2026-{n:04d}", "cust_no": customer["cust_no"],
                 "order_date": day.isoformat(), "currency": currency,
                 "fx_rate": data.FX_TO_CNY[currency], "incoterm": customer["incoterm"],
                 "pay_terms": "T/T", "pay_days": s.rng.choice([30, 60, 90]), "pol": "Shanghai",
                 "pod": data.IMPORTERS[int(customer["cust_no"][2:]) - 1][5], "status": status,
                 "lines": lines}
        orders.append(order)
        if status in ("shipped", "delivered"):
            shipments.append(_shipment(s, order, day))
            total = sum(float(ln["price"]) * ln["qty"] for ln in lines)
            share = s.rng.choice([0.3, 1.0, 1.0]) if status == "delivered" else 0.3
            payments.append({
                "pay_no": f"PAY-{n:04d}", "so_no": order["so_no"],
                "cust_no": order["cust_no"], "received_on": (day + timedelta(days=20)).isoformat(),
                "amount": f"{total * share:.2f}", "currency": currency,
                "fx_rate": data.FX_TO_CNY[currency], "method": "T/T",
                "bank_ref": f"TT{n:06d}"})
    s.upsert("erp", "sales-orders", orders)
    s.upsert("erp", "shipments", shipments)
    s.upsert("erp", "payments", payments)
    return orders


def _shipment(s: _Seeder, order: dict[str, Any], day: date) -> dict[str, Any]:
    etd = day + timedelta(days=14)
    eta = etd + timedelta(days=s.rng.randint(18, 40))
    delivered = order["status"] == "delivered"
    events = [{"at": _at(etd - timedelta(days=2)), "status": "loaded", "location": "Shanghai"},
              {"at": _at(etd), "status": "departed", "location": "Shanghai"}]
    if delivered:
        events += [{"at": _at(eta), "status": "arrived", "location": order["pod"]},
                   {"at": _at(eta + timedelta(days=4)), "status": "delivered",
                    "location": order["pod"]}]
    number = order["so_no"].split("-")[-1]
    return {"ship_no": f"SHP-{number}", "so_no": order["so_no"],
            "carrier": s.rng.choice(data.CARRIERS), "bl_no": f"SHA{s.rng.randrange(10**8):08d}",
            "containers": [f"CSLU{s.rng.randrange(10**7):07d}"],
            "vessel": s.rng.choice(data.VESSELS), "voyage": f"{s.rng.randint(100, 999)}W",
            "pol": "Shanghai", "pod": order["pod"], "etd": _at(etd), "eta": _at(eta),
            "status": "delivered" if delivered else "departed",
            "lines": [{"sku": ln["sku"], "qty": ln["qty"]} for ln in order["lines"]],
            "events": events}


def _seed_crm(s: _Seeder, customers: list[dict[str, Any]], orders: list[dict[str, Any]]) -> None:
    accounts = []
    for c in customers:
        # One customer number across the company: the CRM account code is the ERP's.
        accounts.append({
            "account_code": c["cust_no"], "company_name": c["cust_name"],
            "legal_name": c["cust_name_local"], "country_code": c["country"], "city": c["city"],
            "erp_cust_no": c["cust_no"], "account_owner": c["sales_rep"],
            "currency": c["currency"], "grade": s.rng.choice(["A", "B", "B", "C"]),
            "industry": "Lighting & electrical wholesale",
            "contacts": [{"full_name": c["contact_person"], "email": c["contact_email"],
                          "primary": True}]})
    s.upsert("crm", "customers", accounts)
    leads = []
    for n in range(1, 13):
        importer = data.IMPORTERS[(n * 5) % len(data.IMPORTERS)]
        source = ["whatsapp", "email", "trade_show", "web"][n % 4]
        product = s.rng.choice(data.PRODUCTS)
        leads.append({
            "lead_ref": f"L-{n:04d}", "source": source,
            "status": s.rng.choice(["new", "contacted", "qualified"]),
            "company": importer[0], "contact_name": f"{s.rng.choice(data.FIRST_NAMES)} "
                                                    f"{s.rng.choice(data.LAST_NAMES)}",
            "whatsapp_id": f"+4915{s.rng.randrange(10**8):08d}" if source == "whatsapp" else None,
            "country_code": importer[2],
            "message": f"Please quote {product[1]}, price and lead time.",
            "inquiry_items": [{"product": product[1], "qty": s.rng.randrange(500, 5001, 500),
                               "uom": "pcs"}],
            "assigned_rep": s.rng.choice(data.SALES_REPS),
            "received_at": _at(BASE_DAY + timedelta(days=n))})
    s.upsert("crm", "leads", leads)
    quotes = []
    for order in orders[:10]:
        quotes.append({
            "doc_no": f"Q-{order['so_no'][3:]}", "doc_type": "quote",
            "account_code": order["cust_no"], "doc_date": order["order_date"],
            "currency": order["currency"], "incoterm": order["incoterm"],
            "quote_status": "accepted" if order["status"] != "draft" else "sent",
            "lines": [{"line_key": ln["line_key"], "sku": ln["sku"], "qty": ln["qty"],
                       "unit_price": ln["price"]} for ln in order["lines"]]})
    s.upsert("crm", "orders", quotes)


def _seed_oa(s: _Seeder) -> None:
    forms = [{"form_no": f"OA-2026-{n:04d}", "form_type": kind, "title": title,
              "applicant": s.rng.choice(data.SALES_REPS), "amount": amount, "currency": "CNY",
              "approvers": data.APPROVERS[:steps]}
             for n, (kind, title, amount, steps) in enumerate([
                 ("discount", "Special price 5% for Brightline Supply Co.", "12000", 2),
                 ("credit_limit", "Raise credit limit of Al Noor Lighting to USD 150k", None, 3),
                 ("expense", "Canton Fair booth 2026 spring", "68000", 3),
                 ("purchase_request", "Buy 5,000 LED drivers 40W", "52000", 2),
                 ("sample", "Free samples for Iluminación Mediterránea", "1800", 1)], 1)]
    s.upsert("oa", "approvals", forms)
    s.upsert("oa", "work-orders", [
        {"wo_no": f"WO-2026-{n:04d}", "title": title, "assignee": s.rng.choice(data.SALES_REPS),
         "priority": priority, "due_date": (BASE_DAY + timedelta(days=7 * n)).isoformat()}
        for n, (title, priority) in enumerate([
            ("Prepare CE documents for LED panels", "high"),
            ("Book container for SO-2026-0004", "normal"),
            ("Follow up overdue payment, Lagos Power & Light", "urgent"),
            ("Photograph new solar garden light samples", "low"),
            ("Update HS codes for 2026 tariff changes", "normal"),
            ("Translate catalogue into Spanish", "low")], 1)])
