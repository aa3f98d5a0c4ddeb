"""Which existing lead or customer a message belongs to.

A buyer who wrote on WhatsApp last week and emails today is one person; creating a
second lead splits the conversation and both reps call. Matching goes from the
strongest identity to the weakest, and stops at the first level that finds someone:

1. the WhatsApp id or phone number, compared in E.164 (``+8613800138000`` however it
   was typed: ``0086 138-0013-8000``, ``8613800138000``);
2. the e-mail address (case-insensitive);
3. the contact's full name, only when exactly one record carries it (a common name
   shared by two records is no evidence).

At each level a customer wins over a lead, so a message from a known buyer is logged
on the customer. ``LeadIndex`` is built once from the candidates, so matching a batch
of messages costs a dictionary look-up each.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from typing import Literal

import phonenumbers
from pydantic import BaseModel, ConfigDict, Field

from hub.models import Customer, Lead

__all__ = ["LeadIndex", "Match", "MatchCandidate", "MatchQuery", "country_of_phone",
           "normalise_phone", "normalise_wa_id"]

RecordKind = Literal["customer", "lead"]
MatchedBy = Literal["phone", "email", "name"]


def normalise_phone(raw: str | None, *, default_region: str | None = None) -> str | None:
    """E.164 (``+<country><number>``) or ``None`` when it is not a phone number.

    A number written internationally (``+``/``00``) only has to be possible, since
    numbering plans change faster than the metadata; a national one must be valid
    for ``default_region``, and bare digits are finally tried as international.
    """
    if not raw or not raw.strip():
        return None
    text = raw.strip()
    digits = re.sub(r"\D", "", text)
    if text.startswith("00"):
        text = "+" + digits[2:]
    if text.startswith("+"):
        return _e164("+" + re.sub(r"\D", "", text), None, lenient=True)
    national = _e164(text, default_region, lenient=False) if default_region else None
    return national or _e164("+" + digits, None, lenient=False)


def normalise_wa_id(wa_id: str | None) -> str | None:
    """A WhatsApp id is the international number without ``+`` (``8613800138000``)."""
    if not wa_id or not wa_id.strip():
        return None
    return normalise_phone("+" + re.sub(r"\D", "", wa_id))


def _e164(text: str, region: str | None, *, lenient: bool) -> str | None:
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None
    ok = phonenumbers.is_valid_number(number) or (
        lenient and phonenumbers.is_possible_number(number))
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164) if ok else None


def country_of_phone(raw: str | None) -> str | None:
    """The ISO country of a phone number (``+971…`` → ``AE``), for leads without one."""
    e164 = normalise_phone(raw)
    if e164 is None:
        return None
    region = phonenumbers.region_code_for_number(phonenumbers.parse(e164))
    return region if region and region != "ZZ" else None


def _email(raw: str | None) -> str | None:
    return raw.strip().casefold() if raw and "@" in raw else None


def _name(raw: str | None) -> str | None:
    if not raw:
        return None
    folded = " ".join(unicodedata.normalize("NFKC", raw).casefold().split())
    return folded or None


class MatchQuery(BaseModel):
    """What an inbound message tells about its sender."""

    model_config = ConfigDict(frozen=True)

    whatsapp_id: str | None = None
    phone: str | None = None
    email: str | None = None
    contact_name: str | None = None


class MatchCandidate(BaseModel):
    """An existing lead or customer, reduced to the identities it can be matched by."""

    model_config = ConfigDict(frozen=True)

    kind: RecordKind
    hub_id: str
    whatsapp_ids: list[str] = Field(default_factory=list)
    phones: list[str] = Field(default_factory=list)
    emails: list[str] = Field(default_factory=list)
    names: list[str] = Field(default_factory=list)

    @classmethod
    def from_lead(cls, lead: Lead) -> MatchCandidate:
        return cls(kind="lead", hub_id=lead.hub_id,
                   whatsapp_ids=[lead.whatsapp_id] if lead.whatsapp_id else [],
                   phones=[lead.phone] if lead.phone else [],
                   emails=[str(lead.email)] if lead.email else [],
                   names=[lead.contact_name] if lead.contact_name else [])

    @classmethod
    def from_customer(cls, customer: Customer) -> MatchCandidate:
        contacts = customer.contacts
        return cls(kind="customer", hub_id=customer.hub_id,
                   whatsapp_ids=[c.whatsapp_id for c in contacts if c.whatsapp_id],
                   phones=[c.phone for c in contacts if c.phone],
                   emails=[str(c.email) for c in contacts if c.email],
                   names=[c.name for c in contacts])


class Match(BaseModel):
    model_config = ConfigDict(frozen=True)

    kind: RecordKind
    hub_id: str
    by: MatchedBy


class LeadIndex:
    """Look-up tables over the candidates, one per identity level."""

    def __init__(self, candidates: Iterable[MatchCandidate], *,
                 default_region: str | None = None) -> None:
        self.default_region = default_region
        self._by: dict[MatchedBy, dict[str, list[MatchCandidate]]] = {
            "phone": defaultdict(list), "email": defaultdict(list), "name": defaultdict(list)}
        for candidate in candidates:
            self.add(candidate)

    def add(self, candidate: MatchCandidate) -> None:
        keys: dict[MatchedBy, set[str]] = {
            "phone": self._phones(candidate.whatsapp_ids, candidate.phones),
            "email": {e for raw in candidate.emails if (e := _email(raw))},
            "name": {n for raw in candidate.names if (n := _name(raw))},
        }
        for level, values in keys.items():
            for value in values:
                self._by[level][value].append(candidate)

    def _phones(self, wa_ids: Iterable[str], phones: Iterable[str]) -> set[str]:
        found = {p for raw in wa_ids if (p := normalise_wa_id(raw))}
        found.update(p for raw in phones
                     if (p := normalise_phone(raw, default_region=self.default_region)))
        return found

    def match(self, query: MatchQuery) -> Match | None:
        phones = self._phones([query.whatsapp_id] if query.whatsapp_id else [],
                              [query.phone] if query.phone else [])
        levels: list[tuple[MatchedBy, set[str]]] = [
            ("phone", phones),
            ("email", {e} if (e := _email(query.email)) else set()),
            ("name", {n} if (n := _name(query.contact_name)) else set()),
        ]
        for level, keys in levels:
            found = {c.hub_id: c for key in sorted(keys) for c in self._by[level].get(key, [])}
            if not found:
                continue
            if level == "name" and len(found) > 1:
                return None  # two records share the name: no evidence for either
            best = sorted(found.values(), key=lambda c: (c.kind != "customer", c.hub_id))[0]
            return Match(kind=best.kind, hub_id=best.hub_id, by=level)
        return None
