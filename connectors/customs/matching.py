"""Which CRM customer an importer is: normalised name + country, then fuzzy, with a threshold.

A pure function over (trade records, customers), so the engine can run it on
whatever it holds and tests need no database.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Literal

from pydantic import BaseModel, Field
from rapidfuzz import fuzz, process

from connectors.customs.normalize import NormaliseError, company_key
from hub.models import Customer, TradeRecord

log = logging.getLogger(__name__)

DEFAULT_THRESHOLD = 90.0


def importer_key(name: str, country: str) -> str:
    """``'US:acme trading'``: one importer, however its bills spell it."""
    return f"{country.upper()}:{company_key(name)}"


class ImporterMatch(BaseModel):
    importer_key: str
    customer_hub_id: str
    score: float = Field(ge=0, le=100)
    method: Literal["exact", "fuzzy"]


def _customer_keys(customer: Customer) -> list[str]:
    keys = []
    for name in (customer.name, customer.legal_name):
        if name:
            try:
                keys.append(company_key(name))
            except NormaliseError:
                continue
    return keys


def match_importers(records: Iterable[TradeRecord], customers: Iterable[Customer], *,
                    threshold: float = DEFAULT_THRESHOLD) -> dict[str, ImporterMatch]:
    """Importer key → the customer it is, for every importer that matches one.

    Only customers in the importer's country are candidates. An exact key match wins;
    otherwise the best ``token_sort_ratio`` (word order and spacing do not count; on
    Chinese names it is a character-level ratio) at or above ``threshold``. Ties go
    to the customer listed first, so results are deterministic.
    """
    by_country: dict[str, dict[str, str]] = {}
    for customer in customers:
        if customer.archived:
            continue
        index = by_country.setdefault(customer.country, {})
        for key in _customer_keys(customer):
            index.setdefault(key, customer.hub_id)

    matches: dict[str, ImporterMatch] = {}
    tried: set[str] = set()
    for record in records:
        try:
            ikey = importer_key(record.importer, record.importer_country)
        except NormaliseError:
            continue
        if ikey in tried:
            continue
        tried.add(ikey)
        country, name_key = ikey.split(":", 1)
        index = by_country.get(country)
        if not index:
            continue
        if name_key in index:
            matches[ikey] = ImporterMatch(importer_key=ikey, customer_hub_id=index[name_key],
                                          score=100.0, method="exact")
            continue
        best = process.extractOne(name_key, list(index), scorer=fuzz.token_sort_ratio,
                                  score_cutoff=threshold)
        if best is not None:
            choice, score, _ = best
            matches[ikey] = ImporterMatch(importer_key=ikey, customer_hub_id=index[choice],
                                          score=round(float(score), 2), method="fuzzy")
    log.info("importers matched", extra={"importers": len(tried), "matched": len(matches)})
    return matches
