"""Kingdee K3Cloud (金蝶云星空) WebAPI connector; protocol notes in shared/protocols.md §1."""

from connectors.kingdee.config import KingdeeConfig
from connectors.kingdee.connector import KingdeeConnector

__all__ = ["KingdeeConfig", "KingdeeConnector"]
