"""Prospect leads: importers of the HS codes we sell who are not customers yet.

The lead key (and the lead's hub id derived from it) depends only on the importer's
normalised name and country, so the same importer found by the next import, under
another spelling, is the same lead; ``existing_keys`` drops the ones already created.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping
from datetime import datetime, time, timezone

from pydantic import BaseModel, Field, field_validator

from connectors.customs.matching import ImporterMatch, importer_key
from connectors.customs.normalize import NormaliseError, hs6
from hub.models import Lead, TradeRecord

_NAMESPACE = uuid.UUID("5b0f3d8e-6c1a-4a51-9a55-7d1f1a2b3c4d")


class ProspectRules(BaseModel):
    hs_codes: list[str] = Field(default_factory=list, description=(
        "HS prefixes we sell (2-6 digits, dots allowed), e.g. '9405' or '8539.50'; compared "
        "on the first 6 digits."))
    min_shipments: int = Field(1, ge=1, description="Shipments of those codes needed.")

    @field_validator("hs_codes")
    @classmethod
    def _prefixes(cls, codes: list[str]) -> list[str]:
        out = []
        for code in codes:
            digits = code.replace(".", "").replace(" ", "")
            if not digits.isdigit() or not 2 <= len(digits) <= 10:
                raise ValueError(f"HS prefix {code!r} must be 2 to 10 digits (dots allowed)")
            out.append(digits[:6])
        return sorted(set(out))

    def covers(self, hs_code: str) -> bool:
        code = hs6(hs_code)
        return any(code.startswith(prefix) for prefix in self.hs_codes)


class Prospect(BaseModel):
    key: str = Field(description="'customs:US:acme lighting' — the lead's natural key.")
    lead: Lead


def lead_key(importer: str, country: str) -> str:
    return f"customs:{importer_key(importer, country)}"


def prospect_leads(records: Iterable[TradeRecord], matches: Mapping[str, ImporterMatch],
                   rules: ProspectRules, *, existing_keys: Collection[str] = ()) -> list[Prospect]:
    """New prospects, sorted by key; one per importer however often or however spelled."""
    if not rules.hs_codes:
        return []
    found: dict[str, list[TradeRecord]] = defaultdict(list)
    for record in records:
        try:
            ikey = importer_key(record.importer, record.importer_country)
            if ikey in matches or not rules.covers(record.hs_code):
                continue
        except NormaliseError:
            continue
        found[f"customs:{ikey}"].append(record)

    prospects = []
    for key in sorted(found):
        rows = found[key]
        if key in existing_keys or len(rows) < rules.min_shipments:
            continue
        names: dict[str, int] = defaultdict(int)
        for r in rows:
            names[r.importer] += 1
        company = sorted(names, key=lambda n: (-names[n], n))[0]
        codes = sorted({hs6(r.hs_code) for r in rows})
        last = max(r.arrival_date for r in rows)
        suppliers = sorted({r.exporter for r in rows if r.exporter})[:5]
        message = (f"Customs data: {len(rows)} shipment(s) of HS {', '.join(codes)}, last "
                   f"arriving {last.isoformat()}"
                   + (f"; suppliers: {'; '.join(suppliers)}" if suppliers else "") + ".")
        lead = Lead(hub_id=uuid.uuid5(_NAMESPACE, key).hex, source="customs", company=company[:200],
                    country=rows[0].importer_country, hs_codes=codes, message=message,
                    received_at=datetime.combine(last, time(0), tzinfo=timezone.utc))
        prospects.append(Prospect(key=key, lead=lead))
    return prospects
