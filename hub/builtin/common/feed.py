"""Reading the change feed: ``GET /{app}/changes?since=&limit=&resource=``.

The cursor is the last sequence number the reader has seen, as a string. Because
writers allocate sequence numbers under the product's feed lock and commit before
releasing it (see ``product.py``), every row below a visible one is visible too, so
``seq > since ORDER BY seq`` never skips a change that commits late.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel
from sqlalchemy import select

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
                 resources: list[str] | None = None) -> ChangePage:
    table = product.tables.changes
    query = select(table.seq, table.resource, table.record_id, table.op, table.at,
                   table.data).where(table.seq > since).order_by(table.seq).limit(limit + 1)
    if resources:
        for name in resources:
            product.resource(name)
        query = query.where(table.resource.in_(resources))
    with product.reading() as session:
        rows = list(session.execute(query))
    has_more = len(rows) > limit
    rows = rows[:limit]
    changes = [Change(seq=r.seq, resource=r.resource, id=r.record_id, op=r.op, at=utc(r.at),
                      data=r.data) for r in rows]
    return ChangePage(changes=changes, next=str(rows[-1].seq if rows else since),
                      has_more=has_more)
