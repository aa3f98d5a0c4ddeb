"""Request and response bodies of the admin API, with the examples OpenAPI shows.

These are API views, separate from the store's rows: they never carry secrets (a
subscription's secret is write-only) and they name things as an administrator does.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Generic, Literal, TypeVar

from pydantic import AnyHttpUrl, BaseModel, ConfigDict, Field

from hub.sync.counts import RunCounts

T = TypeVar("T")


def _example(example: dict[str, Any]) -> ConfigDict:
    return ConfigDict(from_attributes=True, json_schema_extra={"examples": [example]})


class Health(BaseModel):
    model_config = _example({"status": "ok", "version": "0.1.0", "configured": True,
                             "workers": {"inbox": True, "delivery": True}})

    status: Literal["ok", "degraded"]
    version: str
    configured: bool = Field(True, description="hub.yaml was loaded.")
    workers: dict[str, bool] = Field(default_factory=dict,
                                     description="Background worker → alive.")


class RunView(BaseModel):
    model_config = _example({"id": 7, "pipeline": "customers", "status": "completed",
                             "started_at": "2026-03-01T08:00:00Z",
                             "finished_at": "2026-03-01T08:00:02Z", "read": 12, "created": 2,
                             "updated": 3, "unchanged": 7, "conflicts": 0, "dead_lettered": 0,
                             "error": None, "flow_run_id": None})

    id: int
    pipeline: str
    status: str
    started_at: datetime
    finished_at: datetime | None
    read: int
    created: int
    updated: int
    unchanged: int
    conflicts: int
    dead_lettered: int
    error: str | None
    flow_run_id: str | None


class CursorView(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    system: str
    cursor: str | None
    updated_at: datetime


class PipelineView(BaseModel):
    model_config = _example({
        "name": "customers", "entity": "customer", "source": "erp", "target": "crm",
        "direction": "two_way", "conflict_policy": "owner_wins", "delete_policy": "archive",
        "enabled": True, "config": {"entity": "customer", "source": "erp", "target": "crm"},
        "pending": 0, "running": False, "cursors": [], "last_runs": []})

    name: str
    entity: str
    source: str
    target: str
    direction: str
    conflict_policy: str
    delete_policy: str
    enabled: bool
    config: dict[str, Any] = Field(description="The pipeline as written in hub.yaml.")
    pending: int = Field(description="Changes observed and not yet reconciled.")
    running: bool = Field(description="A runner holds the pipeline's lock now.")
    cursors: list[CursorView]
    last_runs: list[RunView]


class LinkView(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    entity: str
    hub_id: str
    system: str
    remote_id: str
    created_at: datetime


class LinkLookup(BaseModel):
    model_config = _example({"entity": "customer", "hub_id": "9f1c…", "links": [
        {"entity": "customer", "hub_id": "9f1c…", "system": "erp", "remote_id": "17",
         "created_at": "2026-03-01T08:00:00Z"}]})

    entity: str
    hub_id: str
    links: list[LinkView]


class ConflictView(BaseModel):
    model_config = _example({"id": 3, "pipeline": "customers", "entity": "customer",
                             "hub_id": "9f1c…", "field": "credit_limit",
                             "values": {"erp": "50000", "crm": "60000"}, "status": "open",
                             "resolved_value": None, "created_at": "2026-03-01T08:00:00Z",
                             "resolved_at": None})

    id: int
    pipeline: str
    entity: str
    hub_id: str
    field: str
    values: dict[str, Any]
    status: str
    resolved_value: Any = None
    created_at: datetime
    resolved_at: datetime | None


class ConflictResolution(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"value": "60000"},
                                                              {"system": "crm"}]})

    value: Any = Field(None, description="The value to keep (any JSON).")
    system: str | None = Field(None, description="Keep this system's value instead of "
                                                 "giving one.")


class DeadLetterView(BaseModel):
    model_config = _example({"id": 5, "pipeline": "customers", "entity": "customer",
                             "source_system": "shop", "target_system": "erp",
                             "remote_id": "C-9", "hub_id": None, "error_code": "invalid-record",
                             "error": "country: 'XX' is not an ISO 3166-1 alpha-2 country code",
                             "status": "open", "attempts": 1,
                             "created_at": "2026-03-01T08:00:00Z", "replayed_at": None,
                             "payload": {"stage": "inbound", "system": "shop",
                                         "remote_id": "C-9", "raw": {"id": "C-9"}}})

    id: int
    pipeline: str
    entity: str
    source_system: str
    target_system: str
    remote_id: str | None
    hub_id: str | None
    error_code: str
    error: str
    status: str
    attempts: int
    created_at: datetime
    replayed_at: datetime | None
    payload: dict[str, Any]


class ReplayResult(BaseModel):
    model_config = _example({"dead_letter": {}, "counts": {"read": 1, "created": 1}})

    dead_letter: DeadLetterView
    counts: RunCounts


class InboxView(BaseModel):
    model_config = _example({"id": 12, "system": "shop", "event_id": "evt-1",
                             "status": "processed", "attempts": 1, "error": None,
                             "received_at": "2026-03-01T08:00:00Z",
                             "processed_at": "2026-03-01T08:00:00Z", "size": 231})

    id: int
    system: str
    event_id: str
    status: str
    attempts: int
    error: str | None
    received_at: datetime
    processed_at: datetime | None
    size: int = Field(description="Bytes of the raw body.")


class SubscriptionIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "url": "https://crm.example.com/hooks/tradehub", "secret": "a-long-random-secret",
        "entities": ["customer", "sales_order"], "description": "CRM mirror"}]})

    url: AnyHttpUrl
    secret: str = Field(min_length=16, max_length=500,
                        description="Shared secret for the signature; never shown again.")
    entities: list[str] = Field(default_factory=list, max_length=20,
                                description="Entities to send; empty means all.")
    description: str | None = Field(None, max_length=500)
    active: bool = True
    from_start: bool = Field(False, description="Also send changes made before subscribing.")


class SubscriptionPatch(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"active": False}, {"entities": ["customer"]}]})

    url: AnyHttpUrl | None = None
    secret: str | None = Field(None, min_length=16, max_length=500)
    entities: list[str] | None = Field(None, max_length=20)
    description: str | None = Field(None, max_length=500)
    active: bool | None = None


class SubscriptionView(BaseModel):
    model_config = _example({"id": 1, "url": "https://crm.example.com/hooks/tradehub",
                             "entities": ["customer"], "description": "CRM mirror",
                             "active": True, "last_outbox_id": 42,
                             "created_at": "2026-03-01T08:00:00Z",
                             "updated_at": "2026-03-01T08:00:00Z"})

    id: int
    url: str
    entities: list[str]
    description: str | None
    active: bool
    last_outbox_id: int = Field(description="Outbox position delivered up to.")
    created_at: datetime
    updated_at: datetime


class DeliveryView(BaseModel):
    model_config = _example({"id": 9, "subscription_id": 1, "outbox_id": 42,
                             "event_id": "hub-42", "status": "delivered", "attempts": 1,
                             "response_status": 204, "error": None,
                             "created_at": "2026-03-01T08:00:00Z"})

    id: int
    subscription_id: int
    outbox_id: int | None
    event_id: str
    status: str
    attempts: int
    response_status: int | None
    error: str | None
    created_at: datetime


class DeliveryDeadLetterView(BaseModel):
    model_config = ConfigDict(from_attributes=True, json_schema_extra={"examples": [{
        "id": 3, "subscription_id": 1, "outbox_id": 42, "event_id": "hub-42",
        "error": "answered 503", "attempts": 6, "status": "open",
        "created_at": "2026-03-01T08:00:00Z", "replayed_at": None}]})

    id: int
    subscription_id: int
    outbox_id: int | None
    event_id: str
    error: str
    attempts: int
    status: str
    created_at: datetime
    replayed_at: datetime | None


class DeliveryReplay(BaseModel):
    """What replaying a delivery dead letter did: one signed try, logged like any other."""

    model_config = _example({
        "delivered": True, "status": 204, "error": None,
        "delivery": {"id": 10, "subscription_id": 1, "outbox_id": 42, "event_id": "hub-42",
                     "status": "delivered", "attempts": 1, "response_status": 204,
                     "error": None, "created_at": "2026-03-02T09:00:00Z"},
        "dead_letter": {"id": 3, "subscription_id": 1, "outbox_id": 42, "event_id": "hub-42",
                        "error": "answered 503", "attempts": 7, "status": "replayed",
                        "created_at": "2026-03-01T08:00:00Z",
                        "replayed_at": "2026-03-02T09:00:00Z"}})

    delivered: bool = Field(description="The subscriber answered 2xx; the letter is "
                                        "'replayed'. Otherwise it stays 'open'.")
    status: int | None = Field(description="The subscriber's HTTP status, if it answered.")
    error: str | None
    delivery: DeliveryView
    dead_letter: DeliveryDeadLetterView


class TestDelivery(BaseModel):
    model_config = _example({"delivered": True, "status": 204, "error": None,
                             "event_id": "test-3f2a", "seconds": 0.012})

    delivered: bool
    status: int | None
    error: str | None
    event_id: str
    seconds: float


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_before_id: int | None = Field(
        None, description="Newest first: pass as before_id for the next (older) page.")
