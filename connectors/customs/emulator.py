"""A trade-data provider API emulator: paged bills of lading, keyed by API token,
incremental by arrival date.

No public spec exists for the CRM-facing vendors (protocols.md §4), so this follows
the common shape of keyed REST trade-data APIs: ``GET /v1/bills`` with
``X-API-Key``, ``date_from`` (inclusive), ``page`` from 1 and ``page_size`` ≤ 500,
results ordered by (arrival date, id) so a client can resume from a date.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from datetime import date
from typing import Annotated, Any

from fastapi import FastAPI, Header, Query
from fastapi.responses import JSONResponse

MAX_PAGE_SIZE = 500


def _error(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status)


def create_app(bills: Iterable[dict[str, Any]], *, tokens: Iterable[str]) -> FastAPI:
    """The app serving ``bills`` (provider JSON, see ``synthetic.api_bill``) to ``tokens``."""
    store = sorted(bills, key=lambda b: (str(b["arrival_date"]), str(b["id"])))
    keys = frozenset(tokens)
    app = FastAPI(title="Trade data provider (emulated)")
    app.state.bills = store
    app.state.requests = 0

    @app.get("/v1/bills")
    def list_bills(
        date_from: Annotated[date, Query(description="Arrival date, inclusive (YYYY-MM-DD).")],
        page: Annotated[int, Query(ge=1)] = 1,
        page_size: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = 100,
        x_api_key: Annotated[str | None, Header()] = None,
    ) -> Any:
        app.state.requests += 1
        if x_api_key is None:
            return _error(401, "missing_api_key", "send your API key in the X-API-Key header")
        if not any(secrets.compare_digest(x_api_key, key) for key in keys):
            return _error(401, "invalid_api_key", "the API key is not valid")
        since = date_from.isoformat()
        matching = [b for b in app.state.bills if str(b["arrival_date"]) >= since]
        start = (page - 1) * page_size
        total_pages = (len(matching) + page_size - 1) // page_size
        return {"data": matching[start:start + page_size], "page": page, "page_size": page_size,
                "total": len(matching), "total_pages": total_pages}

    return app
