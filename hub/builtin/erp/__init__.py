"""The reference ERP: customers, products, warehouses, stock, sales, purchasing,
shipping and receivables."""

from hub.builtin.erp.resources import make_erp
from hub.builtin.erp.routes import erp_routes

__all__ = ["erp_routes", "make_erp"]
