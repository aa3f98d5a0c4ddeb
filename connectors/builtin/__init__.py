"""Connector for TradeHub's own reference CRM, ERP and OA, over their HTTP APIs."""

from connectors.builtin.config import BuiltinConfig
from connectors.builtin.connector import BuiltinConnector
from connectors.builtin.routes import ROUTES, Route

__all__ = ["ROUTES", "BuiltinConfig", "BuiltinConnector", "Route"]
