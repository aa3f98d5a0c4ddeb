"""Yonyou YonBIP (用友) open-platform connector; protocol notes in shared/protocols.md §2.1."""

from connectors.yonyou.config import YonyouConfig
from connectors.yonyou.connector import YonyouConnector

__all__ = ["YonyouConfig", "YonyouConnector"]
