"""pydantic-core's forms of the Python validators accept only what those accept, and
give the same value; records are judged by them first and keep their exact errors."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sys

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from pydantic import ValidationError
from pydantic_core import SchemaValidator

from hub.models import Customer
from hub.models.base import _country, _currency, _email
from hub.models.native import NATIVE_FORMS, first_try, with_native_forms
from hub.models.validated import _dump_validators, validated_dump

NATIVE = {validator: SchemaValidator(form) for validator, form in NATIVE_FORMS.items()}

# Text close to what each validator takes, and odd characters around and inside it.
ODD = st.sampled_from([" ", "\t", "\n", "\x1c", "\x85", "\xa0", "\u2003", "ß", "ı", "ſ",
                       "ﬁ", "İ", "K", "@", ".", "-", "_", "+", "%", "<", '"', "1", "é"])
PIECE = st.text(alphabet=st.characters(codec="utf-8") | ODD, max_size=4)
LETTERS = st.text(alphabet=st.sampled_from("abcdefghijklmnopqrstuvwxyzABCDEFXYZ"),
                  min_size=1, max_size=6)
CODES = st.builds(lambda a, code, b: a + code + b, PIECE,
                  st.sampled_from(["DE", "de", "Us", "cn", "XX", "usd", "EUR", "eur", "ZZZ",
                                   "ﬁ", "ſe", "ıt", "D E"]), PIECE)
EMAILS = st.builds(lambda a, local, domain, tld, b: f"{a}{local}@{domain}.{tld}{b}",
                   PIECE, LETTERS | PIECE, LETTERS | PIECE, LETTERS | PIECE, PIECE)


def judged(call: Callable[[], Any]) -> tuple[bool, Any]:
    try:
        return True, call()
    except (ValueError, ValidationError):
        return False, None


@pytest.mark.parametrize("validator", [_country, _currency])
@given(value=CODES)
@example(value=" de\x1c")
@example(value="ﬁ")
def test_a_native_code_check_accepts_only_what_the_validator_accepts(
        validator: Callable[[str], str], value: str) -> None:
    native_ok, native_value = judged(lambda: NATIVE[validator].validate_python(value))
    python_ok, python_value = judged(lambda: validator(value))
    if native_ok:
        assert python_ok and native_value == python_value


@given(value=EMAILS)
@example(value="buyer@example.com")
@example(value="\x1cbuyer@example.com")
@example(value="Buyer.One@example.co")
@example(value="buyer@Example.com")
@example(value="buyer@example.COM")
def test_the_native_email_check_accepts_only_what_the_validator_accepts(value: str) -> None:
    native_ok, native_value = judged(lambda: NATIVE[_email].validate_python(value))
    python_ok, python_value = judged(lambda: _email(value))
    if native_ok:
        assert python_ok and native_value == python_value


def test_every_native_form_is_checked_here() -> None:
    assert set(NATIVE_FORMS) == {_country, _currency, _email}


def test_the_usual_values_pass_the_native_checks() -> None:
    """Else the first try would be refused every time and only cost."""
    assert NATIVE[_country].validate_python(" de ") == "DE"
    assert NATIVE[_currency].validate_python("usd") == "USD"
    assert NATIVE[_email].validate_python(" li.wei+sales@example.com.cn ") \
        == "li.wei+sales@example.com.cn"


def function_afters(node: Any) -> list[Any]:
    if isinstance(node, dict):
        found = [node["function"]["function"]] if node.get("type") == "function-after" else []
        return found + [f for k, v in node.items() if k != "metadata"
                        for f in function_afters(v)]
    if isinstance(node, (list, tuple)):
        return [f for v in node for f in function_afters(v)]
    return []


def test_a_customer_is_first_judged_with_no_call_into_python_validators() -> None:
    validators = _dump_validators(Customer)
    assert validators is not None
    first, exact = validators
    assert first is not None and first is not exact
    schema = Customer.__pydantic_core_schema__
    assert set(function_afters(schema)) >= {_country, _currency, _email}
    assert not set(function_afters(with_native_forms(schema))) & set(NATIVE_FORMS)


def test_a_schema_without_those_validators_gets_no_second_validator() -> None:
    assert first_try({"type": "str"}) is None


def test_what_the_first_try_refuses_is_judged_by_the_python_validators() -> None:
    record = {"hub_id": "-", "name": "Lumen GmbH", "country": "de", "currency": "eur",
              "contacts": [{"name": "Li Wei", "email": " Li.Wei@Lumen.DE "}]}
    dumped = validated_dump(Customer, record)
    assert dumped == Customer.model_validate(record).model_dump()
    assert dumped["contacts"][0]["email"] == "Li.Wei@lumen.de"
    assert (dumped["country"], dumped["currency"]) == ("DE", "EUR")


def test_a_refused_record_keeps_the_messages_that_name_the_bad_value() -> None:
    record = {"hub_id": "-", "name": "Lumen GmbH", "country": "Germany",
              "contacts": [{"name": "Li Wei", "email": "li at lumen"}]}
    with pytest.raises(ValidationError) as refused:
        validated_dump(Customer, record)
    messages = {e["loc"]: e["msg"] for e in refused.value.errors()}
    assert messages == {
        ("country",): "Value error, 'Germany' is not an ISO 3166-1 alpha-2 country code "
                      "(e.g. 'US', 'CN')",
        ("contacts", 0, "email"): "Value error, 'li at lumen' is not an e-mail address "
                                  "(e.g. 'buyer@example.com')"}


def test_a_usual_customer_is_validated_without_calling_a_python_validator() -> None:
    called: list[str] = []

    def watch(frame: Any, event: str, arg: Any) -> None:
        if event == "call" and frame.f_code in {v.__code__ for v in NATIVE_FORMS}:
            called.append(frame.f_code.co_name)

    record = {"hub_id": "-", "name": "Lumen GmbH", "country": "de", "currency": "EUR",
              "contacts": [{"name": "Li Wei", "email": "li.wei@lumen.de"}]}
    sys.setprofile(watch)
    try:
        dumped = validated_dump(Customer, record)
    finally:
        sys.setprofile(None)
    assert called == []
    assert dumped == Customer.model_validate(record).model_dump()
    record["contacts"][0]["email"] = "li.wei@Lumen.DE"      # not the usual form
    sys.setprofile(watch)
    try:
        validated_dump(Customer, record)
    finally:
        sys.setprofile(None)
    assert "_email" in called
