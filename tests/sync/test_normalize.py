"""The fast normalisation paths give exactly what the plain recursive one gives:
stored hashes and golden records must not change when the code gets faster."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from hub.models import ENTITIES
from hub.models.validated import validated_dump
from hub.sync.normalize import canonical_json, content_hash, normalise


def reference_json(record: BaseModel, fields: frozenset[str] | None = None) -> dict[str, Any]:
    data = record.model_dump(exclude={"hub_id", "updated_at"})
    if fields is not None:
        data = {k: v for k, v in data.items() if k in fields}
    return normalise(data)  # type: ignore[no-any-return]


def reference_hash(data: dict[str, Any]) -> str:
    import hashlib

    encoded = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.blake2b(encoded.encode(), digest_size=20).hexdigest()


text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=12)
amounts = st.decimals(min_value=0, max_value=10**9, places=4, allow_nan=False,
                      allow_infinity=False)
instants = st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2090, 1, 1),
                        timezones=st.sampled_from([timezone.utc, timezone(timedelta(hours=8)),
                                                   timezone(timedelta(hours=-5, minutes=-30))]))
contacts = st.fixed_dictionaries({"name": text.filter(str.strip)}, optional={
    "email": st.sampled_from(["buyer@example.com", "Li.Wei@Example.CN"]),
    "phone": st.text(max_size=10), "is_primary": st.booleans()})


@settings(max_examples=150, deadline=None)
@given(name=text.filter(str.strip), city=st.none() | text, credit=st.none() | amounts,
       balance=st.none() | amounts, shipped=st.none() | instants,
       tags=st.lists(text, max_size=3), people=st.lists(contacts, max_size=3),
       only=st.none() | st.sets(st.sampled_from(
           ["name", "city", "credit_limit", "contacts", "last_shipment_date", "tags"])))
def test_customer_json_matches_the_reference(name: str, city: str | None,
                                             credit: Decimal | None, balance: Decimal | None,
                                             shipped: datetime | None, tags: list[str],
                                             people: list[dict[str, Any]],
                                             only: set[str] | None) -> None:
    customer = ENTITIES["customer"]
    given_fields = {"name": name, "city": city, "country": "DE", "credit_limit": credit,
                    "receivable_balance": balance, "last_shipment_date": shipped,
                    "tags": tags, "contacts": people, "hub_id": "h-1"}
    record = customer.model_validate(given_fields)
    fields = None if only is None else frozenset(only)
    got = canonical_json(customer, record.model_dump(), fields)
    assert got == reference_json(record, fields)
    assert list(got) == list(reference_json(record, fields))      # same order, too
    assert content_hash(got) == reference_hash(got)
    # As the sync makes it: from the dump validated straight from the fields.
    from_dump = canonical_json(customer, validated_dump(customer, given_fields), fields)
    assert from_dump == got and list(from_dump) == list(got)


@settings(max_examples=60, deadline=None)
@given(amount=amounts.map(lambda d: d + 1), rate=amounts.map(lambda d: d + 1), day=st.dates(date(2000, 1, 1), date(2090, 1, 1)),
       departed=st.none() | instants, at=instants, status=st.sampled_from(["booked", "arrived"]))
def test_documents_with_nested_amounts_and_times_match_the_reference(
        amount: Decimal, rate: Decimal, day: date, departed: datetime | None, at: datetime,
        status: str) -> None:
    payment = ENTITIES["payment"].model_validate({
        "number": "P-1", "received_on": day, "amount": amount, "currency": "USD",
        "fx_rate_to_base": rate, "base_amount": amount * 2})
    shipment = ENTITIES["shipment"].model_validate({
        "number": "S-1", "order_number": "SO-1", "departed_at": departed, "status": status,
        "container_numbers": ["MSKU1234565"],
        "events": [{"at": at, "status": "loaded", "location": "Ningbo"}]})
    for record in (payment, shipment):
        assert canonical_json(type(record), record.model_dump()) == reference_json(record)
        assert canonical_json(type(record), validated_dump(
            type(record), record.model_dump())) == reference_json(record)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-2**63, 2**63 - 1)
    | st.text(st.characters(blacklist_categories=("Cs",))),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(st.characters(blacklist_categories=("Cs",)), max_size=6),
                      children, max_size=4), max_leaves=20)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.text(max_size=8), json_values, max_size=6))
def test_content_hash_is_the_same_bytes_as_sorted_compact_json(data: dict[str, Any]) -> None:
    assert content_hash(data) == reference_hash(data)


def test_content_hash_of_an_integer_beyond_64_bits_falls_back_to_json() -> None:
    data = {"n": 2**70, "s": "ü"}
    assert content_hash(data) == reference_hash(data)
