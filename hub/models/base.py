"""Shared value types of the canonical model.

Money is a ``Decimal`` plus an ISO 4217 code, countries are ISO 3166-1 alpha-2,
times are timezone-aware UTC. Validation errors name the field (pydantic does that
for us) and say what a valid value looks like.
"""

from __future__ import annotations

import os
import re
import time
from datetime import datetime, timezone
from decimal import Decimal
from typing import Annotated, ClassVar, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field
from pydantic_core import core_schema

from hub.models.codes import COUNTRY_CODES, CURRENCY_CODES
from hub.models.native import code_in, has_native_form


@has_native_form(code_in(COUNTRY_CODES))
def _country(value: str) -> str:
    code = value.strip().upper()
    if code not in COUNTRY_CODES:
        raise ValueError(f"'{value}' is not an ISO 3166-1 alpha-2 country code (e.g. 'US', 'CN')")
    return code


@has_native_form(code_in(CURRENCY_CODES))
def _currency(value: str) -> str:
    code = value.strip().upper()
    if code not in CURRENCY_CODES:
        raise ValueError(f"'{value}' is not an ISO 4217 currency code (e.g. 'USD', 'CNY')")
    return code


_EMAIL = re.compile(r"^[^@\s<>(),;:\"\[\]]{1,64}@(?:[^@\s.<>(),;:\"\[\]]{1,63}\.)+"
                    r"[^@\s.<>(),;:\"\[\]\d]{2,63}$")


# Natively, only the usual form: plain ASCII, the domain already in lower case.
@has_native_form(core_schema.str_schema(
    strip_whitespace=True, max_length=254,
    pattern=r"^[A-Za-z0-9._%+\-]{1,64}@(?:[a-z0-9\-]{1,63}\.)+[a-z\-]{2,63}$"))
def _email(value: str) -> str:
    """Syntax only, and fast: a sync validates every contact of every record.

    (email-validator's full RFC and IDNA checks cost ~0.6 ms a call, which made
    e-mail checking the single largest cost of a 100,000-record sync.)
    """
    address = value.strip()
    if len(address) > 254 or not _EMAIL.match(address):
        raise ValueError(f"'{value}' is not an e-mail address (e.g. 'buyer@example.com')")
    local, _, domain = address.rpartition("@")
    return f"{local}@{domain.lower()}"


def _utc(value: datetime) -> datetime:
    if value.tzinfo is timezone.utc:      # the usual case, and what astimezone returns
        return value
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("must be timezone-aware (e.g. '2026-03-01T08:00:00Z')")
    return value.astimezone(timezone.utc)


def _hs_code(value: str) -> str:
    digits = value.replace(".", "").replace(" ", "")
    if not digits.isdigit() or not 6 <= len(digits) <= 10:
        raise ValueError(f"'{value}' is not an HS code (6 to 10 digits, dots allowed)")
    return digits


CountryCode = Annotated[str, AfterValidator(_country)]
Email = Annotated[str, AfterValidator(_email)]
CurrencyCode = Annotated[str, AfterValidator(_currency)]
UtcDatetime = Annotated[datetime, AfterValidator(_utc)]
HsCode = Annotated[str, AfterValidator(_hs_code)]
Amount = Annotated[Decimal, Field(max_digits=20, decimal_places=6)]
NonNegativeAmount = Annotated[Decimal, Field(ge=0, max_digits=20, decimal_places=6)]
Quantity = Annotated[Decimal, Field(ge=0, max_digits=20, decimal_places=6)]
Incoterm = Literal["EXW", "FCA", "FAS", "FOB", "CFR", "CIF", "CPT", "CIP", "DAP", "DPU", "DDP"]
PaymentTerms = Literal["T/T", "L/C", "D/P", "D/A", "O/A", "CAD", "PayPal"]


def new_hub_id() -> str:
    """A fresh hub id: a UUID of version 7 (RFC 9562) in hex, which begins with the time.

    Ids given out one after another sort together, so the records a sync creates go
    in at the end of the store's indexes on hub ids; random ids (version 4) scattered
    each checkpoint over the whole index.
    """
    value = (time.time_ns() // 1_000_000) << 80 | int.from_bytes(os.urandom(10), "big")
    value = value & ~(0xF << 76) | 0x7 << 76          # version 7
    value = value & ~(0x3 << 62) | 0x2 << 62          # the RFC's variant
    return f"{value:032x}"


class Money(BaseModel):
    model_config = ConfigDict(frozen=True)

    amount: Amount
    currency: CurrencyCode


class CanonicalRecord(BaseModel):
    """Every canonical record has a stable hub id and the source's updated_at."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True,
                              validate_assignment=True)

    hub_id: str = Field(default_factory=new_hub_id, min_length=1, max_length=64)
    updated_at: UtcDatetime | None = None

    entity: ClassVar[str] = "record"
