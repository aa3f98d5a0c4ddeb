"""The ERP's resources and their rules.

Rules the ERP enforces: orders move forward only (draft → confirmed → in_production
→ shipped → delivered, or cancelled before shipping); confirming reserves stock and
raises a purchase request per short line; shipping consumes the reservation; an
approved purchase request creates a purchase order whose goods are in transit until
received; payments settle the order's receivable at their own rate to CNY.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from hub.builtin.common.errors import rule
from hub.builtin.common.product import Product, Writer
from hub.builtin.common.resource import Doc, Resource
from hub.builtin.common.types import cents, number
from hub.builtin.erp import models
from hub.builtin.erp.finance import due_date, settle
from hub.builtin.erp.stock import adjust, apply_reservations, dec, default_warehouse, plan

FLOW = ("draft", "confirmed", "in_production", "shipped", "delivered")
HOLDING = ("confirmed", "in_production")
SHIPPED = ("shipped", "delivered")
SETTLING_FIELDS = ("amount_total", "status", "fx_rate", "due_date", "cust_no", "currency")


class Customers(Resource):
    name = "customers"
    model = models.Customer
    key_fields = ("cust_no",)
    ref_field = "country"
    server_defaults = {"receivable_balance_cny": "0.00", "overdue_cny": "0.00",
                       "receivable_status": "clear"}
    description = "Customers; the receivable fields are the ERP's own."


class Items(Resource):
    name = "products"
    model = models.Item
    key_fields = ("sku",)
    ref_field = "hs_code"
    description = "Products with HS codes, units and weights."


class Warehouses(Resource):
    name = "warehouses"
    model = models.Warehouse
    key_fields = ("wh_code",)
    description = "Warehouses, domestic and overseas."


class Inventory(Resource):
    name = "inventory"
    model = models.Stock
    key_fields = ("sku", "wh_code")
    ref_field = "sku"
    server_defaults = {"reserved": 0}
    references = {"sku": "products", "wh_code": "warehouses"}
    description = "Stock per product and warehouse; reserved is kept by sales orders."

    def derive(self, doc: Doc) -> None:
        doc["available"] = number(max(dec(doc["on_hand"]) - dec(doc["reserved"]), Decimal(0)))


class SalesOrders(Resource):
    name = "sales_orders"
    model = models.SalesOrder
    key_fields = ("so_no",)
    ref_field = "cust_no"
    references = {"cust_no": "customers"}
    server_defaults = {"reservations": [], "shortages": [], "paid_amount": "0.00",
                       "paid_amount_cny": "0.00", "payment_status": "unpaid",
                       "confirmed_at": None}
    sequential = True
    description = "Sales orders; confirming reserves stock, shortages raise purchase requests."

    def build(self, writer: Writer, doc: Doc, current: Doc | None) -> Doc:
        doc = super().build(writer, doc, current)
        before_status = current["status"] if current else None
        held: list[Doc] = current["reservations"] if current else []
        lines_changed = current is None or current["lines"] != doc["lines"]
        if doc["status"] in HOLDING:
            if before_status not in HOLDING or lines_changed:
                doc["reservations"], doc["shortages"] = plan(writer, doc["lines"], held)
            if before_status not in HOLDING and doc["confirmed_at"] is None:
                doc["confirmed_at"] = writer.now.isoformat().replace("+00:00", "Z")
        else:
            doc["reservations"], doc["shortages"] = [], []
        return doc

    def derive(self, doc: Doc) -> None:
        total = sum((dec(line["qty"]) * dec(line["price"]) for line in doc["lines"]), Decimal(0))
        doc["amount_total"] = str(cents(total))
        doc["due_date"] = due_date(doc)

    def check(self, writer: Writer, doc: Doc, before: Doc | None) -> None:
        if before is None or before["status"] == doc["status"]:
            return
        old, new = before["status"], doc["status"]
        if old == "cancelled":
            raise rule(f"sales order {doc['so_no']} is cancelled")
        if new == "cancelled":
            if old in SHIPPED:
                raise rule(f"sales order {doc['so_no']} is {old} and cannot be cancelled")
            return
        if FLOW.index(new) < FLOW.index(old):
            raise rule(f"sales order {doc['so_no']} cannot move from {old} back to {new}")

    def after(self, writer: Writer, record_id: int, doc: Doc, before: Doc | None) -> None:
        held = before["reservations"] if before else []
        if held != doc["reservations"]:
            consume = bool(before) and before["status"] in HOLDING and doc["status"] in SHIPPED
            apply_reservations(writer, held, doc["reservations"], consume=consume)
        old_short = before["shortages"] if before else []
        if doc["shortages"] and doc["shortages"] != old_short:
            raise_purchase_requests(writer, doc)
        if before is None or any(before.get(f) != doc.get(f) for f in SETTLING_FIELDS):
            settle(writer, doc["so_no"])


def raise_purchase_requests(writer: Writer, order: Doc) -> None:
    requests = writer.res("purchase_requests")
    for short in order["shortages"]:
        pr_no = f"PR-{order['so_no']}-{short['line_key']}"
        row = writer.by_key(requests, pr_no)
        if row is not None and row.data["status"] != "pending":
            continue
        line = next(ln for ln in order["lines"] if ln["line_key"] == short["line_key"])
        item = models.PurchaseRequest(
            pr_no=pr_no, sku=short["sku"], qty=dec(short["qty"]), wh_code=line.get("wh_code"),
            so_no=order["so_no"], needed_by=line.get("delivery_date"), requested_by="erp",
            reason=f"shortage for sales order {order['so_no']} line {short['line_key']}")
        writer.save(requests, item, row)


class PurchaseRequests(Resource):
    name = "purchase_requests"
    model = models.PurchaseRequest
    key_fields = ("pr_no",)
    ref_field = "so_no"
    references = {"sku": "products"}
    server_defaults = {"po_no": None}
    sequential = True
    description = "Purchase requests; approving one creates a purchase order."

    def build(self, writer: Writer, doc: Doc, current: Doc | None) -> Doc:
        doc = super().build(writer, doc, current)
        if doc["status"] == "approved" and doc["po_no"] is None:
            doc["po_no"] = f"PO-{doc['pr_no']}"
        return doc

    def check(self, writer: Writer, doc: Doc, before: Doc | None) -> None:
        if before is not None and before["status"] != "pending" \
                and doc["status"] != before["status"]:
            raise rule(f"purchase request {doc['pr_no']} is already {before['status']}")

    def after(self, writer: Writer, record_id: int, doc: Doc, before: Doc | None) -> None:
        if doc["status"] != "approved" or (before is not None and before["status"] == "approved"):
            return
        orders = writer.res("purchase_orders")
        if writer.by_key(orders, doc["po_no"]) is not None:
            return
        item = models.PurchaseOrder(
            po_no=doc["po_no"], sku=doc["sku"], qty=dec(doc["qty"]), pr_no=doc["pr_no"],
            wh_code=default_warehouse(writer, doc.get("wh_code")),
            order_date=writer.now.date(), eta=doc.get("needed_by"))
        writer.save(orders, item, None)


class PurchaseOrders(Resource):
    name = "purchase_orders"
    model = models.PurchaseOrder
    key_fields = ("po_no",)
    ref_field = "pr_no"
    references = {"sku": "products", "wh_code": "warehouses"}
    sequential = True
    description = "Purchase orders; open ones count as stock in transit."

    def check(self, writer: Writer, doc: Doc, before: Doc | None) -> None:
        if before is not None and before["status"] != "open" and doc != before:
            raise rule(f"purchase order {doc['po_no']} is {before['status']} and cannot change")

    def after(self, writer: Writer, record_id: int, doc: Doc, before: Doc | None) -> None:
        was_open = before is not None and before["status"] == "open"
        if was_open:
            assert before is not None
            adjust(writer, before["sku"], before["wh_code"], in_transit=-dec(before["qty"]))
        if doc["status"] == "open":
            adjust(writer, doc["sku"], doc["wh_code"], in_transit=dec(doc["qty"]))
        elif doc["status"] == "received" and (before is None or was_open):
            adjust(writer, doc["sku"], doc["wh_code"], on_hand=dec(doc["qty"]))


class Shipments(Resource):
    name = "shipments"
    model = models.Shipment
    key_fields = ("ship_no",)
    ref_field = "so_no"
    references = {"so_no": "sales_orders"}
    sequential = True
    description = "Shipments with B/L, containers, vessel, ports, ETA and tracking events."

    def after(self, writer: Writer, record_id: int, doc: Doc, before: Doc | None) -> None:
        target = {"booked": None, "loaded": None, "delivered": "delivered"}.get(
            doc["status"], "shipped")
        if target is None:
            return
        orders = writer.res("sales_orders")
        row = writer.by_key(orders, doc["so_no"])
        if row is None or row.data["status"] in ("cancelled", target, "delivered"):
            return
        data: dict[str, Any] = {**orders.writable_part(row.data), "status": target}
        writer.save(orders, orders.model.model_validate(data), row)


class Payments(Resource):
    name = "payments"
    model = models.Payment
    key_fields = ("pay_no",)
    ref_field = "so_no"
    references = {"so_no": "sales_orders"}
    sequential = True
    description = "Payments in any currency, applied to an order's receivable at fx_rate."

    def derive(self, doc: Doc) -> None:
        doc["amount_cny"] = str(cents(dec(doc["amount"]) * dec(doc["fx_rate"])))
        doc["base_currency"] = models.BASE_CURRENCY

    def after(self, writer: Writer, record_id: int, doc: Doc, before: Doc | None) -> None:
        settle(writer, doc["so_no"])
        if before is not None and before["so_no"] != doc["so_no"]:
            settle(writer, before["so_no"])

    def after_remove(self, writer: Writer, doc: Doc) -> None:
        settle(writer, doc["so_no"])


class Receivables(Resource):
    name = "receivables"
    model = models.Receivable
    key_fields = ("so_no",)
    ref_field = "cust_no"
    writable = False
    description = "One per non-draft sales order; kept by the ERP, read-only."


def make_erp() -> Product:
    return Product("erp", "TradeHub reference ERP", [
        Customers(), Items(), Warehouses(), Inventory(), SalesOrders(), PurchaseRequests(),
        PurchaseOrders(), Shipments(), Payments(), Receivables()])
