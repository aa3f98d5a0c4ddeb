"""TradeHub: keeps CRM, ERP, OA and finance in step for B2B foreign-trade companies."""

__version__ = "0.1.0"
