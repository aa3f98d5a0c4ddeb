"""Derived hub ids: a pure function of (entity, system, remote id), distinct for distinct
records, in the order of numbered remote ids; and derived keys that stay distinct."""

from __future__ import annotations

import uuid

from hypothesis import given
from hypothesis import strategies as st

from hub.sync.ids import HUB_IDS, derived_hub_id, derived_key

numbers = st.integers(min_value=0, max_value=10**22 - 1)
texts = st.text(max_size=40).filter(lambda t: not t.isascii() or not t.isdigit())


def test_known_ids_do_not_change() -> None:
    """A batch replayed after a crash must derive what its first attempt derived, also
    after an upgrade: any change to the derivation fails here."""
    assert derived_hub_id("customer", "crm", "42") == "c3eb1c6b43db0000000000000000002a"
    assert derived_hub_id("customer", "crm", "C-42") == \
        uuid.uuid5(HUB_IDS, "customer\x1fcrm\x1fC-42").hex


@given(numbers, numbers)
def test_numbered_ids_sort_as_their_remote_ids(a: int, b: int) -> None:
    first, second = derived_hub_id("customer", "crm", str(a)), derived_hub_id(
        "customer", "crm", str(b))
    assert len(first) == len(second) == 32
    assert (first < second) == (a < b) and (first == second) == (a == b)


@given(texts)
def test_other_remote_ids_get_the_uuid5_of_the_three_values(remote_id: str) -> None:
    expected = uuid.uuid5(HUB_IDS, f"customer\x1fcrm\x1f{remote_id}").hex
    assert derived_hub_id("customer", "crm", remote_id) == expected


@given(numbers, texts)
def test_a_numbered_id_never_equals_a_uuid(number: int, text: str) -> None:
    numbered = derived_hub_id("customer", "crm", str(number))
    assert numbered[12] == "0"
    assert numbered != derived_hub_id("customer", "crm", text)
    assert uuid.UUID(derived_hub_id("customer", "crm", text)).version == 5


def test_ids_differ_by_system_entity_and_spelling() -> None:
    ids = {derived_hub_id(entity, system, remote_id)
           for entity in ("customer", "sales_order") for system in ("crm", "crm2")
           for remote_id in ("7", "007", "7.0", "-7")}
    assert len(ids) == 16


def test_derived_keys_of_one_feed_differ() -> None:
    """Ids of one feed share their first digits; their keys must not."""
    keys = {derived_key(derived_hub_id("customer", "crm", str(n))) for n in range(10_000)}
    assert len(keys) == 10_000
    assert all(k.startswith("TH-") and len(k) == 15 for k in keys)


def test_new_hub_ids_are_uuid7s_in_the_order_they_were_given_out() -> None:
    """Fresh ids (two-way pipelines, API creates) sort by the millisecond they were made
    in, so a store appends them to its indexes; and never equal a derived id."""
    import time

    from hub.models import new_hub_id

    first = [new_hub_id() for _ in range(100)]
    time.sleep(0.002)
    later = new_hub_id()
    assert all(len(i) == 32 and uuid.UUID(i).version == 7 for i in [*first, later])
    assert all(uuid.UUID(i).variant == uuid.RFC_4122 for i in first)
    assert len(set(first)) == 100
    assert max(first) < later
    assert later[12] != derived_hub_id("customer", "crm", "7")[12]
