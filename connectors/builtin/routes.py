"""Which product resource each hub entity lives in, per reference product.

``merge`` routes write only the fields sent onto an existing record: the CRM keeps a
shipment's tracking and an order's payment state on the order itself, so the hub's
shipment and payment entities patch CRM orders rather than create records.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

App = Literal["crm", "erp", "oa"]


@dataclass(frozen=True)
class Route:
    resource: str
    key_fields: tuple[str, ...]
    readable: bool = True
    writable: bool = True
    merge: bool = False
    only: tuple[tuple[str, str], ...] = ()
    """Field values a record must have to be this entity (CRM orders that are not quotes)."""

    def holds(self, data: dict[str, object]) -> bool:
        return all(data.get(field) == value for field, value in self.only)

    @property
    def path(self) -> str:
        return self.resource.replace("_", "-")


ROUTES: dict[App, dict[str, Route]] = {
    "crm": {
        "customer": Route("customers", ("account_code",)),
        "lead": Route("leads", ("lead_ref",)),
        "sales_order": Route("orders", ("doc_no",), only=(("doc_type", "order"),)),
        "inventory": Route("stock", ("sku", "warehouse")),
        "shipment": Route("orders", ("doc_no",), readable=False, merge=True),
        "payment": Route("orders", ("doc_no",), readable=False, merge=True),
        "activity": Route("activities", ("ref",)),
        "ticket": Route("tickets", ("ticket_no",)),
    },
    "erp": {
        "customer": Route("customers", ("cust_no",)),
        "product": Route("products", ("sku",)),
        "warehouse": Route("warehouses", ("wh_code",)),
        "inventory": Route("inventory", ("sku", "wh_code")),
        "sales_order": Route("sales_orders", ("so_no",)),
        "purchase_request": Route("purchase_requests", ("pr_no",)),
        # A purchase request is what the ERP asks the OA to approve.
        "approval": Route("purchase_requests", ("pr_no",)),
        "purchase_order": Route("purchase_orders", ("po_no",)),
        "shipment": Route("shipments", ("ship_no",)),
        "payment": Route("payments", ("pay_no",)),
        "receivable": Route("receivables", ("so_no",), writable=False),
    },
    "oa": {
        "approval": Route("approvals", ("form_no",)),
        "work_order": Route("work_orders", ("wo_no",)),
    },
}
"""Entity → resource for each product (hub/builtin/README.md describes the resources)."""
