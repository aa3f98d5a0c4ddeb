"""Where bills come from: AMS-style CSV files, or a trade-data provider's HTTP API.

Both yield canonical TradeRecords in (arrival date, record id) order after a
``DateCursor``; rows that cannot be normalised become ``RowIssue``s (logged and
returned) instead of stopping the import.
"""

from __future__ import annotations

import csv
import logging
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import httpx
from pydantic import BaseModel, Field

from connectors.customs.cursor import DateCursor
from connectors.customs.normalize import NormaliseError
from connectors.customs.records import (
    CSV_COLUMNS,
    arrival,
    csv_header_map,
    raw_from_api,
    raw_from_csv,
    to_trade_record,
)
from connectors.http import request_with_retries
from hub.errors import FatalError
from hub.models import TradeRecord

log = logging.getLogger(__name__)


class RowIssue(BaseModel):
    source: str = Field(description="File path or 'api page N'.")
    line: int | None = Field(None, description="CSV line number (header is line 1).")
    record_id: str | None = None
    message: str


def read_csv(paths: list[Path], cursor: DateCursor, *, default_importer_country: str | None,
             delimiter: str = ",", encoding: str = "utf-8-sig",
             issues: list[RowIssue]) -> list[TradeRecord]:
    """New records from the files, sorted; a record id seen in two files counts once."""
    found: dict[str, TradeRecord] = {}
    for path in paths:
        try:
            handle = path.open(newline="", encoding=encoding)
        except OSError as exc:
            raise FatalError(f"cannot open customs file {path}: {exc.strerror}") from exc
        with handle:
            reader = csv.DictReader(handle, delimiter=delimiter)
            header_map = csv_header_map(list(reader.fieldnames or []))
            missing = [f for f in ("arrival_date", "importer", "hs_code") if not header_map[f]]
            if missing:
                raise FatalError(f"{path}: no column for {', '.join(missing)}; expected one of "
                                 + "; ".join(f"{f}: {', '.join(CSV_COLUMNS[f])}" for f in missing))
            for row in reader:
                raw = raw_from_csv(row, header_map)
                try:
                    record_id = raw.record_id
                    if record_id in found or not cursor.is_new(arrival(raw), record_id):
                        continue
                    found[record_id] = to_trade_record(
                        raw, default_importer_country=default_importer_country)
                except NormaliseError as exc:
                    issues.append(RowIssue(source=str(path), line=reader.line_num,
                                           record_id=raw.identifier, message=str(exc)))
    return sorted(found.values(), key=lambda r: (r.arrival_date, r.record_id))


class ApiPage(BaseModel):
    data: list[dict[str, object]]
    page: int = Field(ge=1)
    page_size: int = Field(ge=1)
    total: int = Field(ge=0)
    total_pages: int = Field(ge=0)


class ProviderClient:
    """The provider API: ``GET /v1/bills?date_from=&page=&page_size=`` with ``X-API-Key``."""

    def __init__(self, base_url: str, token: str, *, system: str, timeout: float,
                 max_retries: int, transport: httpx.BaseTransport | None = None) -> None:
        self.system = system
        self.max_retries = max_retries
        self._client = httpx.Client(base_url=base_url, timeout=timeout, transport=transport,
                                    headers={"X-API-Key": token, "Accept": "application/json"})

    def page(self, date_from: date, page: int, page_size: int) -> ApiPage:
        response = request_with_retries(
            self._client, "GET", "/v1/bills", system=self.system, max_retries=self.max_retries,
            params={"date_from": date_from.isoformat(), "page": page, "page_size": page_size})
        return ApiPage.model_validate_json(response.content)

    def close(self) -> None:
        self._client.close()


def read_api(client: ProviderClient, cursor: DateCursor, *, start: date, page_size: int,
             default_importer_country: str | None, issues: list[RowIssue],
             max_pages: int = 100_000) -> Iterator[list[TradeRecord]]:
    """Pages of new records; the caller advances and persists the cursor after each."""
    since = cursor.through or start
    for number in range(1, max_pages + 1):
        page = client.page(since, number, page_size)
        records: list[TradeRecord] = []
        for obj in page.data:
            raw = raw_from_api(obj)
            try:
                if cursor.is_new(arrival(raw), raw.record_id):
                    records.append(to_trade_record(
                        raw, default_importer_country=default_importer_country))
            except NormaliseError as exc:
                issues.append(RowIssue(source=f"api page {number}", record_id=raw.identifier,
                                       message=str(exc)))
        yield sorted(records, key=lambda r: (r.arrival_date, r.record_id))
        if number >= page.total_pages:
            return
    raise FatalError(f"{client.system}: provider still paging after {max_pages} pages")
