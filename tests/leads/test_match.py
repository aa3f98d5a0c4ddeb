from __future__ import annotations

import pytest

from hub.leads.match import (
    LeadIndex,
    MatchCandidate,
    MatchQuery,
    country_of_phone,
    normalise_phone,
    normalise_wa_id,
)
from hub.models import Contact, Customer, Lead


@pytest.mark.parametrize(("raw", "region", "e164"), [
    ("+86 138 0013 8000", None, "+8613800138000"),
    ("0086 138-0013-8000", None, "+8613800138000"),
    ("8613800138000", None, "+8613800138000"),
    ("138 0013 8000", "CN", "+8613800138000"),
    ("+1 (415) 555-2671", None, "+14155552671"),
    ("(415) 555-2671", "US", "+14155552671"),
    ("12345", None, None),
    ("", None, None),
    ("call me", None, None),
])
def test_e164_normalisation(raw: str, region: str | None, e164: str | None) -> None:
    assert normalise_phone(raw, default_region=region) == e164


def test_wa_id_and_country() -> None:
    assert normalise_wa_id("971501234567") == "+971501234567"
    assert country_of_phone("971501234567") == "AE"
    assert country_of_phone("+8613800138000") == "CN"
    assert country_of_phone("nonsense") is None


@pytest.fixture
def index() -> LeadIndex:
    customer = Customer(hub_id="cust-1", name="Desert Lights LLC", country="AE", contacts=[
        Contact(name="Omar Haddad", phone="+971 50 123 4567", email="omar@desertlights.ae")])
    lead_same_phone = Lead(hub_id="lead-1", source="whatsapp", whatsapp_id="971501234567")
    lead_other = Lead(hub_id="lead-2", source="email", email="Buyer@Example.com",
                      contact_name="Jane  Doe", phone="+44 20 7946 0958")
    twins = [Lead(hub_id=f"lead-{n}", source="web", contact_name="John Smith") for n in (3, 4)]
    return LeadIndex([MatchCandidate.from_customer(customer),
                      MatchCandidate.from_lead(lead_same_phone),
                      MatchCandidate.from_lead(lead_other),
                      *(MatchCandidate.from_lead(t) for t in twins)])


def test_wa_id_matches_customer_before_lead(index: LeadIndex) -> None:
    match = index.match(MatchQuery(whatsapp_id="971501234567", contact_name="Jane Doe"))
    assert match is not None
    assert (match.kind, match.hub_id, match.by) == ("customer", "cust-1", "phone")


def test_phone_in_another_format_matches(index: LeadIndex) -> None:
    match = index.match(MatchQuery(phone="0044 20 7946 0958"))
    assert match is not None and (match.hub_id, match.by) == ("lead-2", "phone")


def test_email_is_case_insensitive(index: LeadIndex) -> None:
    match = index.match(MatchQuery(whatsapp_id="447700900123", email="buyer@example.COM"))
    assert match is not None and (match.hub_id, match.by) == ("lead-2", "email")


def test_name_matches_only_when_unique(index: LeadIndex) -> None:
    match = index.match(MatchQuery(contact_name="jane doe"))
    assert match is not None and (match.hub_id, match.by) == ("lead-2", "name")
    assert index.match(MatchQuery(contact_name="John Smith")) is None


def test_no_identity_no_match(index: LeadIndex) -> None:
    assert index.match(MatchQuery(whatsapp_id="8613800138000")) is None
    assert index.match(MatchQuery()) is None


def test_a_new_lead_added_is_found(index: LeadIndex) -> None:
    index.add(MatchCandidate.from_lead(Lead(hub_id="lead-9", source="whatsapp",
                                            whatsapp_id="8613800138000")))
    match = index.match(MatchQuery(phone="+86 138 0013 8000"))
    assert match is not None and match.hub_id == "lead-9"
