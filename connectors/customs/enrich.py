"""Customer profile figures from their customs records: what, how much, from whom, where."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal

from pydantic import BaseModel, Field

from connectors.customs.matching import ImporterMatch, importer_key
from connectors.customs.normalize import NormaliseError, company_key, hs6
from hub.models import Customer, TradeRecord


class CustomerEnrichment(BaseModel):
    """What customs data says about one customer, as of a date."""

    customer_hub_id: str
    as_of: date
    annual_import_value_usd: Decimal = Decimal(0)
    annual_import_weight_kg: Decimal = Decimal(0)
    annual_shipments: int = 0
    last_shipment_date: datetime | None = None
    top_hs_codes: list[str] = Field(default_factory=list, description="HS6, by value.")
    main_suppliers: list[str] = Field(default_factory=list, description="By value.")
    ports_of_loading: list[str] = Field(default_factory=list, description="By shipments.")
    ports_of_discharge: list[str] = Field(default_factory=list, description="By shipments.")


def _ranked(weights: Mapping[str, Decimal], counts: Mapping[str, int], top: int) -> list[str]:
    return sorted(weights, key=lambda k: (-weights[k], -counts[k], k))[:top]


def enrich_customers(records: Iterable[TradeRecord], matches: Mapping[str, ImporterMatch], *,
                     as_of: date, top_n: int = 5) -> dict[str, CustomerEnrichment]:
    """Customer hub id → enrichment, over all given records of matched importers.

    "Annual" is the 365 days ending on ``as_of`` (inclusive); the last shipment date
    is over every record up to ``as_of``; rankings use the same year. Records of
    several importer spellings matched to one customer are pooled.
    """
    window_start = as_of - timedelta(days=364)
    grouped: dict[str, list[TradeRecord]] = defaultdict(list)
    for record in records:
        try:
            match = matches.get(importer_key(record.importer, record.importer_country))
        except NormaliseError:
            continue
        if match is not None and record.arrival_date <= as_of:
            grouped[match.customer_hub_id].append(record)

    result = {}
    for customer_id, rows in grouped.items():
        year = [r for r in rows if r.arrival_date >= window_start]
        hs_value: dict[str, Decimal] = defaultdict(Decimal)
        hs_count: Counter[str] = Counter()
        sup_value: dict[str, Decimal] = defaultdict(Decimal)
        sup_count: Counter[str] = Counter()
        sup_names: dict[str, Counter[str]] = defaultdict(Counter)
        loading: Counter[str] = Counter()
        discharge: Counter[str] = Counter()
        for r in year:
            code = hs6(r.hs_code)
            hs_value[code] += r.value_usd or 0
            hs_count[code] += 1
            if r.exporter:
                try:
                    key = company_key(r.exporter)
                except NormaliseError:
                    key = r.exporter
                sup_value[key] += r.value_usd or 0
                sup_count[key] += 1
                sup_names[key][r.exporter] += 1
            if r.port_of_loading:
                loading[r.port_of_loading] += 1
            if r.port_of_discharge:
                discharge[r.port_of_discharge] += 1
        last = max(r.arrival_date for r in rows)
        result[customer_id] = CustomerEnrichment(
            customer_hub_id=customer_id, as_of=as_of,
            annual_import_value_usd=sum((r.value_usd or Decimal(0) for r in year), Decimal(0)),
            annual_import_weight_kg=sum((r.weight_kg or Decimal(0) for r in year), Decimal(0)),
            annual_shipments=len(year),
            last_shipment_date=datetime.combine(last, time(0), tzinfo=timezone.utc),
            top_hs_codes=_ranked(hs_value, hs_count, top_n),
            main_suppliers=[sup_names[k].most_common(1)[0][0]
                            for k in _ranked(sup_value, sup_count, top_n)],
            ports_of_loading=[p for p, _ in sorted(loading.items(), key=lambda i: (-i[1], i[0]))][:top_n],
            ports_of_discharge=[p for p, _ in sorted(discharge.items(),
                                                     key=lambda i: (-i[1], i[0]))][:top_n],
        )
    return result


def apply_enrichment(customer: Customer, enrichment: CustomerEnrichment) -> Customer:
    """The customer with its customs fields replaced; ``main_ports`` are the ports the
    customer's goods arrive at (discharge), which is what a CIF/CFR quote needs."""
    return Customer.model_validate({
        **customer.model_dump(),
        "annual_import_value_usd": enrichment.annual_import_value_usd,
        "annual_import_weight_kg": enrichment.annual_import_weight_kg,
        "last_shipment_date": enrichment.last_shipment_date,
        "top_hs_codes": enrichment.top_hs_codes,
        "main_suppliers": enrichment.main_suppliers,
        "main_ports": enrichment.ports_of_discharge,
    })
