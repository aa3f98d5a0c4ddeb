"""``POST /webhooks/{system}``: the door through which products push their changes.

Checks run cheapest-first and each refusal names its problem: unknown system (404),
body over the limit (413, by Content-Length and again while reading), signature
(401, the connector's scheme), JSON syntax (400 with line and column), the
connector's parse, the system's mapping (422 naming the field), then dedupe and a
committed inbox row before the 202. Processing happens in the inbox worker.

This is the hub's hottest path, so it stays lean where that costs no guarantee:
the inbox insert is group-committed at the driver (``hub.api.inbox``), the reply is
built as plain data and serialised with orjson (its schema stays ``WebhookAccepted``
in OpenAPI), and the runtime comes from ``app.state`` rather than a dependency.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from typing import Annotated, Literal

import orjson

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import PlainTextResponse, Response
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.types import ASGIApp, Receive, Scope, Send

from connectors.base import ChangeEvent, Connector
from hub.api.inbox import storable_headers
from hub.api.problems import (
    Forbidden,
    InvalidSignature,
    MalformedJson,
    PayloadTooLarge,
    UnreadableBody,
    UnreadableEvent,
    error_response,
    problem_responses,
)
from hub.api.runtime import HubRuntime, get_runtime
from hub.errors import AuthError, ConfigError, TradeHubError
from hub.models import ENTITIES
from hub.sync.context import SyncContext
from hub.sync.events import pipelines_reading
from hub.sync.observe import canonical_record

log = logging.getLogger(__name__)

router = APIRouter(tags=["webhooks"])

MAX_SYSTEM_NAME = 100
SystemName = Annotated[str, Path(description="A system named in hub.yaml.",
                                 max_length=MAX_SYSTEM_NAME)]


class AcceptedEvent(BaseModel):
    event_id: str
    entity: str
    remote_id: str
    duplicate: bool = Field(description="Already received earlier; not processed again.")


class WebhookAccepted(BaseModel):
    """The events are stored and will be processed; duplicates are acknowledged too."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "status": "accepted", "system": "shop", "accepted": 1, "duplicates": 0,
        "events": [{"event_id": "evt-1", "entity": "customer", "remote_id": "C-1",
                    "duplicate": False}]}]})

    status: Literal["accepted", "duplicate", "empty"]
    system: str
    accepted: int
    duplicates: int
    events: list[AcceptedEvent]


async def read_body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None:
        try:
            size = int(declared)
        except ValueError:
            raise UnreadableBody("Content-Length is not a number") from None
        if size > limit:
            raise PayloadTooLarge(f"the body is {size} bytes; the limit is {limit} bytes")
    chunks: list[bytes] = []
    received = 0
    async for chunk in request.stream():
        received += len(chunk)
        if received > limit:
            raise PayloadTooLarge(f"the body is over the limit of {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def check_json(body: bytes) -> None:
    """orjson first (a few microseconds); the standard parser only for what orjson
    refuses, so what is accepted and the message a sender sees are the standard ones."""
    try:
        orjson.loads(body)
        return
    except orjson.JSONDecodeError:
        pass
    try:
        json.loads(body)
    except UnicodeDecodeError as exc:
        raise MalformedJson("the body is not UTF-8 text", detail=str(exc)) from None
    except json.JSONDecodeError as exc:
        raise MalformedJson("the body is not valid JSON",
                            detail=f"{exc.msg}: line {exc.lineno} column {exc.colno} "
                                   f"(char {exc.pos})") from None


def verify(connector: Connector, system: str, headers: Mapping[str, str], body: bytes) -> None:
    try:
        connector.verify_webhook(headers, body)
    except AuthError as exc:
        log.info("webhook signature refused", extra={"system": system, "code": exc.code})
        raise InvalidSignature(exc.message, detail=exc.code) from None


def parse(connector: Connector, system: str, headers: Mapping[str, str],
          body: bytes) -> list[ChangeEvent]:
    try:
        return connector.parse_webhook(headers, body)
    except TradeHubError as exc:
        raise UnreadableBody(f"the body is not a {system} event: {exc.message}",
                             detail=exc.detail) from None


def check_mapping(ctx: SyncContext, system: str, events: list[ChangeEvent]) -> None:
    """Refuse an event no pipeline could use, naming the field, before accepting it."""
    wanted: dict[str, bool] = {}
    for event in events:
        if event.kind == "delete" or event.data is None:
            continue
        if event.entity not in wanted:
            wanted[event.entity] = bool(pipelines_reading(ctx, system, event.entity))
        if not wanted[event.entity]:
            continue            # stored and ignored: nothing reads this entity from here
        try:
            mapping = ctx.mapping(system, event.entity)
        except ConfigError as exc:
            raise UnreadableEvent(exc.message) from None
        unreadable = (f"event {event.event_id}: {event.entity} {event.remote_id} cannot be "
                      f"read with {system}'s mapping")
        try:
            canonical_record(mapping, ENTITIES[event.entity], event.data)
        except ValidationError as exc:
            first = exc.errors()[0]
            field = ".".join(str(p) for p in first["loc"]) or None
            raise UnreadableEvent(
                unreadable, field=field,
                detail="; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}"
                                 for e in exc.errors())) from None
        except TradeHubError as exc:
            raise UnreadableEvent(unreadable, field=getattr(exc, "field", None),
                                  detail=exc.message) from None
        except (ValueError, TypeError, KeyError) as exc:
            raise UnreadableEvent(unreadable, detail=str(exc)) from None


def check(ctx: SyncContext, system: str, headers: dict[str, str],
          body: bytes) -> list[ChangeEvent]:
    """Every check after the body is read, in order, on the event loop itself.

    It is well under a millisecond of CPU; handing it to the thread pool measured
    slower (threads fight the loop for the GIL).
    """
    connector = ctx.connector(system)
    verify(connector, system, headers, body)
    check_json(body)
    events = parse(connector, system, headers, body)
    check_mapping(ctx, system, events)
    return events


def answer(system: str, events: list[ChangeEvent], new: set[str]) -> dict[str, object]:
    """The ``WebhookAccepted`` body, built as plain data (it is the hot path's reply)."""
    items = [{"event_id": e.event_id, "entity": e.entity, "remote_id": e.remote_id,
              "duplicate": e.event_id not in new} for e in events]
    duplicates = sum(1 for item in items if item["duplicate"])
    status = "empty" if not items else "duplicate" if duplicates == len(items) else "accepted"
    return {"status": status, "system": system, "accepted": len(items) - duplicates,
            "duplicates": duplicates, "events": items}


async def accept(runtime: HubRuntime, ctx: SyncContext, system: str,
                 headers: dict[str, str], body: bytes) -> dict[str, object]:
    """Check, then commit the new events to the inbox (group commit) and wake the worker."""
    events = check(ctx, system, headers, body)
    new = await runtime.inbox().store_async(
        system=system, event_ids=[e.event_id for e in events],
        headers=storable_headers(headers), body=body)
    if new:
        runtime.wake_inbox()
    return answer(system, events, new)


Runtime = Annotated[HubRuntime, Depends(get_runtime)]


@router.post(
    "/webhooks/{system}", status_code=202, response_model=WebhookAccepted,
    summary="Receive a product's signed change events",
    responses=problem_responses(400, 401, 404, 413, 422, 503),
    openapi_extra={"requestBody": {"required": True, "content": {"application/json": {
        "schema": {"type": "object", "description": "The product's own event JSON."},
        "example": {"event_id": "evt-1", "entity": "customer", "op": "upsert",
                    "record": {"id": "C-1", "name": "Lichtwerk GmbH", "country": "DE"}}}}}},
)
async def receive_webhook(system: SystemName, request: Request) -> Response:
    """Verify, dedupe and store the events; 202 once they are committed to the inbox."""
    return await handle_webhook(request, system)


class WebhookFastPath:
    """Serves ``POST /webhooks/{system}`` in front of FastAPI's exception middleware
    and router; every other request goes on to FastAPI unchanged.

    The webhook handler takes only the request, so the layers it skips (FastAPI's
    exception middleware, its exit stack, route matching, the endpoint wrapper) are
    pure overhead on the hub's hottest path. Installed with ``add_middleware``, it
    sits inside Starlette's ``ServerErrorMiddleware``, so a bug is still a 500
    problem; TradeHub's own refusals become the same problem bodies the exception
    handlers write. A name the documented route would refuse (over 100 characters)
    is left to FastAPI, which answers its own 422. The FastAPI route stays for the
    OpenAPI document and serves what is left to it.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        system = _webhook_system(scope)
        if system is None:
            await self.app(scope, receive, send)
            return
        try:
            response = await handle_webhook(Request(scope, receive), system)
        except TradeHubError as exc:
            response = error_response(exc)
        await response(scope, receive, send)


PREFIX = "/webhooks/"


def _webhook_system(scope: Scope) -> str | None:
    """The system of a ``POST /webhooks/{system}`` request this path serves, else None."""
    if scope["type"] != "http" or scope["method"] != "POST":
        return None
    path: str = scope["path"]
    root: str = scope.get("root_path", "")
    if root and path.startswith(root):
        path = path[len(root):]
    if not path.startswith(PREFIX):
        return None
    system = path[len(PREFIX):]
    if not system or "/" in system or len(system) > MAX_SYSTEM_NAME:
        return None
    return system


async def handle_webhook(request: Request, system: str) -> Response:
    runtime: HubRuntime = request.app.state.hub     # not a dependency: the hot path
    ctx = runtime.require_system(system)           # 404 before the body is read
    body = await read_body(request, runtime.api.max_body_bytes)
    headers = dict(request.headers)
    result = await accept(runtime, ctx, system, headers, body)
    return Response(orjson.dumps(result), status_code=202, media_type="application/json")


@router.get(
    "/webhooks/{system}", response_class=PlainTextResponse,
    summary="Answer a subscription handshake (WhatsApp-style hub.challenge)",
    responses={200: {"content": {"text/plain": {"schema": {"type": "string"}}},
                     "description": "The challenge, echoed back"},
               **problem_responses(403, 404, 503)},
)
def webhook_handshake(system: SystemName, request: Request, runtime: Runtime) -> PlainTextResponse:
    ctx = runtime.require_system(system)
    connector = ctx.connector(system)
    handshake = getattr(connector, "verify_subscription", None)
    if handshake is None:
        raise Forbidden(f"{system} does not use a subscription handshake")
    try:
        challenge = handshake(dict(request.query_params))
    except AuthError as exc:
        raise Forbidden(exc.message) from None
    return PlainTextResponse(str(challenge))
