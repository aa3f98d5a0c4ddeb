"""The reference CRM: accounts, leads, quotes and orders, tickets, activities, stock view."""

from hub.builtin.crm.resources import make_crm

__all__ = ["make_crm"]
