"""Validation that tries pydantic-core alone first, and Python's validators after.

A validator written in Python (``AfterValidator(_email)``) costs a call back from
pydantic-core into Python for every value: for a customer with one contact, the
e-mail, country and currency checks were 29% of validating it, and the reference ERP
spent 5% of its time in ``_email``. ``NATIVE_FORMS`` (``hub.models.base``) says which
of them pydantic-core can do by itself, for values in their usual form; a schema with
those in place of the Python calls validates the usual record without calling back.

It may refuse what the Python validator accepts (an address whose domain is in upper
case), never the reverse, and it gives the same value for what it accepts. So the
caller validates with it first and, only when it refuses, again with the real schema:
that gives the same result or the exact errors, whose messages name the bad value.
"""

from __future__ import annotations

from typing import Any

from pydantic_core import CoreSchema, SchemaValidator, core_schema

from hub.models.base import NATIVE_FORMS


def first_try(schema: CoreSchema) -> SchemaValidator | None:
    """A validator of ``with_native_forms(schema)``; None when that is ``schema``
    itself (nothing to gain)."""
    replaced = with_native_forms(schema)
    return None if replaced is schema else SchemaValidator(replaced)


def with_native_forms(schema: CoreSchema) -> CoreSchema:
    """``schema`` with ``NATIVE_FORMS`` in place of their Python validators; ``schema``
    itself when it holds none of them."""
    return _replaced(schema)  # type: ignore[no-any-return]


def _replaced(node: Any) -> Any:
    """``node`` with each function-after of ``NATIVE_FORMS`` replaced; ``node`` itself
    where nothing under it is."""
    if isinstance(node, dict):
        form = _native_form(node)
        if form is not None:
            return core_schema.chain_schema([_replaced(node["schema"]), form])
        items = {key: _replaced(value) for key, value in node.items() if key != "metadata"}
        if all(items[key] is node[key] for key in items):
            return node
        return {**node, **items}
    if isinstance(node, (list, tuple)):
        values = [_replaced(value) for value in node]
        if all(a is b for a, b in zip(values, node)):
            return node
        return values if isinstance(node, list) else tuple(values)
    return node


def _native_form(node: dict[str, Any]) -> CoreSchema | None:
    function = node.get("function")
    if node.get("type") != "function-after" or not isinstance(function, dict) \
            or function.get("type") != "no-info":
        return None
    for validator, form in NATIVE_FORMS.items():   # by identity: not every callable hashes
        if function.get("function") is validator:
            return form
    return None
