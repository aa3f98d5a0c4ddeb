"""Receivables: what each order owes, what was paid (at each payment's rate to CNY),
and the payment status the ERP derives from them."""

from __future__ import annotations

from datetime import date, timedelta, timezone, datetime
from decimal import Decimal

from hub.builtin.common.product import Writer
from hub.builtin.common.resource import Doc
from hub.builtin.common.types import cents
from hub.builtin.erp.stock import dec

TOLERANCE = Decimal("0.01")


def due_date(order: Doc) -> str:
    return (date.fromisoformat(order["order_date"])
            + timedelta(days=int(order["pay_days"]))).isoformat()


def payment_status(total: Decimal, paid: Decimal, due: str, status: str) -> str:
    if total > 0 and paid >= total - TOLERANCE:
        return "paid"
    today = datetime.now(timezone.utc).date().isoformat()
    if status not in ("draft", "cancelled") and today > due:
        return "overdue"
    return "partial" if paid > 0 else "unpaid"


def paid_in_order_currency(order: Doc, payments: list[Doc]) -> tuple[Decimal, Decimal]:
    """(paid in the order's currency, paid in CNY); a foreign-currency payment is
    converted through CNY at the order's rate."""
    paid, paid_cny = Decimal(0), Decimal(0)
    for pay in payments:
        paid_cny += dec(pay["amount_cny"])
        if pay["currency"] == order["currency"]:
            paid += dec(pay["amount"])
        else:
            paid += dec(pay["amount_cny"]) / dec(order["fx_rate"])
    return cents(paid), cents(paid_cny)


def settle(writer: Writer, so_no: str) -> None:
    """Recompute one order's receivable, its payment fields and its customer's balance."""
    orders, payments = writer.res("sales_orders"), writer.res("payments")
    receivables = writer.res("receivables")
    row = writer.by_key(orders, so_no)
    if row is None:
        return
    order = row.data
    pays = [p.data for p in writer.by_ref(payments, so_no) if not p.archived]
    paid, paid_cny = paid_in_order_currency(order, pays)
    total = dec(order["amount_total"])
    status = payment_status(total, paid, order["due_date"], order["status"])
    updated = {**order, "paid_amount": str(paid), "paid_amount_cny": str(paid_cny),
               "payment_status": status}
    if updated != order:
        writer.save_doc(orders, updated, row)
    if order["status"] != "draft":
        cancelled = order["status"] == "cancelled"
        due = Decimal(0) if cancelled else total
        rate = dec(order["fx_rate"])
        receivable = {
            "so_no": so_no, "cust_no": order["cust_no"], "currency": order["currency"],
            "fx_rate": order["fx_rate"], "amount_due": str(cents(due)),
            "amount_due_cny": str(cents(due * rate)), "amount_paid": str(paid),
            "amount_paid_cny": str(paid_cny),
            "outstanding": str(max(cents(due - paid), Decimal(0))),
            "outstanding_cny": str(max(cents(due * rate) - paid_cny, Decimal(0)))
            if status != "paid" else "0.00",
            "due_date": order["due_date"],
            "status": "cancelled" if cancelled else status,
        }
        current = writer.by_key(receivables, so_no)
        writer.save_doc(receivables, receivable, current)
    update_customer_balance(writer, order["cust_no"])


def update_customer_balance(writer: Writer, cust_no: str) -> None:
    customers, receivables = writer.res("customers"), writer.res("receivables")
    row = writer.by_key(customers, cust_no)
    if row is None:
        return
    open_items = [r.data for r in writer.by_ref(receivables, cust_no)]
    balance = sum((dec(r["outstanding_cny"]) for r in open_items), Decimal(0))
    overdue = sum((dec(r["outstanding_cny"]) for r in open_items if r["status"] == "overdue"),
                  Decimal(0))
    status = "overdue" if overdue > 0 else "open" if balance > 0 else "clear"
    updated = {**row.data, "receivable_balance_cny": str(cents(balance)),
               "overdue_cny": str(cents(overdue)), "receivable_status": status}
    if updated != row.data:
        writer.save_doc(customers, updated, row)
