"""The CRM's resources; the CRM keeps few rules (totals and available stock)."""

from __future__ import annotations

from decimal import Decimal

from hub.builtin.common.product import Product
from hub.builtin.common.resource import Doc, Resource
from hub.builtin.common.types import cents, number
from hub.builtin.crm import models


class Accounts(Resource):
    name = "customers"
    model = models.Account
    key_fields = ("account_code",)
    ref_field = "erp_cust_no"
    description = "Customer accounts with nested contacts and a customs profile."


class Leads(Resource):
    name = "leads"
    model = models.Lead
    key_fields = ("lead_ref",)
    ref_field = "whatsapp_id"
    description = "Inquiries from WhatsApp, email, customs data, the web or a fair."


class SalesDocs(Resource):
    name = "orders"
    model = models.SalesDoc
    key_fields = ("doc_no",)
    ref_field = "erp_so_no"
    description = "Quotes and orders, with lines, fulfilment, payment and tracking."

    def derive(self, doc: Doc) -> None:
        total = sum((Decimal(str(line["qty"])) * Decimal(line["unit_price"])
                     for line in doc["lines"]), Decimal(0))
        doc["total_amount"] = str(cents(total))


class Tickets(Resource):
    name = "tickets"
    model = models.Ticket
    key_fields = ("ticket_no",)
    ref_field = "account_code"
    description = "Complaint tickets."


class Activities(Resource):
    name = "activities"
    model = models.Activity
    key_fields = ("ref",)
    ref_field = "doc_no"
    description = "Notes, conversation logs, calls and reminders with a due date."


class Stock(Resource):
    name = "stock"
    model = models.StockLine
    key_fields = ("sku", "warehouse")
    ref_field = "sku"
    description = "Stock per product and warehouse, as the ERP reports it."

    def derive(self, doc: Doc) -> None:
        available = Decimal(str(doc["on_hand"])) - Decimal(str(doc["reserved"]))
        doc["available"] = number(max(available, Decimal(0)))


def make_crm() -> Product:
    return Product("crm", "TradeHub reference CRM",
                   [Accounts(), Leads(), SalesDocs(), Tickets(), Activities(), Stock()])
