"""The ERP's business rules: reservations, purchasing, shipping, receivables at fx rates."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi.testclient import TestClient

TODAY = date.today().isoformat()


def _order(**changes: Any) -> dict[str, Any]:
    return {"so_no": "SO-1", "cust_no": "C-001", "order_date": TODAY, "currency": "USD",
            "fx_rate": "7.1", "lines": [{"line_key": "10", "sku": "LED-9W", "qty": 1000,
                                         "price": "1.00"}], **changes}


def _stock(client: TestClient, key: str) -> dict[str, Any]:
    return client.get(f"/erp/inventory/by-key/{key}").json()


def test_confirming_reserves_stock_and_raises_a_purchase_request_for_the_shortage(
        client: TestClient, erp_master_data: None) -> None:
    order = client.post("/erp/sales-orders", json=_order()).json()
    assert _stock(client, "LED-9W@SH-01")["reserved"] == 0

    confirmed = client.patch(f"/erp/sales-orders/{order['id']}", json={"status": "confirmed"})
    assert confirmed.status_code == 200
    assert confirmed.json()["reservations"] == [
        {"line_key": "10", "sku": "LED-9W", "wh_code": "SH-01", "qty": 800}]
    assert confirmed.json()["shortages"] == [{"line_key": "10", "sku": "LED-9W", "qty": 200}]
    stock = _stock(client, "LED-9W@SH-01")
    assert (stock["on_hand"], stock["reserved"], stock["available"]) == (800, 800, 0)
    assert _stock(client, "LED-9W@RTM-01")["reserved"] == 0  # overseas stock stays put

    request = client.get("/erp/purchase-requests/by-key/PR-SO-1-10").json()
    assert (request["sku"], request["qty"], request["status"]) == ("LED-9W", 200, "pending")

    approved = client.patch(f"/erp/purchase-requests/{request['id']}",
                            json={"status": "approved", "decided_by": "zhao.lei"}).json()
    assert approved["po_no"] == "PO-PR-SO-1-10"
    purchase = client.get("/erp/purchase-orders/by-key/PO-PR-SO-1-10").json()
    assert (purchase["qty"], purchase["wh_code"], purchase["status"]) == (200, "SH-01", "open")
    assert _stock(client, "LED-9W@SH-01")["in_transit"] == 200

    client.patch(f"/erp/purchase-orders/{purchase['id']}", json={"status": "received"})
    stock = _stock(client, "LED-9W@SH-01")
    assert (stock["on_hand"], stock["in_transit"], stock["available"]) == (1000, 0, 200)

    again = client.patch(f"/erp/purchase-requests/{request['id']}", json={"status": "pending"})
    assert again.status_code == 409
    assert again.json() == {"error": "rule_violation",
                            "message": "purchase request PR-SO-1-10 is already approved"}


def test_shipping_consumes_the_reservation_and_orders_never_move_back(
        client: TestClient, erp_master_data: None) -> None:
    order = client.post("/erp/sales-orders", json=_order(
        status="confirmed", lines=[{"line_key": "10", "sku": "LED-9W", "qty": 300,
                                    "price": "1.00"}])).json()
    shipment = client.post("/erp/shipments", json={
        "ship_no": "SHP-1", "so_no": "SO-1", "carrier": "COSCO Shipping", "bl_no": "SHA123",
        "containers": ["CSLU1234567"], "pol": "Shanghai", "pod": "Hamburg",
        "eta": "2026-05-01T00:00:00Z"}).json()
    event = client.post(f"/erp/shipments/{shipment['id']}/events", json={
        "at": "2026-03-20T08:00:00+08:00", "status": "departed", "location": "Shanghai",
        "eta": "2026-04-28T00:00:00Z"}).json()
    assert event["status"] == "departed"
    assert event["eta"] == "2026-04-28T00:00:00Z"
    assert event["events"] == [{"at": "2026-03-20T00:00:00Z", "status": "departed",
                                "location": "Shanghai", "remark": None}]
    shipped = client.get(f"/erp/sales-orders/{order['id']}").json()
    assert (shipped["status"], shipped["reservations"]) == ("shipped", [])
    stock = _stock(client, "LED-9W@SH-01")
    assert (stock["on_hand"], stock["reserved"]) == (500, 0)

    back = client.patch(f"/erp/sales-orders/{order['id']}", json={"status": "confirmed"})
    assert back.status_code == 409
    assert back.json() == {"error": "rule_violation",
                           "message": "sales order SO-1 cannot move from shipped back to confirmed"}


def test_cancelling_releases_the_reservation(client: TestClient, erp_master_data: None) -> None:
    order = client.post("/erp/sales-orders", json=_order(status="confirmed")).json()
    assert _stock(client, "LED-9W@SH-01")["reserved"] == 800
    client.patch(f"/erp/sales-orders/{order['id']}", json={"status": "cancelled"})
    assert _stock(client, "LED-9W@SH-01")["reserved"] == 0


def test_payments_in_other_currencies_settle_the_receivable_at_their_rate(
        client: TestClient, erp_master_data: None) -> None:
    client.post("/erp/sales-orders", json=_order(status="confirmed"))  # USD 1000.00 at 7.1
    receivable = client.get("/erp/receivables/by-key/SO-1").json()
    assert (receivable["amount_due"], receivable["amount_due_cny"], receivable["status"]) == (
        "1000.00", "7100.00", "unpaid")

    eur = client.post("/erp/payments", json={
        "pay_no": "P-1", "so_no": "SO-1", "received_on": TODAY, "amount": "400",
        "currency": "EUR", "fx_rate": "7.8"}).json()
    assert eur["amount_cny"] == "3120.00"
    order = client.get("/erp/sales-orders/by-key/SO-1").json()
    assert (order["payment_status"], order["paid_amount"], order["paid_amount_cny"]) == (
        "partial", "439.44", "3120.00")  # 3120 CNY / 7.1
    customer = client.get("/erp/customers/by-key/C-001").json()
    assert (customer["receivable_status"], customer["receivable_balance_cny"]) == (
        "open", "3980.00")

    client.post("/erp/payments", json={
        "pay_no": "P-2", "so_no": "SO-1", "received_on": TODAY, "amount": "560.56",
        "currency": "USD", "fx_rate": "7.12"})
    order = client.get("/erp/sales-orders/by-key/SO-1").json()
    assert (order["payment_status"], order["paid_amount"]) == ("paid", "1000.00")
    assert client.get("/erp/receivables/by-key/SO-1").json()["status"] == "paid"
    customer = client.get("/erp/customers/by-key/C-001").json()
    assert (customer["receivable_status"], customer["receivable_balance_cny"]) == (
        "clear", "0.00")


def test_a_receivable_past_its_due_date_is_overdue(
        client: TestClient, erp_master_data: None) -> None:
    client.post("/erp/sales-orders", json=_order(status="confirmed", order_date="2020-01-01"))
    assert client.get("/erp/sales-orders/by-key/SO-1").json()["payment_status"] == "overdue"
    assert client.get("/erp/customers/by-key/C-001").json()["receivable_status"] == "overdue"
