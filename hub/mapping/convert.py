"""The runtime value conversions behind the named transforms.

Plain functions, no classes on the hot path: the compiled mapping calls them
directly. Each refuses what it cannot convert faithfully (``StepError``) instead of
guessing, so nothing is silently dropped or rounded: ``True`` is not the number 1,
a float becomes the Decimal of its shortest repr, NaN is refused, an ambiguous naive
time gets the zone the mapping names.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone, tzinfo
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal, InvalidOperation

__all__ = [
    "StepError",
    "datetime_parser",
    "datetime_renderer",
    "date_parser",
    "date_renderer",
    "describe",
    "to_bool",
    "to_decimal",
    "to_int",
    "to_str",
]

UTC = timezone.utc
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
TRUE_WORDS = frozenset({"true", "t", "yes", "y", "1", "on", "是", "真"})
FALSE_WORDS = frozenset({"false", "f", "no", "n", "0", "off", "否", "假"})
ROUNDING = {"half_up": ROUND_HALF_UP, "half_even": ROUND_HALF_EVEN}


class StepError(ValueError):
    """A value a transform cannot convert; the compiled mapping adds field and rule."""


def describe(value: object) -> str:
    """A short, safe rendering of an offending value for error messages."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def to_decimal(v: object) -> Decimal | None:
    t = type(v)
    if t is Decimal:
        if not v.is_finite():  # type: ignore[union-attr]
            raise StepError(f"{describe(v)} is not a finite number")
        return v  # type: ignore[return-value]
    if t is str:
        s = v.strip()  # type: ignore[union-attr]
        if not s:
            return None
        try:
            d = Decimal(s)
        except InvalidOperation:
            raise StepError(f"{describe(v)} is not a decimal number") from None
        if not d.is_finite():
            raise StepError(f"{describe(v)} is not a finite number")
        return d
    if t is int:
        return Decimal(v)  # type: ignore[arg-type]
    if t is float:
        if v != v or v in (float("inf"), float("-inf")):
            raise StepError(f"{describe(v)} is not a finite number")
        return Decimal(repr(v))
    raise StepError(f"expected a number, got {type(v).__name__} {describe(v)}")


def decimal_to_number(v: Decimal) -> int | float:
    """JSON number for a Decimal, refusing any loss of precision."""
    if v == v.to_integral_value():
        return int(v)
    f = float(v)
    if Decimal(repr(f)) != v:
        raise StepError(f"{v} cannot be sent as a JSON number without losing digits; "
                        "use 'decimal' (string) instead")
    return f


def decimal_to_string(v: object) -> str:
    d = to_decimal(v) if type(v) is not Decimal else v
    if d is None:
        raise StepError("expected a number, got an empty string")
    return format(d, "f")


def to_int(v: object) -> int | None:
    t = type(v)
    if t is int:
        return v  # type: ignore[return-value]
    if t is str and not v.strip():  # type: ignore[union-attr]
        return None
    if t in (str, float, Decimal):
        d = to_decimal(v)
        if d is None:
            return None
        if d != d.to_integral_value():
            raise StepError(f"{describe(v)} is not a whole number")
        return int(d)
    raise StepError(f"expected a whole number, got {type(v).__name__} {describe(v)}")


def to_bool(v: object, true_value: object = None, false_value: object = None) -> bool | None:
    if true_value is not None and v == true_value:
        return True
    if false_value is not None and v == false_value:
        return False
    t = type(v)
    if t is bool:
        return v  # type: ignore[return-value]
    if t is int and v in (0, 1):
        return bool(v)
    if t is str:
        s = v.strip().casefold()  # type: ignore[union-attr]
        if not s:
            return None
        if s in TRUE_WORDS:
            return True
        if s in FALSE_WORDS:
            return False
    raise StepError(f"{describe(v)} is not a yes/no value")


def to_str(v: object) -> str:
    t = type(v)
    if t is str:
        return v  # type: ignore[return-value]
    if t is int:
        return str(v)
    if t is Decimal:
        return format(v, "f")
    if t is float:
        return repr(v)
    raise StepError(f"expected text, got {type(v).__name__} {describe(v)}")


def date_parser(fmt: str | None) -> Callable[[object], date | None]:
    def parse(v: object) -> date | None:
        t = type(v)
        if t is date:
            return v  # type: ignore[return-value]
        if t is not str:
            raise StepError(f"expected a date text, got {type(v).__name__} {describe(v)}")
        s = v.strip()  # type: ignore[union-attr]
        if not s:
            return None
        try:
            return date.fromisoformat(s) if fmt is None else datetime.strptime(s, fmt).date()
        except ValueError:
            raise StepError(f"{describe(v)} is not a date in format "
                            f"{fmt or 'YYYY-MM-DD'}") from None
    return parse


def date_renderer(fmt: str | None) -> Callable[[object], str]:
    parse = date_parser(None)

    def render(v: object) -> str:
        d = v if type(v) is date else parse(v)
        if d is None:
            raise StepError("expected a date, got an empty string")
        return d.isoformat() if fmt is None else d.strftime(fmt)
    return render


def datetime_parser(fmt: str | None, zone: tzinfo) -> Callable[[object], datetime | None]:
    """Parse to an aware UTC datetime; naive times are read in ``zone``."""
    def parse(v: object) -> datetime | None:
        t = type(v)
        if fmt in ("epoch", "epoch_ms"):
            if t is str:
                if not v.strip():  # type: ignore[union-attr]
                    return None
                n = to_decimal(v)
            elif t in (int, float, Decimal):
                n = to_decimal(v)
            else:
                raise StepError(f"expected a timestamp number, got {type(v).__name__}")
            assert n is not None
            micros = n * (1000 if fmt == "epoch_ms" else 1_000_000)
            return EPOCH + timedelta(microseconds=int(micros))
        if t is datetime:
            d = v
        elif t is str:
            s = v.strip()  # type: ignore[union-attr]
            if not s:
                return None
            try:
                d = datetime.fromisoformat(s) if fmt is None else datetime.strptime(s, fmt)
            except ValueError:
                raise StepError(f"{describe(v)} is not a date-time in format "
                                f"{fmt or 'ISO 8601'}") from None
        else:
            raise StepError(f"expected a date-time text, got {type(v).__name__} {describe(v)}")
        if d.tzinfo is None:  # type: ignore[union-attr]
            d = d.replace(tzinfo=zone)  # type: ignore[union-attr]
        return d.astimezone(UTC)  # type: ignore[union-attr]
    return parse


def datetime_renderer(fmt: str | None, zone: tzinfo) -> Callable[[object], str | int]:
    parse = datetime_parser(None, UTC)

    def render(v: object) -> str | int:
        d = v if type(v) is datetime else parse(v)
        if d is None:
            raise StepError("expected a date-time, got an empty string")
        if d.tzinfo is None:
            d = d.replace(tzinfo=UTC)
        if fmt == "epoch":
            return (d - EPOCH) // timedelta(seconds=1)
        if fmt == "epoch_ms":
            return (d - EPOCH) // timedelta(milliseconds=1)
        local = d.astimezone(zone)
        return local.isoformat() if fmt is None else local.strftime(fmt)
    return render


def round_decimal(places: int, mode: str) -> Callable[[object], Decimal]:
    quantum = Decimal(1).scaleb(-places)
    rounding = ROUNDING[mode]

    def round_(v: object) -> Decimal:
        t = type(v)
        if t is Decimal:
            return v.quantize(quantum, rounding=rounding)  # type: ignore[union-attr]
        if t is int:
            return Decimal(v).quantize(quantum, rounding=rounding)  # type: ignore[arg-type]
        raise StepError(f"round needs a decimal number, got {type(v).__name__} {describe(v)} "
                        "(convert with 'decimal' first)")
    return round_


def number(v: object, what: str) -> Decimal:
    t = type(v)
    if t is Decimal:
        return v  # type: ignore[return-value]
    if t is int:
        return Decimal(v)  # type: ignore[arg-type]
    raise StepError(f"{what} needs a decimal number, got {type(v).__name__} {describe(v)} "
                    "(convert with 'decimal' first)")
