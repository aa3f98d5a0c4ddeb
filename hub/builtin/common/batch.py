"""Batch upsert: idempotent by natural key, one result per item, bulk queries.

Items are matched to stored rows with one query (``one_of``: the keys bound once),
checked against referenced resources with one query per reference, and written with
executemany inserts/updates; only resources whose writes have side effects go item by
item (each inside a savepoint, so a refused item leaves nothing behind).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal

import orjson
from pydantic import BaseModel, Field, InstanceOf, TypeAdapter, ValidationError
from sqlalchemy import select

from hub.builtin.common.bulk import insert_rows, update_rows
from hub.builtin.common.errors import ApiError, summarise
from hub.builtin.common.product import Writer, represent_encoded
from hub.builtin.common.resource import Doc, Resource
from hub.store.base import Encoded
from hub.store.db import json_bytes
from hub.store.values import one_of

MAX_BATCH = 10_000

ItemOutcome = Literal["created", "updated", "unchanged", "error"]


class BatchRequest(BaseModel):
    # Each item is checked to be an object and held as parsed; the resource's model
    # validates it field by field next (``validate_docs``).
    items: list[InstanceOf[dict[str, Any]]] = Field(max_length=MAX_BATCH)
    merge: bool = Field(False, description="Existing records: only the fields sent change.")


class ItemResult(BaseModel):
    key: str | None
    id: int | None = None
    outcome: ItemOutcome
    error: str | None = None


class BatchSummary(BaseModel):
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    error: int = 0


class BatchResponse(BaseModel):
    results: list[ItemResult]
    summary: BatchSummary


def existing_keys(writer: Writer, resource: Resource, keys: Sequence[str]) -> set[str]:
    if not keys:
        return set()
    table = resource.table
    return set(writer.session.execute(select(table.key).where(
        one_of(writer.session, table.key, keys), table.archived.is_(False))).scalars())


def check_references(writer: Writer, resource: Resource, docs: dict[int, Doc]) -> dict[int, str]:
    """Items naming a record that does not exist, with the message to refuse them."""
    refused: dict[int, str] = {}
    for field, target_name in resource.references.items():
        target = writer.res(target_name)
        wanted = sorted({str(d[field]) for d in docs.values() if d.get(field) is not None})
        present = existing_keys(writer, target, wanted)
        for index, doc in docs.items():
            value = doc.get(field)
            if value is not None and str(value) not in present and index not in refused:
                refused[index] = f"{field}: {target_name} '{value}' does not exist"
    return refused


@dataclass(slots=True)
class Result:
    """One item's outcome while a batch is written (``ItemResult``'s shape, which
    orjson writes as it is: a sync sends thousands of items a call)."""

    key: str | None
    id: int | None
    outcome: ItemOutcome
    error: str | None = None


@lru_cache(maxsize=64)
def list_adapter(model: type[BaseModel]) -> TypeAdapter[list[BaseModel]]:
    """Validates and dumps a batch's items in one call into pydantic-core each."""
    return TypeAdapter(list[model])  # type: ignore[valid-type]


def validate_docs(resource: Resource, raws: list[dict[str, Any]]) -> list[Doc | str]:
    """Each item's JSON-mode document, or the message refusing it.

    The whole list goes through pydantic-core at once; only a batch holding an
    invalid item is validated again item by item, to tell the good from the bad.
    """
    adapter = list_adapter(resource.model)
    try:
        return adapter.dump_python(adapter.validate_python(raws), mode="json")  # type: ignore[no-any-return]
    except ValidationError:
        pass
    out: list[Doc | str] = []
    for raw in raws:
        try:
            out.append(resource.model.model_validate(raw).model_dump(mode="json"))
        except ValidationError as exc:
            out.append(summarise(exc))
    return out


def upsert_items(writer: Writer, resource: Resource, raw_items: Sequence[dict[str, Any]],
                 *, merge: bool = False) -> list[Result]:
    results: list[Result | None] = [None] * len(raw_items)
    keyed: dict[str, int] = {}
    key_fields = resource.key_fields
    single = key_fields[0] if len(key_fields) == 1 else None
    for index, raw in enumerate(raw_items):
        if single is not None:          # the usual key: no generator made per item
            value = raw.get(single)
            missing = single if value is None or value == "" else None
        else:
            missing = next((f for f in key_fields if raw.get(f) in (None, "")), None)
        if missing is not None:
            results[index] = Result(None, None, "error",
                                    f"{missing}: the natural key is required")
            continue
        key = resource.key_of(raw)
        if key in keyed:
            results[index] = Result(key, None, "error", f"duplicate key '{key}' in this batch")
            continue
        keyed[key] = index

    table = resource.table
    stored: dict[str, Any] = {}
    wanted = [k for k in keyed if "\x00" not in k]             # see routes.storable
    if wanted:
        for row in writer.session.execute(
                select(table.id, table.key, table.data, table.archived, table.created_at)
                .where(one_of(writer.session, table.key, wanted))):
            stored[row.key] = row

    keys = {index: key for key, index in keyed.items()}
    raws = [raw_items[index] for index in keys]
    if merge:
        raws = [{**resource.writable_part(stored[keys[i]].data), **raw} if keys[i] in stored
                else raw for i, raw in zip(keys, raws, strict=True)]
    dumped: dict[int, Doc] = {}
    for index, outcome in zip(keys, validate_docs(resource, raws), strict=True):
        if isinstance(outcome, str):
            results[index] = Result(keys[index], None, "error", outcome)
        else:
            dumped[index] = outcome
    for index, message in check_references(writer, resource, dumped).items():
        results[index] = Result(keys[index], None, "error", message)
        del dumped[index]

    if resource.sequential:
        _write_one_by_one(writer, resource, dumped, keys, results)
    else:
        _write_in_bulk(writer, resource, dumped, keys, stored, results)
    return [r for r in results if r is not None]


def _write_one_by_one(writer: Writer, resource: Resource, dumped: dict[int, Doc],
                      keys: dict[int, str], results: list[Result | None]) -> None:
    for index, fresh in dumped.items():
        key = keys[index]
        mark = len(writer.pending), writer.seq
        try:
            with writer.session.begin_nested():
                row = writer.by_key(resource, key)
                doc = resource.build(writer, fresh, None if row is None else row.data)
                row, outcome = writer.save_doc(resource, doc, row)
            results[index] = Result(key, row.id, outcome)
        except ApiError as exc:
            del writer.pending[mark[0]:]
            writer.seq = mark[1]
            results[index] = Result(key, None, "error", exc.message)


def _write_in_bulk(writer: Writer, resource: Resource, dumped: dict[int, Doc],
                   keys: dict[int, str], stored: dict[str, Any],
                   results: list[Result | None]) -> None:
    table = resource.table
    now = writer.now
    inserts: list[tuple[int, Doc]] = []
    updates: list[tuple[int, Any, Doc]] = []
    for index, fresh in dumped.items():
        key = keys[index]
        row = stored.get(key)
        doc = resource.build(writer, fresh, None if row is None else row.data)
        try:
            resource.check(writer, doc, None if row is None else row.data)
        except ApiError as exc:
            results[index] = Result(key, None, "error", exc.message)
            continue
        if row is None:
            inserts.append((index, doc))
        elif row.data == doc and not row.archived:
            results[index] = Result(key, row.id, "unchanged")
        else:
            updates.append((index, row, doc))

    if inserts:
        ids = writer.new_ids(resource, len(inserts))
        rows: list[dict[str, Any]] = []
        for record_id, (index, doc) in zip(ids, inserts, strict=True):
            encoded = json_bytes(doc)
            key = resource.key_of(doc)
            rows.append({"id": record_id, "key": key, "ref": resource.ref_of(doc),
                         "data": Encoded(encoded), "archived": False,
                         "created_at": now, "updated_at": now})
            results[index] = Result(key, record_id, "created")
            writer.record(resource.name, record_id, "create",
                          represent_encoded(record_id, doc, encoded, False, now, now))
        insert_rows(writer.session, table.__table__, rows)
    if updates:
        changed: list[dict[str, Any]] = []
        for index, row, doc in updates:
            encoded = json_bytes(doc)
            changed.append({"id": row.id, "data": Encoded(encoded), "ref": resource.ref_of(doc),
                            "archived": False, "updated_at": now})
            results[index] = Result(row.key, row.id, "updated")
            writer.record(resource.name, row.id, "update",
                          represent_encoded(row.id, doc, encoded, False, row.created_at, now))
        update_rows(writer.session, table.__table__, changed)


def summarise_results(results: Sequence[Result]) -> BatchSummary:
    counts = Counter(result.outcome for result in results)
    return BatchSummary(created=counts["created"], updated=counts["updated"],
                        unchanged=counts["unchanged"], error=counts["error"])


def batch_response_json(results: Sequence[Result]) -> bytes:
    """The body of a ``BatchResponse``, written by orjson from the results as they are."""
    return orjson.dumps({"results": results, "summary": summarise_results(results).model_dump()})
