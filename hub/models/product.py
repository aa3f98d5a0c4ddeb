from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from hub.models.base import CanonicalRecord, CurrencyCode, HsCode, NonNegativeAmount


class Product(CanonicalRecord):
    entity: ClassVar[str] = "product"

    sku: str = Field(min_length=1, max_length=60)
    name: str = Field(min_length=1, max_length=200)
    name_cn: str | None = Field(None, max_length=200, description="Chinese name for customs.")
    hs_code: HsCode | None = None
    unit: str = Field("pcs", max_length=20)
    product_line: str | None = Field(None, max_length=100)
    list_price: NonNegativeAmount | None = None
    currency: CurrencyCode = "USD"
    net_weight_kg: NonNegativeAmount | None = None
    gross_weight_kg: NonNegativeAmount | None = None
    units_per_carton: int | None = Field(None, ge=1)
    moq: int | None = Field(None, ge=1, description="Minimum order quantity.")
    archived: bool = False
