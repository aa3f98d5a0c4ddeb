"""The named transforms: their argument schema, the kinds they take and give, and
how each builds its compiled functions for both directions.

A step is written in the remote → canonical sense. In a rule's ``transform:`` list,
inbound applies each step forward; outbound applies the inverses in reverse order
(parse ↔ render, lookup ↔ reverse lookup, scale ↔ divide, split ↔ join; cleanups
such as ``trim`` or ``round`` need no undoing). Steps listed under ``inbound:`` /
``outbound:`` run forward in that direction only, except that the type conversions
always convert toward the direction's target (parse inbound, render outbound).
"""

from __future__ import annotations

import re
import string
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from hub.mapping import convert as cv
from hub.mapping.expressions import ExpressionError, compile_expression
from hub.mapping.lookups import LookupTable, lookup_function

__all__ = ["IDENTITY", "STEPS", "Built", "StepSpec", "step_schema"]

Fn = Callable[..., Any]

UNITS: dict[str, tuple[str, Decimal]] = {
    "mg": ("mass", Decimal("0.000001")), "g": ("mass", Decimal("0.001")),
    "kg": ("mass", Decimal(1)), "t": ("mass", Decimal(1000)),
    "lb": ("mass", Decimal("0.45359237")), "oz": ("mass", Decimal("0.028349523125")),
    "mm": ("length", Decimal("0.001")), "cm": ("length", Decimal("0.01")),
    "m": ("length", Decimal(1)), "km": ("length", Decimal(1000)),
    "in": ("length", Decimal("0.0254")), "ft": ("length", Decimal("0.3048")),
    "ml": ("volume", Decimal("0.001")), "l": ("volume", Decimal(1)),
    "m3": ("volume", Decimal(1000)), "cbm": ("volume", Decimal(1000)),
}
_SAFE_SPEC = re.compile(r"(,?(\.\d{1,2})?[fd%]?)")
_PATH = {"type": "string", "minLength": 1}


@dataclass(frozen=True)
class Built:
    """Compiled functions of one step; ``None`` inverse means not invertible."""

    forward: Fn
    inverse: Fn | None
    outbound: Fn                  # what it does when listed under ``outbound:``
    src_forward: bool = False     # takes (value, source record)
    src_inverse: bool = False
    null_aware: bool = False      # must see None (concat, format, expr)
    method: str | None = None     # a str method the compiler may inline for text values


@dataclass(frozen=True)
class StepSpec:
    name: str
    arg_schema: dict[str, Any] | None     # None: bare name only
    bare: bool                            # may be written without an argument
    accepts: frozenset[str] | None        # canonical-side kinds accepted inbound (None: any)
    produces: str | None                  # kind it yields (None: same as input)
    builder: Callable[[Any, BuildContext], Built | str]
    summary: str


@dataclass
class BuildContext:
    lookups: dict[str, LookupTable]


def IDENTITY(v: object) -> object:  # noqa: N802 - a marker the compiler leaves out
    """The inverse of a cleanup (trim, round…): canonical values are already clean."""
    return v


def _same(fn: Fn) -> Built:
    return Built(fn, IDENTITY, fn)


def _typed(parse: Fn, render: Fn) -> Built:
    return Built(parse, render, render)


def _str_only(op: Callable[[str], str], name: str) -> Fn:
    def step(v: object) -> str:
        if type(v) is not str:
            raise cv.StepError(f"{name} needs text, got {type(v).__name__} {cv.describe(v)}")
        return op(v)  # type: ignore[arg-type]
    return step


def _decimal(arg: Any, ctx: BuildContext) -> Built:
    if arg != "number":
        return _typed(cv.to_decimal, cv.decimal_to_string)

    def render(v: object) -> int | float:
        d = cv.to_decimal(v)
        if d is None:
            raise cv.StepError("expected a number, got an empty string")
        return cv.decimal_to_number(d)
    return _typed(cv.to_decimal, render)


def _bool(arg: Any, ctx: BuildContext) -> Built:
    t, f = (arg or {}).get("true"), (arg or {}).get("false")

    def parse(v: object) -> bool | None:
        return cv.to_bool(v, t, f)

    def render(v: object) -> object:
        b = cv.to_bool(v)
        if t is None:
            return b
        return t if b else f
    return _typed(parse, render)


def _zone(name: str) -> ZoneInfo | str:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return f"unknown time zone '{name}' (use an IANA name such as 'Asia/Shanghai')"


def _datetime(arg: Any, ctx: BuildContext) -> Built | str:
    spec = arg if isinstance(arg, dict) else {"format": arg}
    fmt = spec.get("format")
    fmt = None if fmt in (None, "iso") else fmt
    zone = _zone(spec.get("timezone", "UTC"))
    if isinstance(zone, str):
        return zone
    return _typed(cv.datetime_parser(fmt, zone), cv.datetime_renderer(fmt, zone))


def _date(arg: Any, ctx: BuildContext) -> Built:
    fmt = None if arg in (None, "iso") else arg
    return _typed(cv.date_parser(fmt), cv.date_renderer(fmt))


def _truncate(arg: Any, ctx: BuildContext) -> Built:
    return _same(_str_only(lambda s: s[:arg], "truncate"))


def _round(arg: Any, ctx: BuildContext) -> Built:
    places, mode = (arg, "half_up") if isinstance(arg, int) else (arg["places"],
                                                                  arg.get("mode", "half_up"))
    return _same(cv.round_decimal(places, mode))


def _scaler(factor: Decimal, what: str) -> Built:
    def forward(v: object) -> Decimal:
        return cv.number(v, what) * factor

    def inverse(v: object) -> Decimal:
        return cv.number(v, what) / factor
    return Built(forward, inverse, forward)


def _scale(arg: Any, ctx: BuildContext) -> Built | str:
    if Decimal(arg) == 0:
        return "scale factor cannot be 0"
    return _scaler(Decimal(arg), "scale")


def _unit(arg: Any, ctx: BuildContext) -> Built | str:
    src, dst = UNITS[arg["from"]], UNITS[arg["to"]]
    if src[0] != dst[0]:
        return f"cannot convert {src[0]} ({arg['from']}) to {dst[0]} ({arg['to']})"
    return _scaler(src[1] / dst[1], "unit")


def _currency(arg: Any, ctx: BuildContext) -> Built:
    if "rate" in arg:
        return _scaler(Decimal(arg["rate"]), "currency")
    from hub.mapping.paths import parse_path
    remote = parse_path(arg["remote_rate"]).steps() if "remote_rate" in arg else None
    canonical = parse_path(arg["canonical_rate"]).steps() if "canonical_rate" in arg else None

    def rate(src: object, steps: list[str | int] | None, side: str) -> Decimal:
        if steps is None:
            raise cv.StepError(f"currency has no {side}_rate for this direction")
        r: Any = src
        for s in steps:
            r = r.get(s) if isinstance(r, dict) else (r[s] if isinstance(r, list)
                                                       and len(r) > s else None)  # type: ignore[operator]
        d = cv.to_decimal(r) if r is not None else None
        if not d:
            raise cv.StepError(f"no usable exchange rate at '{'.'.join(map(str, steps))}' "
                               f"({cv.describe(r)})")
        return d

    def forward(v: object, src: object) -> Decimal:
        return cv.number(v, "currency") * rate(src, remote, "remote")

    def inverse(v: object, src: object) -> Decimal:
        return cv.number(v, "currency") / rate(src, canonical, "canonical")

    def outbound(v: object, src: object) -> Decimal:
        return cv.number(v, "currency") * rate(src, canonical, "canonical")
    return Built(forward, inverse, outbound, src_forward=True, src_inverse=True)


def _split(arg: Any, ctx: BuildContext) -> Built:
    def split(v: object) -> list[str]:
        if type(v) is list:
            return v  # type: ignore[return-value]
        if type(v) is not str:
            raise cv.StepError(f"split needs text, got {type(v).__name__} {cv.describe(v)}")
        return [p.strip() for p in v.split(arg) if p.strip()]  # type: ignore[union-attr]

    def join(v: object) -> str:
        if type(v) is not list:
            raise cv.StepError(f"join needs a list, got {type(v).__name__} {cv.describe(v)}")
        return arg.join(cv.to_str(p) for p in v if p is not None)  # type: ignore[union-attr]
    return Built(split, join, split)


def _join(arg: Any, ctx: BuildContext) -> Built:
    b = _split(arg, ctx)
    return Built(b.inverse, b.forward, b.inverse)  # type: ignore[arg-type]


def _concat(arg: Any, ctx: BuildContext) -> Built:
    def concat(v: object) -> str | None:
        parts = v if isinstance(v, (list, tuple)) else [v]
        text = arg.join(cv.to_str(p) for p in parts if p is not None and p != "")
        return text or None
    return Built(concat, None, concat, null_aware=True)


def _format(arg: Any, ctx: BuildContext) -> Built | str:
    try:
        parsed = list(string.Formatter().parse(arg))
    except ValueError as exc:
        return f"invalid format template: {exc}"
    for _, name, spec, conversion in parsed:
        if name is None:
            continue
        if name and not name.isdigit():
            return (f"format fields must be {{}} or {{0}}, {{1}}…, not '{{{name}}}' "
                    "(no names, attributes or indexes)")
        if conversion not in (None, "s") or not _SAFE_SPEC.fullmatch(spec or ""):
            return f"format spec '{spec}' is not allowed (use e.g. {{0:.2f}} or {{0:,}})"

    def fmt(v: object) -> str | None:
        if v is None:
            return None
        parts = v if isinstance(v, (list, tuple)) else [v]
        try:
            return arg.format(*("" if p is None else p for p in parts))
        except IndexError:
            raise cv.StepError(f"format '{arg}' needs more values than {len(parts)}") from None
        except ValueError as exc:
            raise cv.StepError(f"format '{arg}' cannot render {cv.describe(v)}: {exc}") from None
    return Built(fmt, None, fmt, null_aware=True)


def _lookup(arg: Any, ctx: BuildContext) -> Built | str:
    table = ctx.lookups.get(arg)
    if table is None:
        from hub.mapping.canonical import suggest
        return f"unknown lookup '{arg}'{suggest(arg, ctx.lookups)}"
    fwd = lookup_function(table, outbound=False)
    return Built(fwd, lookup_function(table, outbound=True), fwd)


def _expr(arg: Any, ctx: BuildContext) -> Built | str:
    try:
        fn = compile_expression(arg)
    except ExpressionError as exc:
        return f"{exc} (at column {exc.col} of the expression)"
    return Built(fn, None, fn, src_forward=True, null_aware=True)


def _fixed(fn: Fn) -> Callable[[Any, BuildContext], Built]:
    return lambda arg, ctx: _same(fn)


def _text_method(name: str, step: str) -> Callable[[Any, BuildContext], Built]:
    fn = _str_only(getattr(str, name), step)
    return lambda arg, ctx: Built(fn, IDENTITY, fn, method=name)


_TEXT = frozenset({"str"})
_NUM = frozenset({"decimal", "int"})
_TZ = {"type": "string", "minLength": 1}
STEPS: dict[str, StepSpec] = {s.name: s for s in [
    StepSpec("string", None, True, None, "str",
             _fixed(cv.to_str), "numbers to text; text unchanged"),
    StepSpec("decimal", {"enum": ["string", "number"]}, True, None, "decimal",
             _decimal, "parse to Decimal; outbound as exact text, or a JSON number"),
    StepSpec("int", None, True, None, "int",
             lambda a, c: _typed(cv.to_int, cv.to_int), "parse to a whole number"),
    StepSpec("bool", {"type": "object", "properties": {"true": {}, "false": {}},
                      "required": ["true", "false"], "additionalProperties": False},
             True, None, "bool", _bool, "parse yes/no; optional remote true/false values"),
    StepSpec("date", {"type": "string", "minLength": 1}, True, None, "date", _date,
             "parse a date: 'iso' (default) or a strftime format like '%Y/%m/%d'"),
    StepSpec("datetime", {"oneOf": [
        {"type": "string", "minLength": 1},
        {"type": "object", "properties": {"format": {"type": "string", "minLength": 1},
                                          "timezone": _TZ},
         "additionalProperties": False}]}, True, None, "datetime", _datetime,
        "parse to aware UTC: format iso|epoch|epoch_ms|strftime; naive times in timezone"),
    StepSpec("trim", None, True, _TEXT, None, _text_method("strip", "trim"),
             "strip surrounding white space"),
    StepSpec("upper", None, True, _TEXT, None, _text_method("upper", "upper"),
             "upper case"),
    StepSpec("lower", None, True, _TEXT, None, _text_method("lower", "lower"),
             "lower case"),
    StepSpec("title", None, True, _TEXT, None, _text_method("title", "title"),
             "title case"),
    StepSpec("truncate", {"type": "integer", "minimum": 1}, False, _TEXT, None, _truncate,
             "keep the first N characters"),
    StepSpec("round", {"oneOf": [
        {"type": "integer", "minimum": 0, "maximum": 20},
        {"type": "object", "properties": {
            "places": {"type": "integer", "minimum": 0, "maximum": 20},
            "mode": {"enum": ["half_up", "half_even"]}},
         "required": ["places"], "additionalProperties": False}]},
        False, _NUM, "decimal", _round, "round a Decimal to N places (half up by default)"),
    StepSpec("scale", {"type": "number"}, False, _NUM, "decimal", _scale,
             "multiply inbound, divide outbound"),
    StepSpec("unit", {"type": "object", "properties": {"from": {"enum": sorted(UNITS)},
                                                       "to": {"enum": sorted(UNITS)}},
                      "required": ["from", "to"], "additionalProperties": False},
             False, _NUM, "decimal", _unit, "convert units, e.g. from t to kg"),
    StepSpec("currency", {"oneOf": [
        {"type": "object", "properties": {"rate": {"type": "number", "exclusiveMinimum": 0}},
         "required": ["rate"], "additionalProperties": False},
        {"type": "object", "properties": {"remote_rate": _PATH, "canonical_rate": _PATH},
         "minProperties": 1, "additionalProperties": False}]},
        False, _NUM, "decimal", _currency,
        "canonical = remote × rate (fixed, or read from each side's record)"),
    StepSpec("split", {"type": "string", "minLength": 1}, False, _TEXT, "list", _split,
             "text to a list (trimmed, empties dropped); outbound joins"),
    StepSpec("join", {"type": "string"}, False, frozenset({"list"}), "str", _join,
             "a list to text; outbound splits"),
    StepSpec("concat", {"type": "string"}, False, None, "str", _concat,
             "join several values with a separator, skipping empty ones"),
    StepSpec("format", {"type": "string", "minLength": 1}, False, None, "str", _format,
             "a template with {} or {0} {1}… fields"),
    StepSpec("lookup", {"type": "string", "minLength": 1}, False, None, None, _lookup,
             "translate through a lookup table; outbound uses its reverse"),
    StepSpec("expr", {"type": "string", "minLength": 1}, False, None, "any", _expr,
             "a safe expression of value and src"),
]}


def step_schema() -> dict[str, Any]:
    """JSON Schema of one step: a bare name, or a one-key mapping name → argument."""
    bare = sorted(n for n, s in STEPS.items() if s.bare)
    props = {n: (s.arg_schema if s.arg_schema is not None else {"type": "null"}) |
             {"description": s.summary} for n, s in STEPS.items()}
    return {
        "if": {"type": "string"},
        "then": {"enum": bare},
        "else": {"title": "transform", "type": "object", "properties": props,
                 "additionalProperties": False,
                 "minProperties": 1, "maxProperties": 1},
    }
