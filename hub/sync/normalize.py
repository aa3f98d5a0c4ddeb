"""One JSON form for canonical values, so that equal means equal.

Two systems may say ``1000.5`` and ``1000.50``, or ``+08:00`` and ``Z`` for the same
instant; the hub compares, hashes and stores the normalised form, so echo
suppression and field diffs are not fooled by notation.

The sync runs this for every record it reads, on the record's Python-mode dump (what
``hub.models.validated`` gives): ``canonical_json`` takes every field whose dump
already is the normalised form (strings, numbers, booleans, lists and models of
those) as it is and normalises only the rest (amounts, times, sets) in Python.
"""

from __future__ import annotations

import hashlib
import json
import types
from collections.abc import Mapping
from datetime import date, datetime, timezone
from decimal import Decimal
from functools import lru_cache
from typing import Annotated, Any, Literal, Union, get_args, get_origin

import orjson
from pydantic import BaseModel

JsonValue = Any
CanonicalJson = dict[str, JsonValue]
BOOKKEEPING = frozenset({"hub_id", "updated_at"})


def normalise(value: Any) -> JsonValue:
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, Decimal):
        if value == value.to_integral_value():
            return str(value.quantize(Decimal(1)))
        return format(value.normalize(), "f")
    if isinstance(value, float):
        return normalise(Decimal(repr(value)))
    if isinstance(value, datetime):
        return value.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, BaseModel):
        return normalise(value.model_dump())
    if isinstance(value, Mapping):
        return {str(k): normalise(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [normalise(v) for v in value]
    if isinstance(value, (set, frozenset)):
        return sorted(normalise(v) for v in value)
    raise TypeError(f"cannot normalise {type(value).__name__}")


def canonical_json(model: type[BaseModel], dumped: dict[str, Any],
                   fields: frozenset[str] | None = None) -> CanonicalJson:
    """The fields (all, or ``fields``) of the record whose Python-mode dump
    (``model_dump()``) is ``dumped``, in normalised JSON, hub bookkeeping left out.

    For the fields pydantic dumps in normalised form, the Python and JSON modes give
    the same values, so those are taken as they are. The result may share nested lists
    and objects with ``dumped``.
    """
    split = _split(model, fields)
    if split is None:
        return normalise({k: v for k, v in dumped.items()  # type: ignore[no-any-return]
                          if k not in BOOKKEEPING and (fields is None or k in fields)})
    order, others = split
    data = {name: dumped[name] for name in order}
    for name in others:               # the few fields to normalise (None stays None)
        value = data[name]
        if value is not None:
            data[name] = normalise(value)
    return data


def canonical_bytes(data: CanonicalJson) -> bytes:
    """Normalised JSON as the hub hashes and stores it: keys sorted, the same bytes as
    ``json.dumps(sort_keys=True, ensure_ascii=False, separators=(",", ":"))``, which
    orjson writes much faster."""
    try:
        return orjson.dumps(data, option=orjson.OPT_SORT_KEYS)
    except TypeError:           # e.g. an integer beyond 64 bits
        return json.dumps(data, sort_keys=True, ensure_ascii=False,
                          separators=(",", ":")).encode()


def content_hash(data: CanonicalJson) -> str:
    """A digest of normalised JSON (``digest_of(canonical_bytes(data))``)."""
    return digest_of(canonical_bytes(data))


def digest_of(encoded: bytes) -> str:
    """The content hash of JSON that ``canonical_bytes`` wrote."""
    return hashlib.blake2b(encoded, digest_size=20).hexdigest()


@lru_cache(maxsize=256)
def _split(model: type[BaseModel], fields: frozenset[str] | None
           ) -> tuple[tuple[str, ...], tuple[str, ...]] | None:
    """(field order, the fields whose dump is to be normalised: those pydantic does not
    dump in normalised form); None for a model whose dump may hold more than its
    declared fields."""
    if not _plain_model(model, allow_extra=False):
        return None
    order = tuple(name for name, info in model.model_fields.items()
                  if name not in BOOKKEEPING and not info.exclude
                  and (fields is None or name in fields))
    return order, tuple(name for name in order
                        if not _plain(model.model_fields[name].annotation))


def _plain_model(model: type[BaseModel], *, allow_extra: bool = True) -> bool:
    """A model whose JSON dump is its declared fields, unchanged by serializers."""
    decorators = model.__pydantic_decorators__
    return (not decorators.field_serializers and not decorators.model_serializers
            and not model.model_computed_fields
            and (allow_extra or model.model_config.get("extra") != "allow"))


_PLAIN_TYPES = (str, int, bool, type(None))


def _plain(annotation: Any, seen: frozenset[type] = frozenset()) -> bool:
    """Whether pydantic's JSON-mode dump of a value of this type is already normalised."""
    if annotation in _PLAIN_TYPES:
        return True
    origin = get_origin(annotation)
    args = get_args(annotation)
    if origin is Literal:
        return all(isinstance(arg, _PLAIN_TYPES) for arg in args)
    if origin is Annotated:
        return _plain(args[0], seen)
    if origin in (Union, types.UnionType, list):
        return all(_plain(arg, seen) for arg in args)
    if origin is dict:
        return len(args) == 2 and args[0] is str and _plain(args[1], seen)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        if annotation in seen:
            return False                     # a recursive model: normalise it in Python
        return (_plain_model(annotation, allow_extra=False)
                and all(_plain(f.annotation, seen | {annotation})
                        for f in annotation.model_fields.values()))
    return False
