"""The REST face every resource gets: list, get, by-key, create, replace, patch,
delete/archive and batch upsert; plus the product's change feed.

No ``from __future__ import annotations`` here: the endpoint signatures use each
resource's model as a runtime annotation so the OpenAPI document shows it.
"""

from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Body, Depends, Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ValidationError
from sqlalchemy import func, select

from hub.builtin.common.auth import require_token
from hub.builtin.common.batch import (
    BatchRequest,
    BatchResponse,
    batch_response_json,
    check_references,
    upsert_items,
)
from hub.builtin.common.errors import ApiError, conflict, describe_errors, not_found
from hub.builtin.common.feed import MAX_PAGE, ChangePage, parse_cursor, read_changes_json
from hub.builtin.common.product import Product, Writer, represent_row
from hub.builtin.common.resource import Resource

MAX_ID = 2**31 - 1
"""Ids and offsets are 32-bit database integers: a larger one is refused with a 422
naming the parameter, not passed on to overflow in the database driver (a 500)."""
MAX_PARTS = 64
"""The most parts a reader may split the change feed into."""
RecordId = Annotated[int, Path(ge=1, le=MAX_ID)]
BATCH_REQUEST_BODY = {"requestBody": {"required": True, "content": {"application/json": {
    "schema": BatchRequest.model_json_schema()}}}}


def product_router(product: Product) -> APIRouter:
    """Routes of one product (mounted under ``/{app}``), all behind the bearer token."""
    router = APIRouter(dependencies=[Depends(require_token)])

    @router.get("/changes", response_model=ChangePage, tags=["change feed"],
                summary="Every change in order, exactly once, page by page")
    def changes(since: str | None = Query(None, description="'next' of the previous page"),
                limit: int = Query(500, ge=1, le=MAX_PAGE),
                resource: str | None = Query(None, description="Only this resource"),
                part: int | None = Query(None, ge=0, description="With parts: only the "
                                         "records whose id divided by parts leaves this"),
                parts: int | None = Query(None, ge=1, le=MAX_PARTS)) -> Response:
        split: tuple[int, int] | None = None
        if part is not None and parts is not None and part < parts:
            split = (part, parts)
        elif part is not None or parts is not None:
            raise ApiError(422, "validation_error",
                           "part and parts come together, with 0 <= part < parts")
        body = read_changes_json(product, since=parse_cursor(since), limit=limit,
                                 resources=[resource] if resource else None, part=split)
        return Response(body, media_type="application/json")

    for resource in product.resources.values():
        add_resource_routes(router, product, resource)
    return router


def storable(text: str | None) -> bool:
    """Whether a stored key or reference could equal ``text``: none holds NUL, and
    PostgreSQL refuses NUL in any text parameter (a 500), so such a lookup finds
    nothing on either backend without asking the database."""
    return text is None or "\x00" not in text


def validate_item(resource: Resource, raw: dict[str, Any]) -> BaseModel:
    try:
        return resource.model.model_validate(raw)
    except ValidationError as exc:
        raise ApiError(422, "validation_error", "the request is invalid",
                       fields=[{**f, "loc": f"body.{f['loc']}"}
                               for f in describe_errors(exc.errors())]) from None


def store_one(writer: Writer, resource: Resource, item: BaseModel, row: Any | None) -> Any:
    refused = check_references(writer, resource, {0: item.model_dump(mode="json")})
    if refused:
        raise ApiError(422, "unknown_reference", refused[0])
    stored, _ = writer.save(resource, item, row)
    return stored


def add_resource_routes(router: APIRouter, product: Product, resource: Resource) -> None:
    table, path, tag = resource.table, f"/{resource.path}", resource.name
    model = resource.model

    @router.get(path, tags=[tag], summary=f"List {resource.name}",
                name=f"list_{resource.name}")
    def list_records(limit: int = Query(100, ge=1, le=1000),
                     offset: int = Query(0, ge=0, le=MAX_ID),
                     key: str | None = Query(None, alias=resource.key_param,
                                             description="Natural key"),
                     ref: str | None = Query(None, alias=resource.ref_field or "ref"),
                     include_archived: bool = False) -> dict[str, Any]:
        if not storable(key) or not storable(ref):
            return {"items": [], "total": 0, "next_offset": None}
        query = select(table)
        if key is not None:
            query = query.where(table.key == key)
        if ref is not None:
            query = query.where(table.ref == ref)
        if not include_archived:
            query = query.where(table.archived.is_(False))
        with product.reading() as session:
            total = session.execute(select(func.count()).select_from(query.subquery())).scalar_one()
            rows = session.execute(query.order_by(table.id).offset(offset).limit(limit)).scalars()
            items = [represent_row(r) for r in rows]
        more = offset + len(items) < total
        return {"items": items, "total": total, "next_offset": offset + len(items) if more else None}

    @router.get(path + "/by-key/{key:path}", tags=[tag], name=f"get_{resource.name}_by_key",
                summary=f"One of {resource.name} by natural key "
                        f"({'@'.join(resource.key_fields)})")
    def get_by_key(key: str) -> dict[str, Any]:
        if not storable(key):
            raise not_found(resource.name, f"'{key}'")
        with product.reading() as session:
            row = session.execute(select(table).where(table.key == key)).scalar_one_or_none()
            if row is None:
                raise not_found(resource.name, f"'{key}'")
            return represent_row(row)

    @router.get(path + "/{record_id}", tags=[tag], name=f"get_{resource.name}")
    def get_one(record_id: RecordId) -> dict[str, Any]:
        with product.reading() as session:
            row = session.get(table, record_id)
            if row is None:
                raise not_found(resource.name, record_id)
            return represent_row(row)

    if not resource.writable:
        return

    @router.post(path, status_code=201, tags=[tag], name=f"create_{resource.name}")
    def create(item: model = Body()) -> JSONResponse:  # type: ignore[valid-type]
        key = resource.key_of(item.model_dump())
        with product.writing() as writer:
            if writer.by_key(resource, key) is not None:
                raise conflict(f"{resource.name} '{key}' already exists")
            body = represent_row(store_one(writer, resource, item, None))
        return JSONResponse(body, status_code=201)

    @router.put(path + "/{record_id}", tags=[tag], name=f"replace_{resource.name}")
    def replace(record_id: RecordId,
                item: model = Body()) -> dict[str, Any]:  # type: ignore[valid-type]
        with product.writing() as writer:
            row = writer.by_id(resource, record_id)
            key = resource.key_of(item.model_dump())
            if key != row.key and writer.by_key(resource, key) is not None:
                raise conflict(f"{resource.name} '{key}' already exists")
            return represent_row(store_one(writer, resource, item, row))

    @router.patch(path + "/{record_id}", tags=[tag], name=f"patch_{resource.name}")
    def patch(record_id: RecordId, changes: dict[str, Any] = Body()) -> dict[str, Any]:
        with product.writing() as writer:
            row = writer.by_id(resource, record_id)
            unknown = sorted(set(changes) - set(model.model_fields))
            if unknown:
                raise ApiError(422, "validation_error",
                               f"not writable fields of {resource.name}: {', '.join(unknown)}")
            item = validate_item(resource, {**resource.writable_part(row.data), **changes})
            key = resource.key_of(item.model_dump())
            if key != row.key and writer.by_key(resource, key) is not None:
                raise conflict(f"{resource.name} '{key}' already exists")
            return represent_row(store_one(writer, resource, item, row))

    @router.delete(path + "/{record_id}", tags=[tag], name=f"delete_{resource.name}",
                   summary="Archive (default) or delete for good (?hard=true)",
                   response_model=None)
    def delete(record_id: RecordId, hard: bool = False) -> Response | dict[str, Any]:
        with product.writing() as writer:
            row = writer.by_id(resource, record_id)
            writer.remove(resource, row, hard=hard)
            body = None if hard else represent_row(row)
        return Response(status_code=204) if body is None else body

    def upsert_batch(batch: BatchRequest) -> bytes:
        with product.writing() as writer:
            results = upsert_items(writer, resource, batch.items, merge=batch.merge)
        return batch_response_json(results)

    @router.post(path + "/batch-upsert", response_model=BatchResponse, tags=[tag],
                 name=f"batch_upsert_{resource.name}",
                 summary=f"Create or update many {resource.name} by natural key",
                 openapi_extra=BATCH_REQUEST_BODY)
    async def batch_upsert(request: Request) -> Response:
        # A sync sends thousands of items a call: orjson parses the body (in half the
        # time pydantic's parser takes), pydantic checks its shape, and the answer is
        # serialised by orjson too.
        try:
            batch = BatchRequest.model_validate(orjson.loads(await request.body()))
        except orjson.JSONDecodeError as exc:
            raise RequestValidationError([{"type": "json_invalid", "loc": ("body",),
                                           "msg": f"Invalid JSON: {exc}", "input": {}}]
                                         ) from None
        except ValidationError as exc:
            raise RequestValidationError(
                [{**e, "loc": ("body", *e["loc"])} for e in exc.errors()]) from None
        return Response(await run_in_threadpool(upsert_batch, batch),
                        media_type="application/json")
