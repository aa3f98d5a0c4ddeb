"""Validating straight into a model's dump gives what the model gives: the same dump,
in the same order, or the same errors. Stored hashes and golden records depend on it."""

from __future__ import annotations

import json
from datetime import date, datetime, timezone
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    computed_field,
    field_serializer,
    field_validator,
    model_validator,
)

from hub.models import ENTITIES, Contact, Money, SalesOrderLine, ShipmentLine
from hub.models.validated import dump_validator, validated_dump

MODELS: list[type[BaseModel]] = [*ENTITIES.values(), Contact, Money, SalesOrderLine, ShipmentLine]

# Values that are valid for some field of some model, and many that are not.
VALUES = [None, "", "  ", " de ", "DE", "usd", "USD", "EUR", "x" * 250, "SKU-1", "Hamburg",
          "buyer@Example.COM", "not an e-mail", "2026-03-01", "2026-03-01T08:00:00+08:00",
          "2026-03-01T08:00:00", "12.50", "-3", "1e3", 0, 7, -1, 10**30, 2.5, True, False,
          [], ["a", "b"], [{"name": "Li Wei", "email": "li@example.cn"}], [{"name": ""}],
          [{"line_key": "1", "sku": "LED-1", "quantity": "5", "unit_price": "2.50"}],
          {"amount": "10", "currency": "EUR"}, {"x": 1}, "open", "shipped", "whatsapp",
          "customer", "FOB", "T/T", "94054090", "9405.40"]


NOT_AN_OBJECT = {"model_type", "dict_type"}
"""A nested model given something else than an object: the model's message adds "or
instance of Contact", the typed dict's does not (the one difference in what they say)."""


def outcome(call: Any) -> tuple[str, Any]:
    try:
        return "ok", call()
    except ValidationError as exc:   # as JSON: a raised ValueError is equal to no other
        errors = json.loads(exc.json(include_url=False))
        if any(e["type"] in NOT_AN_OBJECT for e in errors):
            return "error", (exc.title, [(e["loc"], e["input"]) if e["type"] in NOT_AN_OBJECT
                                         else e for e in errors])
        return "error", (exc.title, errors, str(exc))


def assert_same_order(a: Any, b: Any) -> None:
    if isinstance(a, dict):
        assert list(a) == list(b)
        for key in a:
            assert_same_order(a[key], b[key])
    elif isinstance(a, list):
        for x, y in zip(a, b, strict=True):
            assert_same_order(x, y)


@settings(max_examples=400, deadline=None)
@given(data=st.data(), model=st.sampled_from(MODELS))
def test_the_dump_and_the_errors_are_the_models_own(data: st.DataObject,
                                                    model: type[BaseModel]) -> None:
    names = [*model.model_fields, "unknown_field"]
    given_values = data.draw(st.dictionaries(st.sampled_from(names), st.sampled_from(VALUES),
                                             max_size=len(names)))
    if "hub_id" in model.model_fields:     # else each side makes up its own
        given_values.setdefault("hub_id", "h-1")
    expected = outcome(lambda: model.model_validate(given_values).model_dump())
    got = outcome(lambda: validated_dump(model, given_values))
    assert got == expected
    if got[0] == "ok":
        assert_same_order(got[1], expected[1])


def test_valid_records_of_each_kind_come_out_as_their_models_dump() -> None:
    records: dict[type[BaseModel], dict[str, Any]] = {
        ENTITIES["customer"]: {
            "name": " Müller GmbH ", "country": "de", "credit_limit": "25000.50",
            "last_shipment_date": "2026-03-01T08:00:00+08:00", "tags": ["led"],
            "contacts": [{"name": "Anna", "email": "Anna@Example.DE", "is_primary": True}]},
        ENTITIES["payment"]: {"number": "P-1", "received_on": date(2026, 1, 5),
                              "amount": Decimal("10.5"), "currency": "usd",
                              "fx_rate_to_base": "7.1"},
        ENTITIES["shipment"]: {"number": "S-1", "order_number": "SO-1",
                               "events": [{"at": datetime(2026, 1, 1, tzinfo=timezone.utc),
                                           "status": "loaded", "location": "Ningbo"}]},
        ENTITIES["sales_order"]: {"number": "SO-1", "order_date": "2026-01-02",
                                  "currency": "USD", "lines": [{
                                      "line_key": "1", "sku": "LED-1", "quantity": 5,
                                      "unit_price": "2.50"}]},
    }
    for model, record in records.items():
        record["hub_id"] = "h-1"
        dumped = validated_dump(model, record)
        assert dumped == model.model_validate(record).model_dump()
        assert_same_order(dumped, model.model_validate(record).model_dump())


def test_the_models_the_sync_reads_most_are_validated_without_building_them() -> None:
    """Guards the speed-up: a change to the models or to pydantic that silently sends
    them back to the model's own path fails here."""
    for name in ("customer", "product", "inventory", "shipment", "payment", "lead"):
        assert dump_validator(ENTITIES[name]) is not None, name
    # A model validator is given the model: these keep the model's own path.
    assert dump_validator(ENTITIES["sales_order"]) is None
    assert dump_validator(ENTITIES["activity"]) is None


class Line(BaseModel):
    sku: str
    quantity: int = Field(ge=1)


class WithModelValidator(BaseModel):
    lines: list[Line]

    @model_validator(mode="after")
    def _one_line_at_least(self) -> WithModelValidator:
        if not self.lines:
            raise ValueError("no lines")
        return self


class WithFieldValidatorOnAModel(BaseModel):
    line: Line

    @field_validator("line")
    @classmethod
    def _positive(cls, line: Line) -> Line:
        assert isinstance(line, Line)
        return line


class WithSerializer(BaseModel):
    amount: Decimal

    @field_serializer("amount")
    def _as_text(self, amount: Decimal) -> str:
        return str(amount)


class WithComputedField(BaseModel):
    quantity: int

    @computed_field  # type: ignore[prop-decorator]
    @property
    def double(self) -> int:
        return self.quantity * 2


class WithExtra(BaseModel):
    model_config = ConfigDict(extra="allow")
    name: str


class WithExcludedField(BaseModel):
    name: str
    secret: str = Field("", exclude=True)


class WithPostInit(BaseModel):
    name: str

    def model_post_init(self, context: Any) -> None:
        self.name = self.name.upper()


class Nested(BaseModel):
    name: str
    children: list[Nested] = []


class Aliased(BaseModel):
    model_config = ConfigDict(populate_by_name=True)
    customer_name: str = Field(alias="customerName")
    lines: list[Line] = []


@pytest.mark.parametrize("model", [WithModelValidator, WithFieldValidatorOnAModel,
                                   WithSerializer, WithComputedField, WithExtra,
                                   WithExcludedField, WithPostInit])
def test_a_model_that_adds_to_its_dump_keeps_its_own_path(model: type[BaseModel]) -> None:
    assert dump_validator(model) is None
    record = {"lines": [{"sku": "A", "quantity": 1}], "line": {"sku": "A", "quantity": 1},
              "amount": "1.50", "quantity": 2, "name": "a", "secret": "s", "more": 1}
    fields = {k: v for k, v in record.items()
              if k in model.model_fields or (model is WithExtra and k == "more")}
    assert validated_dump(model, fields) == model.model_validate(fields).model_dump()


@pytest.mark.parametrize("record", [
    {"name": "root", "children": [{"name": "a", "children": [{"name": "b"}]}]},
    {"name": "root", "children": [{"children": []}]},
])
def test_a_recursive_model_is_validated_into_its_dump(record: dict[str, Any]) -> None:
    assert dump_validator(Nested) is not None
    assert outcome(lambda: validated_dump(Nested, record)) == outcome(
        lambda: Nested.model_validate(record).model_dump())


@pytest.mark.parametrize("record", [
    {"customerName": "Acme", "lines": [{"sku": "A", "quantity": 2}]},
    {"customer_name": "Acme"},
    {"customerName": "Acme", "lines": [{"sku": "A", "quantity": 0}]},
])
def test_aliases_and_nested_errors_are_the_models_own(record: dict[str, Any]) -> None:
    assert dump_validator(Aliased) is not None
    assert outcome(lambda: validated_dump(Aliased, record)) == outcome(
        lambda: Aliased.model_validate(record).model_dump())
