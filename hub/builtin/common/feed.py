"""Reading the change feed: ``GET /{app}/changes?since=&limit=&resource=``.

The cursor is the last sequence number the reader has seen, as a string. Because
writers allocate sequence numbers under the product's feed lock and commit before
releasing it (see ``product.py``), every row below a visible one is visible too, so
``seq > since ORDER BY seq`` never skips a change that commits late.

Every sync reads the whole feed, so a page is written as JSON straight from the
rows: each stored document is spliced in as the database holds it (it is JSON
already), not decoded into objects, checked and encoded again. ``ChangePage`` is the
shape the page has (the OpenAPI document shows it; ``read_changes`` reads a page
back through it, and the schemathesis run holds responses to it).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

import orjson
from pydantic import BaseModel
from sqlalchemy import LargeBinary, String, Text, cast, select, type_coerce

from hub.builtin.common.errors import ApiError
from hub.builtin.common.product import Product, utc

MAX_PAGE = 5000
MAX_SEQ = 2**63 - 1
"""Sequence numbers are BIGINT; a larger cursor cannot be ours."""


class Change(BaseModel):
    seq: int
    resource: str
    id: int
    op: Literal["create", "update", "delete"]
    at: datetime
    data: dict[str, Any]


class ChangePage(BaseModel):
    changes: list[Change]
    next: str
    has_more: bool


def parse_cursor(since: str | None) -> int:
    if since is None or since == "":
        return 0
    if not (since.isascii() and since.isdigit()) or int(since) > MAX_SEQ:
        raise ApiError(422, "validation_error",
                       f"since: '{since}' is not a cursor from this feed (expected the "
                       "'next' value of an earlier page, or nothing to start at the beginning)")
    return int(since)


def read_changes(product: Product, *, since: int, limit: int,
                 resources: list[str] | None = None,
                 part: tuple[int, int] | None = None) -> ChangePage:
    """One page of the feed (what ``read_changes_json`` serves, read back)."""
    return ChangePage.model_validate_json(read_changes_json(
        product, since=since, limit=limit, resources=resources, part=part))


def read_changes_json(product: Product, *, since: int, limit: int,
                      resources: list[str] | None = None,
                      part: tuple[int, int] | None = None) -> bytes:
    """One page of the feed, as the JSON body of a ``ChangePage``.

    ``part`` (index, count) keeps the changes of records whose id leaves that
    remainder divided by count: readers in several processes split the feed
    between them, each with its own cursor, and no record is in two parts.

    Rows are read through the connection (no ORM rows), and each distinct ``at`` is
    formatted once: a batch's changes share one. On SQLite ``at`` comes as the text
    the database holds, so it is not parsed into a datetime per row either, and each
    document comes as its UTF-8 bytes, spliced into a page written as bytes: read as
    text, every document was decoded and the whole page encoded again.
    """
    table = product.tables.changes
    sqlite = product.engine.dialect.name == "sqlite"
    at_column = type_coerce(table.at, String) if sqlite else table.at
    data_column = cast(table.data, LargeBinary if sqlite else Text)
    query = select(table.seq, table.resource, table.record_id, table.op, at_column,
                   data_column).where(table.seq > since).order_by(table.seq) \
        .limit(limit + 1)
    if resources:
        for name in resources:
            product.resource(name)
        query = query.where(table.resource.in_(resources))
    if part is not None:
        index, count = part
        query = query.where(table.record_id % count == index)
    with product.reading() as session:
        rows = session.connection().execute(query).all()
    has_more = len(rows) > limit
    rows = rows[:limit]
    names: dict[str, bytes] = {}            # resources and operations, JSON-quoted
    times: dict[Any, bytes] = {}
    parts: list[bytes] = []
    for seq, resource, record_id, op, at, data in rows:
        name = names.get(resource)
        if name is None:
            name = names[resource] = orjson.dumps(resource)
        quoted_op = names.get(op)
        if quoted_op is None:
            quoted_op = names[op] = orjson.dumps(op)
        when = times.get(at)
        if when is None:
            moment = datetime.fromisoformat(at) if sqlite else at
            when = times[at] = orjson.dumps(utc(moment), option=orjson.OPT_UTC_Z)
        parts.append(b'{"seq":%d,"resource":%s,"id":%d,"op":%s,"at":%s,"data":%s}' % (
            seq, name, record_id, quoted_op, when, data if sqlite else data.encode()))
    last = rows[-1][0] if rows else since
    return b'{"changes":[%s],"next":"%d","has_more":%s}' % (
        b",".join(parts), last, b"true" if has_more else b"false")
