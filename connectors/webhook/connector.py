"""The generic webhook connector: a product that pushes JSON events and takes JSON writes.

Reading is push-only (``read_changes`` yields nothing; the product POSTs to
``/webhooks/{system}``). Writing is one request per record, idempotent by natural
key: ``PUT {base_url}/{path}/{key}`` or ``POST {base_url}/{path}`` with the key in
the body, which the product must treat as create-or-update. Status 201 reads as a
create, any other 2xx as an update. Writes carry the same signature headers the
product's events do, so the product can verify them with one function.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime, timezone
from typing import Any, ClassVar
from urllib.parse import quote

import httpx
import orjson
from pydantic import TypeAdapter, ValidationError

from connectors.base import (
    Batch,
    ChangeEvent,
    Connector,
    ConnectorConfig,
    OutboundRecord,
    RemoteRecord,
    WriteResult,
)
from connectors.http import request_with_retries
from connectors.webhook.config import EntityRoute, WebhookConfig
from hub import signing
from hub.errors import AuthError, FatalError

_MISSING = object()
_datetime = TypeAdapter(datetime)


def dig(value: Any, path: str) -> Any:
    """The value at a dotted path (``record.id``, ``items.0.sku``), or ``_MISSING``."""
    for part in path.split("."):
        if isinstance(value, dict) and part in value:
            value = value[part]
        elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            return _MISSING
    return value


class WebhookConnector(Connector):
    name: ClassVar[str] = "webhook"
    config_model: ClassVar[type[ConnectorConfig]] = WebhookConfig

    def __init__(self, config: ConnectorConfig, *, system: str,
                 transport: httpx.BaseTransport | None = None) -> None:
        if not isinstance(config, WebhookConfig):
            raise FatalError("the webhook connector needs a WebhookConfig", system=system)
        super().__init__(config, system=system, transport=transport)
        self.settings = config
        self.readable = frozenset(config.entities)  # type: ignore[misc]
        writable = frozenset(config.entities) if config.base_url else frozenset()
        self.writable = writable  # type: ignore[misc]
        self._client: httpx.Client | None = None

    @property
    def client(self) -> httpx.Client:
        if self._client is None:
            if self.settings.base_url is None:
                raise FatalError(f"{self.system} has no base_url to write to", system=self.system)
            headers = {"Accept": "application/json"}
            if self.settings.token is not None:
                headers["Authorization"] = f"Bearer {self.settings.token.get_secret_value()}"
            self._client = httpx.Client(base_url=str(self.settings.base_url).rstrip("/"),
                                        headers=headers, transport=self.transport,
                                        timeout=self.settings.timeout_seconds)
        return self._client

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    # -- reading -------------------------------------------------------------------
    def read_changes(self, entity: str, cursor: str | None, *,
                     batch_size: int = 500) -> Iterator[Batch]:
        """Nothing to poll: the product pushes its changes."""
        self.check_entity(entity)
        return iter(())

    def _route(self, entity: str, *, write: bool = False) -> EntityRoute:
        self.check_entity(entity, write=write)
        return self.settings.entities[entity]

    def _call(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        return request_with_retries(self.client, method, url, system=self.system,
                                    max_retries=self.settings.max_retries, **kwargs)

    def get(self, entity: str, remote_id: str) -> RemoteRecord | None:
        route = self._route(entity, write=True)
        try:
            response = self._call("GET", f"/{route.path}/{quote(remote_id, safe='')}")
        except FatalError as exc:
            if exc.remote_code == "404":
                return None
            raise
        return RemoteRecord(remote_id=remote_id, data=response.json())

    def find_by_natural_key(self, entity: str, natural_key: str) -> str | None:
        found = self.get(entity, natural_key)
        return None if found is None else found.remote_id

    # -- writing -------------------------------------------------------------------
    def upsert(self, entity: str, records: Sequence[OutboundRecord]) -> list[WriteResult]:
        route = self._route(entity, write=True)
        return [self._write(route, record) for record in records]

    def _write(self, route: EntityRoute, record: OutboundRecord) -> WriteResult:
        key = record.remote_id or record.natural_key
        body = json.dumps(record.data, separators=(",", ":"), ensure_ascii=False,
                          default=str).encode()
        headers = {"Content-Type": "application/json"}
        if self.settings.secret is not None:
            headers.update(signing.sign(self.settings.secret.get_secret_value(), body,
                                        event_id=f"{record.hub_id}-{key}"))
        url = f"/{route.path}/{quote(key, safe='')}" if route.method == "PUT" else f"/{route.path}"
        try:
            response = self._call(route.method, url, content=body, headers=headers)
        except FatalError as exc:
            return WriteResult(hub_id=record.hub_id, outcome="failed", remote_id=record.remote_id,
                               error_code=exc.remote_code or exc.code, error=exc.message)
        remote_id = key
        try:
            found = dig(response.json(), route.response_id)
            if found is not _MISSING and found not in (None, ""):
                remote_id = str(found)
        except ValueError:
            pass
        return WriteResult(hub_id=record.hub_id, remote_id=remote_id,
                           outcome="created" if response.status_code == 201 else "updated")

    # -- push ----------------------------------------------------------------------
    def verify_webhook(self, headers: Mapping[str, str], body: bytes) -> None:
        if self.settings.secret is None:
            raise AuthError(f"{self.system} has no secret configured; it cannot push events",
                            system=self.system)
        try:
            signing.verify(self.settings.secret.get_secret_value(), headers, body)
        except AuthError as exc:
            raise AuthError(f"{self.system}: {exc.message}", system=self.system) from None

    def parse_webhook(self, headers: Mapping[str, str], body: bytes) -> list[ChangeEvent]:
        try:
            document = orjson.loads(body)
        except orjson.JSONDecodeError:
            try:   # what orjson refuses (NaN, integers over 64 bits) the standard parser reads
                document = json.loads(body)
            except ValueError as exc:
                raise FatalError(f"{self.system} sent a body that is not JSON",
                                 system=self.system, detail=str(exc)) from None
        s = self.settings
        if s.events_path:
            items = dig(document, s.events_path)
            if not isinstance(items, list):
                raise FatalError(f"'{s.events_path}' is not a list of events", system=self.system)
        else:
            items = [document]
        header_id = signing.header_value(headers, signing.EVENT_ID_HEADER)
        return [self._event(item, index, header_id if len(items) == 1 else None)
                for index, item in enumerate(items)]

    def _event(self, item: Any, index: int, header_id: str | None) -> ChangeEvent:
        s = self.settings
        where = f"event {index}"

        def need(path: str) -> Any:
            value = dig(item, path)
            if value is _MISSING or value in (None, ""):
                raise FatalError(f"{where}: '{path}' is missing", system=self.system)
            return value

        event_id = dig(item, s.event_id_path)
        if event_id is _MISSING or event_id in (None, ""):
            if header_id is None:
                raise FatalError(f"{where}: '{s.event_id_path}' is missing and there is no "
                                 f"{signing.EVENT_ID_HEADER} header", system=self.system)
            event_id = header_id
        name = str(need(s.entity_path))
        entity = s.entity_names.get(name, name)
        if entity not in self.readable:
            raise FatalError(f"{where}: entity '{name}' is not one of "
                             f"{', '.join(sorted(self.readable)) or 'none'}", system=self.system)
        op = dig(item, s.op_path)
        deleted = op is not _MISSING and str(op).lower() in s.delete_ops
        record = dig(item, s.record_path)
        if not isinstance(record, dict):
            raise FatalError(f"{where}: '{s.record_path}' is not a JSON object",
                             system=self.system)
        remote_id = dig(record, s.remote_id_path)
        if remote_id is _MISSING or remote_id in (None, ""):
            raise FatalError(f"{where}: '{s.record_path}.{s.remote_id_path}' is missing",
                             system=self.system)
        occurred_at = None
        if s.occurred_at_path:
            raw_at = dig(item, s.occurred_at_path)
            if raw_at is not _MISSING and raw_at is not None:
                try:
                    occurred_at = _datetime.validate_python(raw_at)
                    if occurred_at.tzinfo is None:
                        occurred_at = occurred_at.replace(tzinfo=timezone.utc)
                except ValidationError:
                    raise FatalError(f"{where}: '{s.occurred_at_path}' is not a date-time",
                                     system=self.system) from None
        return ChangeEvent(event_id=str(event_id), entity=entity, remote_id=str(remote_id),
                           kind="delete" if deleted else "upsert",
                           data=None if deleted else record, occurred_at=occurred_at)
