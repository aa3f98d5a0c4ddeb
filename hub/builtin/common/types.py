"""Value types of the reference products' JSON.

Amounts travel as strings with two decimals ("1234.50"), rates as strings with six,
quantities as JSON numbers. Normalising on input matters: the batch upsert calls a
record "unchanged" when its stored JSON equals the new JSON, so 12.5 and "12.50"
must store the same way.
"""

from __future__ import annotations

from datetime import date, datetime, timezone
from decimal import ROUND_HALF_UP, Decimal
from typing import Annotated

from pydantic import AfterValidator, AwareDatetime, Field, PlainSerializer

from hub.models.codes import COUNTRY_CODES, CURRENCY_CODES

CENT = Decimal("0.01")
MICRO = Decimal("0.000001")


def _cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def _micro(value: Decimal) -> Decimal:
    return value.quantize(MICRO, rounding=ROUND_HALF_UP)


def _plain(value: Decimal) -> Decimal:
    return value.quantize(Decimal(1)) if value == value.to_integral_value() else value.normalize()


def _number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


def _country(value: str) -> str:
    code = value.strip().upper()
    if code not in COUNTRY_CODES:
        raise ValueError(f"'{value}' is not an ISO 3166-1 alpha-2 country code")
    return code


def _currency(value: str) -> str:
    code = value.strip().upper()
    if code not in CURRENCY_CODES:
        raise ValueError(f"'{value}' is not an ISO 4217 currency code")
    return code


def _utc(value: datetime) -> datetime:
    return value.astimezone(timezone.utc)


def _hs(value: str) -> str:
    digits = value.replace(".", "").replace(" ", "")
    if not digits.isdigit() or not 6 <= len(digits) <= 10:
        raise ValueError(f"'{value}' is not an HS code (6 to 10 digits)")
    return digits


Money = Annotated[Decimal, Field(ge=0, max_digits=18), AfterValidator(_cents),
                  PlainSerializer(str, return_type=str, when_used="json")]
SignedMoney = Annotated[Decimal, Field(max_digits=18), AfterValidator(_cents),
                        PlainSerializer(str, return_type=str, when_used="json")]
Rate = Annotated[Decimal, Field(gt=0, max_digits=18), AfterValidator(_micro),
                 PlainSerializer(str, return_type=str, when_used="json")]
Qty = Annotated[Decimal, Field(ge=0, max_digits=18, decimal_places=4), AfterValidator(_plain),
                PlainSerializer(_number, return_type=int | float, when_used="json")]
Country = Annotated[str, AfterValidator(_country)]
Currency = Annotated[str, AfterValidator(_currency)]
Timestamp = Annotated[AwareDatetime, AfterValidator(_utc)]
HsCode = Annotated[str, AfterValidator(_hs)]
Code = Annotated[str, Field(min_length=1, max_length=60, pattern=r"^[A-Za-z0-9][A-Za-z0-9._\-]*$")]
"""A natural key: letters, digits, dot, dash, underscore (no '@' or '/': keys go in URLs)."""
Text = Annotated[str, Field(max_length=2000)]
Name = Annotated[str, Field(min_length=1, max_length=200)]

__all__ = ["Code", "Country", "Currency", "HsCode", "Money", "Name", "Qty", "Rate",
           "SignedMoney", "Text", "Timestamp", "cents", "date", "number"]


def cents(value: Decimal) -> Decimal:
    return _cents(value)


def number(value: Decimal) -> int | float:
    return _number(value)
