"""Validation that tries pydantic-core alone first, and Python's validators after.

A validator written in Python (``AfterValidator(_email)``) costs a call back from
pydantic-core into Python for every value: for a customer with one contact, the
e-mail, country and currency checks were 29% of validating it, and a sync validates
every record it reads. A validator that pydantic-core can do by itself,
for values in their usual form, says so with ``has_native_form``; a schema with those
forms in place of the Python calls validates the usual record without calling back.

It may refuse what the Python validator accepts (an address whose domain is in upper
case), never the reverse, and it gives the same value for what it accepts. So the
caller validates with it first and, only when it refuses, again with the real schema:
that gives the same result or the exact errors, whose messages name the bad value.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Any, TypeVar

from pydantic_core import CoreSchema, SchemaValidator, core_schema

Validator = TypeVar("Validator", bound=Callable[[Any], Any])

NATIVE_FORMS: dict[Callable[[Any], Any], CoreSchema] = {}
"""Validators (used as ``AfterValidator``) and their forms in pydantic-core."""


def has_native_form(form: CoreSchema) -> Callable[[Validator], Validator]:
    """Register ``form`` as what pydantic-core alone checks for the decorated validator.

    ``form`` must accept all or part of what the validator accepts, and give the same
    value for it; the validator, whose message names the bad value, still judges
    anything ``form`` refuses. (``tests/models/test_native.py`` checks each.)
    """
    def register(validator: Validator) -> Validator:
        NATIVE_FORMS[validator] = form
        return validator
    return register


def code_in(codes: Collection[str]) -> CoreSchema:
    """One of ``codes``, in any case and with surrounding whitespace: given upper-cased."""
    return core_schema.chain_schema([
        core_schema.str_schema(strip_whitespace=True, to_upper=True),
        core_schema.literal_schema(sorted(codes))])


def first_try(schema: CoreSchema) -> SchemaValidator | None:
    """A validator of ``with_native_forms(schema)``; None when that is ``schema``
    itself (nothing to gain).

    For schemas that hold no model as such: pydantic-core validates a nested model
    whose class is built with the validator of that class, whatever the schema says
    under it. ``hub.models.validated`` turns models into typed dicts first.
    """
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
