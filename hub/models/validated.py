"""Validation straight into a model's Python-mode dump, without the model in between.

The sync validates every record it reads and then works on the model's dump (a dict),
never on the model. pydantic-core can give that dict itself: the model's own core
schema, with each model in it turned into a typed dict of the same fields, validates
exactly as the model does (same checks, defaults, validators, configuration and error
messages) and returns what ``model_dump()`` would have. It skips building each model
and its nested models and dumping them again: 42% of the instructions of validating
and dumping a customer (valgrind).

That holds only where the model adds nothing of its own to its dump: no serializer,
computed field or excluded field, no model validator (it expects the model), no
``model_post_init`` or custom ``__init__``, no extra fields kept. A model with any of
these (``dump_validator`` gives None) is validated and dumped as usual.

A record is validated by pydantic-core alone first (``hub.models.native``), and with
the exact schema only when that refuses it.

One difference is left, outside what the sync gives it (JSON, never models): where a
nested model is expected, an instance of its class is refused like any other value
that is not an object, and the error says "Input should be a valid dictionary"
without "or instance of Contact".
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import SchemaValidator

from hub.models.native import first_try

Schema = dict[str, Any]


class _NeedsTheModel(Exception):
    """Raised while converting a schema that the model itself takes part in."""


def validated_dump(model: type[BaseModel], data: Mapping[str, Any]) -> dict[str, Any]:
    """``model.model_validate(data).model_dump()``, and the same ``ValidationError``."""
    validators = _dump_validators(model)
    if validators is None:
        return model.model_validate(data).model_dump()
    first, exact = validators
    if first is not None:
        try:
            return first.validate_python(data)  # type: ignore[no-any-return]
        except ValidationError:
            pass            # judged again: the same dump, or the exact errors
    return exact.validate_python(data)  # type: ignore[no-any-return]


def dump_validator(model: type[BaseModel]) -> SchemaValidator | None:
    """A validator whose result is ``model``'s Python-mode dump; None where only the
    model itself gives that."""
    validators = _dump_validators(model)
    return None if validators is None else validators[1]


@lru_cache(maxsize=128)
def _dump_validators(model: type[BaseModel]
                     ) -> tuple[SchemaValidator | None, SchemaValidator] | None:
    """(pydantic-core alone, where that differs: ``hub.models.native``; the dump's
    exact validator), or None where only the model itself gives the dump."""
    try:
        schema = _as_dicts(model.__pydantic_core_schema__)
    except _NeedsTheModel:
        return None
    return first_try(schema), SchemaValidator(schema)  # type: ignore[arg-type]


_CHILDREN = ("schema", "items_schema", "keys_schema", "values_schema")
_FUNCTIONS = frozenset({"function-before", "function-after", "function-wrap", "function-plain"})
_EMPTY = (list, dict, set, frozenset, tuple)
_INSTANCES = frozenset({"dataclass", "dataclass-args", "call", "model-fields"})


def _as_dicts(schema: Schema) -> Schema:
    kind = schema["type"]
    if "serialization" in schema or kind in _INSTANCES:
        raise _NeedsTheModel(kind)
    if kind == "model":
        return _typed_dict(schema)
    if kind in _FUNCTIONS and "schema" in schema and _holds_model(schema["schema"]):
        raise _NeedsTheModel(kind)          # the function is given the model
    if (kind == "default" and _holds_model(schema["schema"])
            and (isinstance(schema.get("default"), BaseModel)
                 or schema.get("default_factory") not in (None, *_EMPTY))):
        raise _NeedsTheModel(kind)          # the default may be a model
    if kind in ("tuple", "arguments"):
        raise _NeedsTheModel(kind)          # rare in records; not worth converting
    converted = dict(schema)
    for key in _CHILDREN:
        if isinstance(schema.get(key), dict):
            converted[key] = _as_dicts(schema[key])
    if kind == "definitions":
        converted["definitions"] = [_as_dicts(d) for d in schema["definitions"]]
    if kind in ("union", "tagged-union"):
        converted["choices"] = _choices(schema["choices"])
    return converted


def _choices(choices: Any) -> Any:
    if isinstance(choices, dict):           # a tagged union: tag → schema
        return {tag: _as_dicts(choice) for tag, choice in choices.items()}
    return [(_as_dicts(c[0]), c[1]) if isinstance(c, tuple) else _as_dicts(c) for c in choices]


def _typed_dict(schema: Schema) -> Schema:
    """A model's schema as a typed dict of its fields, under the model's own name and
    configuration, so that errors read the same."""
    fields = schema["schema"]
    config = schema.get("config", {})
    if (schema.get("custom_init") or schema.get("root_model") or schema.get("post_init")
            or fields.get("computed_fields") or fields.get("extras_schema")
            or fields.get("extra_behavior") == "allow"
            or config.get("extra_fields_behavior") == "allow"):
        raise _NeedsTheModel(schema.get("ref", "model"))
    converted: Schema = {"type": "typed-dict", "fields": {
        name: _typed_dict_field(field) for name, field in fields["fields"].items()},
        "cls_name": fields.get("model_name") or config.get("title"), "config": config}
    behaviour = fields.get("extra_behavior") or config.get("extra_fields_behavior")
    if behaviour:
        converted["extra_behavior"] = behaviour
    if "ref" in schema:
        converted["ref"] = schema["ref"]
    return converted


def _typed_dict_field(field: Schema) -> Schema:
    if field.get("serialization_exclude") or field.get("serialization_exclude_if"):
        raise _NeedsTheModel("excluded field")
    inner = field["schema"]
    converted: Schema = {"type": "typed-dict-field", "schema": _as_dicts(inner),
                         "required": inner["type"] != "default"}
    for key in ("validation_alias", "serialization_alias", "metadata"):
        if key in field:
            converted[key] = field[key]
    return converted


def _holds_model(schema: Any) -> bool:
    if isinstance(schema, dict):
        if schema.get("type") in ("model", "definition-ref", "dataclass"):
            return True
        return any(_holds_model(v) for k, v in schema.items() if k != "metadata")
    if isinstance(schema, (list, tuple)):
        return any(_holds_model(v) for v in schema)
    return False
