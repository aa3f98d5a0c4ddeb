"""The customs connector: bills of lading in (entity ``trade_record``), from CSV or an API.

Records are canonical TradeRecords already (normalisation is this connector's job),
so a mapping for them is the identity. Matching, enrichment and prospect leads are
pure functions in sibling modules that the engine calls with what it holds.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Annotated, ClassVar, Literal

import httpx
from pydantic import BaseModel, ConfigDict, Field, SecretStr

from connectors.base import Batch, Connector, ConnectorConfig, RemoteRecord
from connectors.customs.cursor import DateCursor
from connectors.customs.prospects import ProspectRules
from connectors.customs.sources import ProviderClient, RowIssue, read_api, read_csv
from hub.models import TradeRecord
from hub.models.base import CountryCode

log = logging.getLogger(__name__)


class CsvSource(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: Literal["csv"] = "csv"
    paths: list[Path] = Field(min_length=1, description="AMS-style CSV extracts, any order.")
    default_importer_country: CountryCode | None = Field(
        "US", description="Consignee country when the file has none (AMS = US imports).")
    delimiter: str = Field(",", min_length=1, max_length=1)
    encoding: str = "utf-8-sig"


class ApiSource(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: Literal["api"] = "api"
    base_url: str = Field(description="e.g. https://api.provider.example")
    api_token: SecretStr
    start_date: date = Field(description="First arrival date of the backfill.")
    page_size: int = Field(100, ge=1, le=500)
    default_importer_country: CountryCode | None = None


class CustomsConfig(ConnectorConfig):
    source: Annotated[CsvSource | ApiSource, Field(discriminator="kind")]
    match_threshold: float = Field(90.0, ge=50, le=100,
                                   description="Fuzzy score (0-100) to call an importer a customer.")
    prospects: ProspectRules = Field(default_factory=ProspectRules)


def _record(trade: TradeRecord) -> RemoteRecord:
    return RemoteRecord(remote_id=trade.record_id,
                        data=trade.model_dump(mode="json", exclude={"hub_id", "updated_at"}))


class CustomsConnector(Connector):
    name: ClassVar[str] = "customs"
    config_model: ClassVar[type[CustomsConfig]] = CustomsConfig  # type: ignore[assignment]
    readable: ClassVar[frozenset[str]] = frozenset({"trade_record", "lead"})
    """``lead``: prospects are pushed by the import (hub/leads/customs.py), never polled."""

    def __init__(self, config: CustomsConfig, *, system: str,  # type: ignore[override]
                 transport: httpx.BaseTransport | None = None) -> None:
        super().__init__(config, system=system, transport=transport)
        self.config: CustomsConfig = config
        self.issues: list[RowIssue] = []
        """Rows the last read could not normalise (also logged), for the run summary."""

    def read_changes(self, entity: str, cursor: str | None, *,
                     batch_size: int = 500) -> Iterator[Batch]:
        self.check_entity(entity)
        if entity == "lead":
            return
        self.issues = []
        state = DateCursor.load(cursor)
        source = self.config.source
        if isinstance(source, CsvSource):
            pages: Iterator[list[TradeRecord]] = self._csv_pages(source, state, batch_size)
        else:
            pages = self._api_pages(source, state)
        for page in pages:
            for trade in page:
                state.advance(trade.arrival_date, trade.record_id)
            yield Batch(records=[_record(t) for t in page], cursor=state.dump())
        for issue in self.issues:
            log.warning("customs row skipped", extra={
                "system": self.system, "source": issue.source, "line": issue.line,
                "record_id": issue.record_id, "problem": issue.message})

    def _csv_pages(self, source: CsvSource, state: DateCursor,
                   batch_size: int) -> Iterator[list[TradeRecord]]:
        records = read_csv(source.paths, state,
                           default_importer_country=source.default_importer_country,
                           delimiter=source.delimiter, encoding=source.encoding,
                           issues=self.issues)
        for start in range(0, len(records), max(1, batch_size)):
            yield records[start:start + batch_size]

    def _api_pages(self, source: ApiSource, state: DateCursor) -> Iterator[list[TradeRecord]]:
        client = ProviderClient(source.base_url, source.api_token.get_secret_value(),
                                system=self.system, timeout=self.config.timeout_seconds,
                                max_retries=self.config.max_retries, transport=self.transport)
        try:
            yield from read_api(client, state, start=source.start_date,
                                page_size=source.page_size,
                                default_importer_country=source.default_importer_country,
                                issues=self.issues)
        finally:
            client.close()
