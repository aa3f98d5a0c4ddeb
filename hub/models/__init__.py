"""The canonical model: every record passes through one of these shapes."""

from hub.models.activity import Activity
from hub.models.approval import ApprovalRequest, ApprovalStep
from hub.models.base import CanonicalRecord, Money, new_hub_id
from hub.models.customer import Contact, Customer
from hub.models.inventory import InventoryLevel
from hub.models.lead import InquiryItem, Lead
from hub.models.payment import Payment
from hub.models.product import Product
from hub.models.sales_order import SalesOrder, SalesOrderLine
from hub.models.shipment import Shipment, ShipmentLine, TrackingEvent
from hub.models.trade_record import TradeRecord

ENTITIES: dict[str, type[CanonicalRecord]] = {
    model.entity: model
    for model in (Customer, Product, SalesOrder, InventoryLevel, Shipment, Payment, Lead,
                  ApprovalRequest, TradeRecord, Activity)
}
"""Canonical entity name → model class; the names used in hub.yaml and mappings."""

__all__ = [
    "ENTITIES",
    "Activity",
    "ApprovalRequest",
    "ApprovalStep",
    "CanonicalRecord",
    "Contact",
    "Customer",
    "InquiryItem",
    "InventoryLevel",
    "Lead",
    "Money",
    "Payment",
    "Product",
    "SalesOrder",
    "SalesOrderLine",
    "Shipment",
    "ShipmentLine",
    "TradeRecord",
    "TrackingEvent",
    "new_hub_id",
]
