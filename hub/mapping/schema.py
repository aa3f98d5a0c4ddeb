"""The JSON Schema of mapping and lookup files, and located schema errors.

The schema is built here from the transform registry and the canonical entity list,
so it cannot drift from the code; ``mappings/schema.json`` is this document written
out (``tradehub mappings schema``), kept identical by a test.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError, best_match

from hub.mapping.canonical import suggest
from hub.mapping.steps import STEPS, step_schema
from hub.mapping.yamlnodes import Document
from hub.models import ENTITIES

__all__ = ["mapping_schema", "schema_issues"]

_NAME = r"[^.\[\]\s](?:[^.\[\]]*[^.\[\]\s])?"
_PATH_PATTERN = rf"^{_NAME}(\[\d*\])*(\.{_NAME}(\[\d*\])*)*$"
_STEP_LISTS = {"transform", "inbound", "outbound"}


def mapping_schema() -> dict[str, Any]:
    path = {"type": "string", "pattern": _PATH_PATTERN,
            "description": "e.g. name, credit.limit, contacts[0].email, lines[].sku"}
    paths = {"if": {"type": "array"},
             "then": {"type": "array", "items": path, "minItems": 2},
             "else": path}
    steps = {"type": "array", "items": {"$ref": "#/$defs/step"}}
    table = {
        "values": {"type": "object", "minProperties": 1,
                   "description": "remote value → canonical value"},
        "reverse": {"type": "object",
                    "description": "canonical value → remote value, where values repeat"},
        "default": {"description": "canonical value for remote values not in the table"},
        "ignore_case": {"type": "boolean"},
        "description": {"type": "string"},
    }
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://tradehub.dev/schemas/mapping.json",
        "title": "TradeHub mapping or shared lookup file",
        "type": "object",
        "if": {"required": ["lookup"]},
        "then": {"$ref": "#/$defs/lookupFile"},
        "else": {"$ref": "#/$defs/mapping"},
        "$defs": {
            "mapping": {
                "title": "the mapping",
                "type": "object",
                "required": ["entity", "connector", "remote_object", "key", "fields"],
                "additionalProperties": False,
                "properties": {
                    "entity": {"enum": sorted(ENTITIES), "description": "canonical entity"},
                    "connector": {"type": "string", "minLength": 1},
                    "remote_object": {"type": "string", "minLength": 1},
                    "description": {"type": "string"},
                    "key": {
                        "title": "key", "type": "object", "required": ["canonical", "remote"],
                        "additionalProperties": False,
                        "description": "natural key; a list on both sides for a composite key "
                                       "(values joined with '@', e.g. LED-9W@SH-01)",
                        "properties": {"canonical": paths, "remote": paths}},
                    "lookups": {"type": "object",
                                "additionalProperties": {"$ref": "#/$defs/lookup"}},
                    "fields": {"type": "array", "minItems": 1,
                               "items": {"$ref": "#/$defs/rule"}},
                },
            },
            "rule": {
                "title": "a field rule",
                "type": "object",
                "additionalProperties": False,
                "properties": {
                    "canonical": paths | {"description": "canonical field path(s)"},
                    "remote": paths | {"description": "remote field path(s)"},
                    "direction": {"enum": ["both", "inbound", "outbound"]},
                    "transform": steps | {"description": "remote → canonical; inverted "
                                                         "outbound"},
                    "inbound": steps | {"description": "extra steps, inbound only"},
                    "outbound": steps | {"description": "extra steps, outbound only"},
                    "default": {"description": "canonical value when the source is empty"},
                    "note": {"type": "string"},
                },
            },
            "lookup": {
                "if": {"required": ["file"]},
                "then": {"title": "a lookup reference", "type": "object",
                         "additionalProperties": False,
                         "properties": {"file": {"type": "string", "pattern": r"\.ya?ml$"}}},
                "else": {"title": "a lookup table", "type": "object", "required": ["values"],
                         "additionalProperties": False, "properties": table},
            },
            "lookupFile": {
                "title": "the lookup file", "type": "object",
                "required": ["lookup", "values"], "additionalProperties": False,
                "properties": {"lookup": {"type": "string", "minLength": 1}} | table,
            },
            "step": step_schema() | {"title": "transform"},
        },
    }


@lru_cache(maxsize=1)
def _validator() -> Draft202012Validator:
    return Draft202012Validator(mapping_schema())


def schema_issues(doc: Document) -> None:
    """Validate ``doc.data`` and add one located issue per schema error (all of them)."""
    if not isinstance(doc.data, dict):
        got = "an empty file" if doc.data is None else type(doc.data).__name__
        doc.issue((), "wrong-type", f"a mapping file must be a YAML mapping, got {got}")
        return
    for error in _validator().iter_errors(doc.data):
        _translate(error, doc)


def _where(error: ValidationError) -> str:
    title = error.schema.get("title") if isinstance(error.schema, dict) else None
    return title or "this object"


def _translate(error: ValidationError, doc: Document) -> None:
    at = tuple(error.absolute_path)
    inst = error.instance
    kind = error.validator
    in_steps = len(at) >= 2 and at[-2] in _STEP_LISTS
    if kind in ("oneOf", "anyOf") and error.context:
        _translate(best_match(error.context), doc)
        return
    if kind == "additionalProperties" and isinstance(inst, dict):
        allowed = set(error.schema.get("properties", {}))
        for extra in sorted(set(inst) - allowed):
            if error.schema.get("title") == "transform":
                msg = f"unknown transform '{extra}'{suggest(extra, STEPS)}"
                doc.issue(at + (extra,), "unknown-transform", msg, key=True)
            else:
                msg = f"unknown key '{extra}' in {_where(error)}{suggest(extra, allowed)}"
                doc.issue(at + (extra,), "unknown-key", msg, key=True)
        return
    if kind == "required" and isinstance(inst, dict):
        for name in error.validator_value:
            if name not in inst:
                doc.issue(at, "missing-key", f"{_where(error)} needs '{name}'")
        return
    if kind == "enum" and in_steps and isinstance(inst, str):
        if inst in STEPS:
            msg = f"transform '{inst}' needs an argument: write {{{inst}: …}}"
        else:
            msg = f"unknown transform '{inst}'{suggest(inst, STEPS)}"
        doc.issue(at, "unknown-transform", msg)
        return
    if kind == "enum":
        options = [str(o) for o in error.validator_value]
        hint = suggest(str(inst), options) if isinstance(inst, str) else ""
        shown = ", ".join(options) if len(options) <= 12 else ", ".join(options[:12]) + ", …"
        doc.issue(at, "bad-value", f"{inst!r} is not one of: {shown}{hint}")
        return
    if kind == "type":
        want = error.validator_value
        want = " or ".join(want) if isinstance(want, list) else want
        hint = ""
        if at in doc.yaml11_bools:
            hint = " (YAML reads yes/no/on/off as booleans; quote it)"
        doc.issue(at, "wrong-type", f"expected {_article(want)}, got {_json_type(inst)}{hint}")
        return
    if kind == "pattern" and error.validator_value == _PATH_PATTERN:
        return  # the semantic check parses paths and explains what is wrong
    if kind in ("minProperties", "maxProperties") and error.schema.get("title") == "transform":
        doc.issue(at, "bad-transform", "a transform is one name, optionally with an argument, "
                                       "e.g. {round: 2}")
        return
    doc.issue(at, "schema", _clean(error.message))


def _article(word: str) -> str:
    return ("an " if word[:1] in "aeiou" else "a ") + word


def _json_type(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)) or type(value).__name__ == "Decimal":
        return f"the number {value}"
    if isinstance(value, str):
        return f"the text {value!r}"
    if isinstance(value, list):
        return "a list"
    return "a mapping"


def _clean(message: str) -> str:
    return re.sub(r"Decimal\('([^']*)'\)", r"\1", message)
