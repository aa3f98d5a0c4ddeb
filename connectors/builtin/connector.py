"""The built-in connector: canonical entities over the reference products' REST APIs.

Reads page the product's change feed filtered to the entity's resource (the cursor is
the feed's own ``next``); writes go through ``batch-upsert``, idempotent by natural
key, so a retried or resumed create finds the record instead of duplicating it.
An archived record reads as deleted, so pipelines can propagate it as an archive.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any, ClassVar, Literal
from urllib.parse import quote

import httpx
import orjson
from pydantic import BaseModel, ValidationError

from connectors.base import (
    Batch,
    ChangeEvent,
    Connector,
    ConnectorConfig,
    HeldData,
    OutboundRecord,
    Partition,
    RemoteRecord,
    WriteResult,
    as_models,
)
from connectors.builtin.config import BuiltinConfig
from connectors.builtin.routes import ROUTES, Route
from connectors.http import request_with_retries
from hub import signing
from hub.errors import AuthError, FatalError

log = logging.getLogger(__name__)

MAX_PAGES = 1_000_000
"""Upper bound on pages in one read (a feed that stops advancing is an error anyway)."""


class FeedChange(BaseModel):
    seq: int
    resource: str
    id: int
    op: Literal["create", "update", "delete"]
    at: datetime
    data: HeldData


class FeedPage(BaseModel):
    changes: list[FeedChange]
    next: str
    has_more: bool


class WebhookEvent(FeedChange):
    event_id: str
    app: str


def _all_entities(readable: bool) -> frozenset[str]:
    return frozenset(entity for routes in ROUTES.values() for entity, route in routes.items()
                     if (route.readable if readable else route.writable))


class BuiltinConnector(Connector):
    name: ClassVar[str] = "builtin"
    config_model: ClassVar[type[ConnectorConfig]] = BuiltinConfig
    readable: ClassVar[frozenset[str]] = _all_entities(True)
    writable: ClassVar[frozenset[str]] = _all_entities(False)

    def __init__(self, config: ConnectorConfig, *, system: str,
                 transport: httpx.BaseTransport | None = None) -> None:
        if not isinstance(config, BuiltinConfig):
            raise FatalError("the builtin connector needs a BuiltinConfig", system=system)
        super().__init__(config, system=system, transport=transport)
        self.settings = config
        self.routes = ROUTES[config.app]
        # Narrow the class-wide entity sets to this product.
        self.readable = frozenset(e for e, r in self.routes.items() if r.readable)  # type: ignore[misc]
        self.writable = frozenset(e for e, r in self.routes.items() if r.writable)  # type: ignore[misc]
        self.client = httpx.Client(
            base_url=f"{str(config.base_url).rstrip('/')}/{config.app}",
            headers={"Authorization": f"Bearer {config.token.get_secret_value()}",
                     "Accept": "application/json"},
            timeout=config.timeout_seconds, transport=transport)

    def close(self) -> None:
        self.client.close()

    # -- plumbing ----------------------------------------------------------------
    def _route(self, entity: str, *, write: bool = False) -> Route:
        self.check_entity(entity, write=write)
        return self.routes[entity]

    def _call(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        return request_with_retries(self.client, method, url, system=self.system,
                                    max_retries=self.settings.max_retries, **kwargs)

    def _call_or_none(self, method: str, url: str, **kwargs: Any) -> httpx.Response | None:
        """``None`` when the product says the record is not there (404)."""
        try:
            return self._call(method, url, **kwargs)
        except FatalError as exc:
            # A GET of an id that is not even a number is the same "no such record".
            missing = ("404", "422") if method == "GET" else ("404",)
            if exc.remote_code in missing:
                return None
            raise

    def _json(self, response: httpx.Response) -> Any:
        try:
            return orjson.loads(response.content)
        except ValueError as exc:
            raise FatalError(f"{self.system} answered with a body that is not JSON",
                             system=self.system, detail=response.text[:200]) from exc

    # -- reading -----------------------------------------------------------------
    partitioned_reads = True

    def read_changes(self, entity: str, cursor: str | None, *,
                     batch_size: int = 500) -> Iterator[Batch]:
        return self._read_feed(entity, cursor, batch_size, {})

    def read_partition(self, entity: str, cursor: str | None, partition: Partition, *,
                       batch_size: int = 500) -> Iterator[Batch]:
        return self._read_feed(entity, cursor, batch_size,
                               {"part": partition.index, "parts": partition.count})

    def _read_feed(self, entity: str, cursor: str | None, batch_size: int,
                   split: dict[str, int]) -> Iterator[Batch]:
        route = self._route(entity)
        since = cursor or "0"
        for _ in range(MAX_PAGES):
            response = self._call("GET", "/changes", params={
                "since": since, "limit": batch_size, "resource": route.resource, **split})
            # orjson parses a page in half the time pydantic's own parser takes; pydantic
            # then checks its shape, holding each record's data as parsed.
            body = self._json(response)
            try:
                page = FeedPage.model_validate(body)
            except ValidationError as exc:
                raise FatalError(f"{self.system} sent a change page we cannot read",
                                 system=self.system, detail=str(exc)[:500]) from exc
            if page.has_more and page.next == since:
                raise FatalError(f"{self.system}: the change feed did not advance past {since}",
                                 system=self.system)
            records = as_models(RemoteRecord, (self._fields(c) for c in page.changes
                                               if c.op == "delete" or route.holds(c.data)))
            yield Batch(records=records, cursor=page.next)
            since = page.next
            if not page.has_more:
                return
        raise FatalError(f"{self.system}: more than {MAX_PAGES} pages in one read",
                         system=self.system)

    @staticmethod
    def _fields(change: FeedChange) -> dict[str, Any]:
        """A change's ``RemoteRecord``, by field."""
        deleted = change.op == "delete" or change.data.get("archived") is True
        return {"remote_id": str(change.id), "data": change.data, "updated_at": change.at,
                "deleted": deleted}

    def get(self, entity: str, remote_id: str) -> RemoteRecord | None:
        route = self._route(entity)
        response = self._call_or_none("GET", f"/{route.path}/{quote(remote_id, safe='')}")
        if response is None:
            return None
        data = self._json(response)
        return RemoteRecord(remote_id=str(data["id"]), data=data,
                            updated_at=data.get("updated_at"),
                            deleted=data.get("archived") is True)

    def find_by_natural_key(self, entity: str, natural_key: str) -> str | None:
        route = self._route(entity)
        response = self._call_or_none("GET",
                                      f"/{route.path}/by-key/{quote(natural_key, safe='')}")
        return None if response is None else str(self._json(response)["id"])

    # -- writing -----------------------------------------------------------------
    def _item(self, route: Route, record: OutboundRecord) -> dict[str, Any]:
        data = dict(record.data)
        if record.only_fields is not None:
            data = {k: v for k, v in data.items() if k in record.only_fields}
        values = record.natural_key.split("@", len(route.key_fields) - 1)
        if len(values) == len(route.key_fields):
            for field, value in zip(route.key_fields, values, strict=True):
                data.setdefault(field, value)
        return data

    def upsert(self, entity: str, records: Sequence[OutboundRecord]) -> list[WriteResult]:
        route = self._route(entity, write=True)
        results: list[WriteResult | None] = [None] * len(records)
        groups: dict[bool, list[int]] = {False: [], True: []}
        for index, record in enumerate(records):
            groups[route.merge or record.only_fields is not None].append(index)
        chunk = self.settings.upsert_chunk
        for merge, indexes in groups.items():
            for start in range(0, len(indexes), chunk):
                part = indexes[start:start + chunk]
                items = [self._item(route, records[i]) for i in part]
                response = self._call("POST", f"/{route.path}/batch-upsert",
                                      content=orjson.dumps({"items": items, "merge": merge}),
                                      headers={"Content-Type": "application/json"})
                answered = self._json(response).get("results", [])
                if len(answered) != len(part):
                    raise FatalError(f"{self.system} answered {len(answered)} results for "
                                     f"{len(part)} items", system=self.system)
                made = as_models(WriteResult, (
                    self._result(records[i], result, merged_into=route.merge)
                    for i, result in zip(part, answered, strict=True)))
                for i, made_result in zip(part, made, strict=True):
                    results[i] = made_result
        return [r for r in results if r is not None]

    @staticmethod
    def _result(record: OutboundRecord, result: Mapping[str, Any], *,
                merged_into: bool = False) -> dict[str, Any]:
        """An item's answer as its ``WriteResult``, by field."""
        if result["outcome"] == "error":
            return {"hub_id": record.hub_id, "outcome": "failed", "error_code": "refused",
                    "error": result.get("error")}
        remote_id = str(result["id"])
        if merged_into:
            # Several shipments or payments patch one order: each keeps its own identity.
            remote_id = f"{remote_id}#{record.natural_key}"
        if result["outcome"] not in ("created", "updated", "unchanged"):
            raise FatalError(f"unknown outcome {result['outcome']!r} in a batch-upsert answer")
        return {"hub_id": record.hub_id, "outcome": result["outcome"], "remote_id": remote_id}

    def delete(self, entity: str, remote_ids: Sequence[str], *,
               archive: bool = True) -> list[WriteResult]:
        route = self._route(entity, write=True)
        results = []
        for remote_id in remote_ids:
            url = f"/{route.path}/{quote(remote_id, safe='')}"
            response = self._call_or_none("DELETE", url, params={"hard": str(not archive).lower()})
            if response is None and archive:
                results.append(WriteResult(hub_id=remote_id, remote_id=remote_id,
                                           outcome="failed", error_code="not-found",
                                           error=f"{route.resource} {remote_id} does not exist"))
            else:
                results.append(WriteResult(hub_id=remote_id, remote_id=remote_id,
                                           outcome="deleted"))
        return results

    # -- push --------------------------------------------------------------------
    def verify_webhook(self, headers: Mapping[str, str], body: bytes) -> None:
        secret = self.settings.webhook_secret
        if secret is None:
            raise AuthError(f"{self.system} has no webhook_secret configured",
                            system=self.system)
        try:
            signing.verify(secret.get_secret_value(), headers, body)
        except AuthError as exc:
            raise AuthError(f"{self.system}: {exc.message}", system=self.system) from exc

    def parse_webhook(self, headers: Mapping[str, str], body: bytes) -> list[ChangeEvent]:
        try:
            event = WebhookEvent.model_validate(json.loads(body))
        except (ValueError, ValidationError) as exc:
            raise FatalError(f"{self.system} sent a webhook body we cannot read",
                             system=self.system, detail=str(exc)[:500]) from exc
        if event.app != self.settings.app:
            raise FatalError(f"{self.system} expects {self.settings.app} events, got {event.app}",
                             system=self.system)
        entities = [e for e, r in self.routes.items() if r.readable and r.resource == event.resource]
        if not entities:
            return []
        [record] = as_models(RemoteRecord, [self._fields(event)])
        return [ChangeEvent(event_id=event.event_id, entity=entities[0], remote_id=record.remote_id,
                            kind="delete" if record.deleted else "upsert", data=event.data,
                            occurred_at=event.at)]
