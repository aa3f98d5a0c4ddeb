"""A customs import: bills of lading in, CRM customers enriched, prospect leads created.

The parts are pure functions of the customs connector (normalise, match, enrich,
prospects); this module feeds them what the hub and the CRM hold and writes the
outcome, so that an import is one call a flow can make:

* **Customers are only ever updated.** The CRM's customers are read through the CRM's
  own mapping, importers are matched to them (name + country, fuzzy above the
  system's threshold), and only the ``customs_profile`` of a matched customer is
  patched (a partial write: the rep's edits to the rest of the record are not
  touched). The engine has no "update, never create" pipeline mode, which is why
  this is not a pipeline (see the report of issue 7 for the hook it would need).
* **Prospects go through the engine.** Importers of the configured HS codes who are
  not customers become lead events (remote id = the prospect key, which depends only
  on the normalised importer name and country) applied by ``apply_events`` on the
  ``customs → crm`` lead pipeline: links deduplicate them across imports, and echo
  suppression makes a re-import write nothing.
* **A re-import writes nothing**: a profile equal to what the CRM holds (compared in
  canonical terms, after the CRM mapping's round trip) is not written.
"""

from __future__ import annotations

import logging
import time
from datetime import date
from decimal import Decimal
from typing import Any

from pydantic import BaseModel

from connectors.base import ChangeEvent, OutboundRecord, RemoteRecord
from connectors.customs import (
    CustomsConfig,
    apply_enrichment,
    enrich_customers,
    match_importers,
    prospect_leads,
)
from hub.errors import ConfigError
from hub.leads.prepare import prepare_lead
from hub.models import Customer, TradeRecord
from hub.sync.context import SyncContext
from hub.sync.events import apply_events, pipelines_reading

__all__ = ["CustomsImportSummary", "import_customs"]

log = logging.getLogger(__name__)

PROFILE_FIELDS = ("annual_import_value_usd", "annual_import_weight_kg", "last_shipment_date",
                  "top_hs_codes", "main_suppliers", "main_ports")
CENT = Decimal("0.01")
GRAM = Decimal("0.001")


class CustomsImportSummary(BaseModel):
    """What one import did; the flow publishes it as its artifact."""

    records: int
    skipped_rows: int
    as_of: date | None
    customers_matched: int
    customers_enriched: int
    customers_unchanged: int
    customers_failed: int
    prospects: int
    prospects_created: int
    seconds: float


def _latest(records: list[RemoteRecord]) -> dict[str, RemoteRecord]:
    """The change feed lists every version; the last one of each record counts."""
    latest: dict[str, RemoteRecord] = {}
    for record in records:
        latest[record.remote_id] = record
    return {k: r for k, r in latest.items() if not r.deleted}


def _profile(customer: Customer) -> dict[str, Any]:
    return {f: getattr(customer, f) for f in PROFILE_FIELDS}


def import_customs(ctx: SyncContext, *, customs: str, crm: str,
                   as_of: date | None = None) -> CustomsImportSummary:
    """Import everything the customs system holds; ``as_of`` defaults to its last arrival."""
    started = time.perf_counter()
    source = ctx.connector(customs)
    settings = source.config
    if not isinstance(settings, CustomsConfig):
        raise ConfigError(f"system '{customs}' is not a customs system")
    trades = [TradeRecord.model_validate(r.data)
              for batch in source.read_changes("trade_record", None, batch_size=10_000)
              for r in batch.records]
    skipped = len(getattr(source, "issues", []))
    target = ctx.connector(crm)
    mapping = ctx.mapping(crm, "customer")
    stored = _latest([r for batch in target.read_changes("customer", None, batch_size=1000)
                      for r in batch.records])
    customers: dict[str, Customer] = {}
    for remote_id, record in stored.items():
        try:
            customers[remote_id] = Customer.model_validate(
                {**mapping.to_canonical(record.data), "hub_id": remote_id})
        except (ValueError, TypeError, KeyError):
            log.warning("CRM customer not readable; not matched",
                        extra={"system": crm, "remote_id": remote_id})
    as_of = as_of or max((t.arrival_date for t in trades), default=None)
    matches = match_importers(trades, customers.values(), threshold=settings.match_threshold)
    enrichments = enrich_customers(trades, matches, as_of=as_of) if as_of else {}

    writes: list[OutboundRecord] = []
    for remote_id, enrichment in sorted(enrichments.items()):
        enrichment = enrichment.model_copy(update={
            "annual_import_value_usd": enrichment.annual_import_value_usd.quantize(CENT),
            "annual_import_weight_kg": enrichment.annual_import_weight_kg.quantize(GRAM)})
        customer = customers[remote_id]
        wanted = apply_enrichment(customer, enrichment)
        remote = mapping.to_remote(wanted.model_dump())
        echoed = Customer.model_validate({**mapping.to_canonical(remote), "hub_id": remote_id})
        if _profile(echoed) == _profile(customer):
            continue
        account = stored[remote_id].data.get("account_code")
        writes.append(OutboundRecord(
            hub_id=remote_id, remote_id=remote_id, natural_key=str(account),
            data={"account_code": account, "customs_profile": remote["customs_profile"]},
            only_fields=["account_code", "customs_profile"]))
    results = target.upsert("customer", writes) if writes else []
    failed = [r for r in results if r.outcome == "failed"]
    for result in failed:
        log.warning("customs profile refused", extra={"system": crm, "remote_id": result.hub_id,
                                                      "error": result.error})

    prospects = prospect_leads(trades, matches, settings.prospects)
    created = 0
    if prospects:
        if not pipelines_reading(ctx, customs, "lead"):
            raise ConfigError(f"no pipeline takes leads from '{customs}'; add one "
                              f"(entity: lead, source: {customs}, target: {crm})")
        events = [ChangeEvent(
            event_id=p.key, entity="lead", remote_id=p.key, occurred_at=p.lead.received_at,
            data=prepare_lead(p.lead, assignment=ctx.config.lead_assignment).model_dump(
                mode="json", exclude={"hub_id", "updated_at"}))
            for p in prospects]
        created = apply_events(ctx, customs, events).created
    summary = CustomsImportSummary(
        records=len(trades), skipped_rows=skipped, as_of=as_of,
        customers_matched=len(enrichments), customers_enriched=len(writes) - len(failed),
        customers_unchanged=len(enrichments) - len(writes), customers_failed=len(failed),
        prospects=len(prospects), prospects_created=created,
        seconds=round(time.perf_counter() - started, 3))
    log.info("customs import", extra={"system": customs, **summary.model_dump(mode="json")})
    return summary
