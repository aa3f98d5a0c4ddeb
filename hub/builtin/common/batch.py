"""Batch upsert: idempotent by natural key, one result per item, bulk queries.

Items are matched to stored rows with one ``IN`` query per chunk, checked against
referenced resources with one query per reference, and written with executemany
inserts/updates; only resources whose writes have side effects go item by item
(each inside a savepoint, so a refused item leaves nothing behind).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Literal

from pydantic import BaseModel, Field, ValidationError
from sqlalchemy import select

from hub.builtin.common.bulk import insert_rows, update_rows
from hub.builtin.common.errors import ApiError, summarise
from hub.builtin.common.product import Writer, represent
from hub.builtin.common.resource import Doc, Resource

CHUNK = 500
MAX_BATCH = 10_000

ItemOutcome = Literal["created", "updated", "unchanged", "error"]


class BatchRequest(BaseModel):
    items: list[dict[str, Any]] = Field(max_length=MAX_BATCH)
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


def chunks(values: Sequence[str]) -> Iterable[Sequence[str]]:
    for start in range(0, len(values), CHUNK):
        yield values[start:start + CHUNK]


def existing_keys(writer: Writer, resource: Resource, keys: Sequence[str]) -> set[str]:
    table = resource.table
    found: set[str] = set()
    for part in chunks(keys):
        found.update(writer.session.execute(
            select(table.key).where(table.key.in_(part), table.archived.is_(False))).scalars())
    return found


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


def upsert_items(writer: Writer, resource: Resource, raw_items: Sequence[dict[str, Any]],
                 *, merge: bool = False) -> list[ItemResult]:
    results: list[ItemResult | None] = [None] * len(raw_items)
    keyed: dict[str, int] = {}
    for index, raw in enumerate(raw_items):
        missing = [f for f in resource.key_fields if raw.get(f) in (None, "")]
        if missing:
            results[index] = ItemResult(key=None, outcome="error",
                                        error=f"{missing[0]}: the natural key is required")
            continue
        key = resource.key_of(raw)
        if key in keyed:
            results[index] = ItemResult(key=key, outcome="error",
                                        error=f"duplicate key '{key}' in this batch")
            continue
        keyed[key] = index

    table = resource.table
    stored: dict[str, Any] = {}
    for part in chunks([k for k in keyed if "\x00" not in k]):  # see routes.storable
        for row in writer.session.execute(
                select(table.id, table.key, table.data, table.archived, table.created_at)
                .where(table.key.in_(part))):
            stored[row.key] = row

    items: dict[int, BaseModel] = {}
    keys = {index: key for key, index in keyed.items()}
    for key, index in keyed.items():
        raw = raw_items[index]
        if merge and key in stored:
            raw = {**resource.writable_part(stored[key].data), **raw}
        try:
            items[index] = resource.model.model_validate(raw)
        except ValidationError as exc:
            results[index] = ItemResult(key=key, outcome="error", error=summarise(exc))
    dumped = {i: m.model_dump(mode="json") for i, m in items.items()}
    for index, message in check_references(writer, resource, dumped).items():
        results[index] = ItemResult(key=keys[index], outcome="error", error=message)
        del items[index]

    if resource.sequential:
        _write_one_by_one(writer, resource, items, keys, results)
    else:
        _write_in_bulk(writer, resource, {i: dumped[i] for i in items}, keys, stored, results)
    return [r for r in results if r is not None]


def _write_one_by_one(writer: Writer, resource: Resource, items: dict[int, BaseModel],
                      keys: dict[int, str], results: list[ItemResult | None]) -> None:
    for index, item in items.items():
        key = keys[index]
        mark = len(writer.pending), writer.seq
        try:
            with writer.session.begin_nested():
                row, outcome = writer.save(resource, item, writer.by_key(resource, key))
            results[index] = ItemResult(key=key, id=row.id, outcome=outcome)
        except ApiError as exc:
            del writer.pending[mark[0]:]
            writer.seq = mark[1]
            results[index] = ItemResult(key=key, outcome="error", error=exc.message)


def _write_in_bulk(writer: Writer, resource: Resource, dumped: dict[int, Doc],
                   keys: dict[int, str], stored: dict[str, Any],
                   results: list[ItemResult | None]) -> None:
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
            results[index] = ItemResult(key=key, outcome="error", error=exc.message)
            continue
        if row is None:
            inserts.append((index, doc))
        elif row.data == doc and not row.archived:
            results[index] = ItemResult(key=key, id=row.id, outcome="unchanged")
        else:
            updates.append((index, row, doc))

    if inserts:
        ids = writer.new_ids(resource, len(inserts))
        insert_rows(writer.session, table.__table__, [
            {"id": record_id, "key": resource.key_of(doc), "ref": resource.ref_of(doc),
             "data": doc, "archived": False, "created_at": now, "updated_at": now}
            for record_id, (_, doc) in zip(ids, inserts, strict=True)])
        for (index, doc), record_id in zip(inserts, ids, strict=True):
            results[index] = ItemResult(key=resource.key_of(doc), id=record_id, outcome="created")
            writer.record(resource.name, record_id, "create",
                          represent(record_id, doc, False, now, now))
    if updates:
        update_rows(writer.session, table.__table__, [
            {"id": row.id, "data": doc, "ref": resource.ref_of(doc), "archived": False,
             "updated_at": now} for _, row, doc in updates])
        for index, row, doc in updates:
            results[index] = ItemResult(key=row.key, id=row.id, outcome="updated")
            writer.record(resource.name, row.id, "update",
                          represent(row.id, doc, False, row.created_at, now))


def summarise_results(results: Sequence[ItemResult]) -> BatchSummary:
    summary = BatchSummary()
    for result in results:
        setattr(summary, result.outcome, getattr(summary, result.outcome) + 1)
    return summary
