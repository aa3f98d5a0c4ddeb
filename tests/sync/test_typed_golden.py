"""A first sight's write reuses the record validated while mapping it; what the target
gets must be what validating the golden record again would give."""

from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal
from typing import Any

import orjson
import pytest

from connectors.base import RemoteRecord
from hub.sync.context import SyncContext
from hub.sync.observe import Change, map_records
from hub.sync.pipeline import PipelineSpec
from hub.sync.normalize import canonical_bytes, digest_of
from hub.sync.reconcile import Plan, _golden_bytes, _typed_golden
from sync_support import hub_config

CRM_ACCOUNT: dict[str, Any] = {
    "id": 7, "account_code": " C-0000007 ", "company_name": "Lumen Import GmbH",
    "legal_name": "Lumen Import GmbH", "country_code": " de ", "city": "Hamburg",
    "currency": "eur", "credit_limit": "25000.50", "tags": ["importer", "led"],
    "updated_at": "2026-03-01T16:00:00+08:00", "created_at": "2026-03-01T16:00:00+08:00",
    "archived": False,
    "contacts": [{"full_name": " Anna Berg ", "email": "Anna.Berg@Lumen.DE",
                  "phone": "+4940123456", "position": "Purchasing", "primary": True}],
}


@pytest.fixture
def spec(make_context: Any) -> PipelineSpec:
    config = hub_config("http://127.0.0.1:9", {"customers": {
        "entity": "customer", "source": "crm", "target": "erp"}})
    ctx: SyncContext = make_context(config)
    return PipelineSpec.build(ctx, "customers")


def _first_sight(spec: PipelineSpec) -> tuple[Plan, Change]:
    record = RemoteRecord(remote_id="7", data=CRM_ACCOUNT,
                          updated_at=datetime(2026, 3, 1, 8, tzinfo=timezone.utc))
    [observation], failed = map_records(spec, "crm", [record])
    assert not failed and observation.typed is not None
    change = Change(hub_id="h-1", system="crm", remote_id="7", natural_key=observation.key,
                    data=observation.data, raw=record.data, deleted=False,
                    source_updated_at=record.updated_at, digest=observation.digest,
                    typed=observation.typed, encoded=observation.encoded)
    return Plan(hub_id="h-1", pending={"crm": change}, remote_ids={}), change


def _validated(spec: PipelineSpec, golden: dict[str, Any]) -> dict[str, Any]:
    return spec.model.model_validate({**golden, "hub_id": "h-1"}).model_dump()


def test_reused_record_is_the_validated_golden_record(spec: PipelineSpec) -> None:
    plan, change = _first_sight(spec)
    assert change.data is not None
    golden = dict(change.data)
    typed = _typed_golden(spec, plan, golden)
    expected = _validated(spec, golden)
    assert typed == expected
    assert typed["hub_id"] == "h-1" and typed["updated_at"] is None
    assert typed["credit_limit"] == Decimal("25000.50") and typed["country"] == "DE"
    # The target gets the same values; an amount keeps the source's notation.
    sent, resent = (spec.sides[1].mapping.to_remote(r) for r in (typed, expected))
    assert sent.pop("credit_limit") == "25000.50" and resent.pop("credit_limit") == "25000.5"
    assert sent == resent


def test_a_first_sight_stores_the_bytes_its_digest_was_taken_of(spec: PipelineSpec) -> None:
    """The golden record of a first sight is the dict read: it is stored as the JSON its
    digest was computed from, the JSON any equal golden record is stored as."""
    plan, change = _first_sight(spec)
    assert change.data is not None and change.encoded is not None
    stored = _golden_bytes(plan, change.data)
    assert stored is change.encoded
    assert stored == canonical_bytes(change.data) and digest_of(stored) == change.digest
    assert _golden_bytes(plan, dict(change.data)) == stored    # an equal copy: the same JSON
    changed = {**change.data, "city": "Bremen"}
    assert orjson.loads(_golden_bytes(plan, changed)) == changed   # not the bytes read


def test_a_golden_record_the_side_did_not_show_is_validated(spec: PipelineSpec) -> None:
    plan, change = _first_sight(spec)
    assert change.data is not None
    golden = {**change.data, "name": "Lumen Import & Export GmbH"}
    assert _typed_golden(spec, plan, golden)["name"] == "Lumen Import & Export GmbH"
    with pytest.raises(ValueError):       # pydantic's ValidationError is a ValueError
        _typed_golden(spec, plan, {**change.data, "country": "XX"})
