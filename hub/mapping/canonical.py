"""What a canonical path points at, read from the pydantic models themselves.

The models are the single source of truth for field names and types, so a mapping
can be checked against them without a second, drifting list of fields.
"""

from __future__ import annotations

import difflib
import types
import typing
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from pydantic import BaseModel

from hub.mapping.paths import EACH, Path

__all__ = ["FieldInfo", "Resolution", "compatible", "kind_of", "resolve", "suggest"]

Kind = str
"""One of: str, literal, decimal, int, bool, date, datetime, list, object, any."""


@dataclass(frozen=True)
class FieldInfo:
    kind: Kind
    item: type[BaseModel] | Kind | None = None   # list element (model or scalar kind)
    model: type[BaseModel] | None = None          # for kind "object"
    literals: tuple[str, ...] = ()
    required: bool = False
    nullable: bool = True           # None is a valid value (an Optional field)


@dataclass(frozen=True)
class Resolution:
    """The outcome of resolving a path: the field's info, or why it does not exist."""

    info: FieldInfo | None
    error: str | None = None
    code: str = "unknown-field"


def _unwrap(tp: object) -> object:
    while True:
        origin = typing.get_origin(tp)
        if origin is typing.Annotated:
            tp = typing.get_args(tp)[0]
        elif origin in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(tp) if a is not type(None)]
            if len(args) != 1:
                return tp
            tp = args[0]
        else:
            return tp


def _strip_annotated(tp: object) -> object:
    while typing.get_origin(tp) is typing.Annotated:
        tp = typing.get_args(tp)[0]
    return tp


def kind_of(tp: object) -> FieldInfo:
    tp = _unwrap(tp)
    origin = typing.get_origin(tp)
    if origin is typing.Literal:
        return FieldInfo("literal", literals=tuple(str(a) for a in typing.get_args(tp)))
    if origin is list:
        (item,) = typing.get_args(tp) or (object,)
        item = _unwrap(item)
        if isinstance(item, type) and issubclass(item, BaseModel):
            return FieldInfo("list", item=item)
        return FieldInfo("list", item=kind_of(item).kind)
    if isinstance(tp, type):
        if issubclass(tp, BaseModel):
            return FieldInfo("object", model=tp)
        for py, kind in ((bool, "bool"), (int, "int"), (Decimal, "decimal"),
                         (datetime, "datetime"), (date, "date"), (str, "str")):
            if issubclass(tp, py):
                return FieldInfo(kind)
    return FieldInfo("any")


def fields_of(model: type[BaseModel]) -> dict[str, FieldInfo]:
    out = {}
    for name, f in model.model_fields.items():
        info = kind_of(f.annotation)
        nullable = type(None) in typing.get_args(_strip_annotated(f.annotation))
        out[name] = FieldInfo(info.kind, info.item, info.model, info.literals, f.is_required(),
                              nullable)
    return out


def suggest(name: str, choices: typing.Iterable[str]) -> str:
    close = difflib.get_close_matches(name, list(choices), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def resolve(model: type[BaseModel], path: Path) -> Resolution:
    """Walk ``path`` through ``model``; ``[n]``/``[]`` must follow a list field."""
    current: type[BaseModel] | None = model
    info: FieldInfo | None = None
    walked: list[str] = []
    for seg in path.segments:
        if current is None:
            assert info is not None
            return Resolution(None, f"'{'.'.join(walked)}' is a {info.kind} field and has no "
                                    f"field '{seg.key}'", "not-an-object")
        fields = fields_of(current)
        if seg.key not in fields:
            return Resolution(None, f"'{seg.key}' is not a field of {current.__name__}"
                                    f"{suggest(seg.key, fields)}")
        info = fields[seg.key]
        walked.append(str(seg))
        if seg.indexes:
            if info.kind != "list" or len(seg.indexes) > 1:
                return Resolution(None, f"'{seg.key}' of {current.__name__} is not a list; "
                                        f"remove the [{'' if EACH in seg.indexes else 'n'}]",
                                  "not-a-list")
            item = info.item
            if isinstance(item, type):
                current, info = item, FieldInfo("object", model=item, required=True)
            else:
                current, info = None, FieldInfo(item or "any")
        elif info.kind == "list" and isinstance(info.item, type) and \
                seg is not path.segments[-1]:
            return Resolution(None, f"'{seg.key}' is a list of {info.item.__name__}; write "
                                    f"{seg.key}[0].… for one item or {seg.key}[].… for every "
                                    "item", "not-an-object")
        elif info.kind == "object":
            current = info.model
        else:
            current = None
    return Resolution(info)


def compatible(produced: Kind, field: FieldInfo) -> bool:
    if produced == "any" or field.kind == "any":
        return True
    if field.kind == "decimal":
        return produced in ("decimal", "int")
    if field.kind == "literal":
        return produced == "str"
    return produced == field.kind
