"""Derived hub ids must stay what ``uuid.uuid5`` gives: a batch replayed after a crash
finds the ids (and derived keys) its first attempt used, whichever version wrote them."""

from __future__ import annotations

import uuid

from hypothesis import given
from hypothesis import strategies as st

from hub.sync.observe import HUB_IDS, _uuid5_hex


@given(st.text(min_size=0, max_size=80))
def test_the_fast_derivation_is_uuid5(name: str) -> None:
    assert _uuid5_hex(name) == uuid.uuid5(HUB_IDS, name).hex


def test_a_known_id() -> None:
    assert _uuid5_hex("customer\x1fcrm\x1f42") == uuid.uuid5(HUB_IDS, "customer\x1fcrm\x1f42").hex
    assert len(_uuid5_hex("x")) == 32
