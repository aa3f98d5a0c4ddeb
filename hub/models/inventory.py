from __future__ import annotations

from decimal import Decimal
from typing import ClassVar

from pydantic import Field

from hub.models.base import CanonicalRecord, CountryCode, Quantity


class InventoryLevel(CanonicalRecord):
    """Stock of one product in one warehouse; natural key ``sku@warehouse``."""

    entity: ClassVar[str] = "inventory"

    sku: str = Field(min_length=1, max_length=60)
    warehouse: str = Field(min_length=1, max_length=60)
    warehouse_country: CountryCode | None = None
    overseas: bool = False
    on_hand: Quantity = Decimal(0)
    reserved: Quantity = Decimal(0)
    in_transit: Quantity = Decimal(0)

    @property
    def available(self) -> Decimal:
        return max(self.on_hand - self.reserved, Decimal(0))
