"""Matching importers to customers, enrichment figures and prospect leads on hand-made data."""

from __future__ import annotations

from datetime import date, datetime, timezone
from decimal import Decimal

from connectors.customs import (
    ProspectRules,
    apply_enrichment,
    enrich_customers,
    importer_key,
    lead_key,
    match_importers,
    prospect_leads,
)
from hub.models import Customer, TradeRecord


def bill(n: int, importer: str, *, country: str = "US", day: str = "2026-02-01",
         hs: str = "9405.40.8440", value: str = "1000", kg: str = "100",
         exporter: str | None = "Ningbo Sunrise Electric Co., Ltd.", pol: str = "Ningbo",
         pod: str = "Long Beach") -> TradeRecord:
    return TradeRecord(record_id=f"B{n}", arrival_date=date.fromisoformat(day), importer=importer,
                       importer_country=country, exporter=exporter, exporter_country="CN",
                       hs_code=hs, value_usd=Decimal(value), weight_kg=Decimal(kg),
                       port_of_loading=pol, port_of_discharge=pod)


ACME = Customer(hub_id="cust-acme", name="Acme Lighting", legal_name="Acme Lighting Inc.",
                country="US")
HUAQIANG = Customer(hub_id="cust-hq", name="深圳华强电子有限公司", country="CN")
MUELLER = Customer(hub_id="cust-mueller", name="Mueller Licht GmbH", country="DE")
ACME_DE = Customer(hub_id="cust-acme-de", name="Acme Lighting GmbH", country="DE")
CUSTOMERS = [ACME, HUAQIANG, MUELLER, ACME_DE]


def test_matching_ignores_case_punctuation_and_legal_suffixes():
    records = [bill(1, "ACME LIGHTING, INC."), bill(2, "Acme Lighting L.L.C."),
               bill(3, "acme lighting")]
    matches = match_importers(records, CUSTOMERS)
    assert {k: (m.customer_hub_id, m.method) for k, m in matches.items()} == {
        "US:acme lighting": ("cust-acme", "exact")}


def test_fuzzy_matching_catches_typos_and_transliterations_above_the_threshold():
    records = [bill(1, "ACME LIGTHING INC"), bill(2, "Mueler Licht GmbH", country="DE"),
               bill(3, "深圳市华强电子有限公司", country="CN")]
    matches = match_importers(records, CUSTOMERS)
    got = {k: (m.customer_hub_id, m.method) for k, m in matches.items()}
    assert got == {"US:acme ligthing": ("cust-acme", "fuzzy"),
                   "DE:mueler licht": ("cust-mueller", "fuzzy"),
                   "CN:深圳市华强电子": ("cust-hq", "fuzzy")}
    assert all(90 <= m.score < 100 for m in matches.values())


def test_umlauts_and_accents_fold_to_their_ascii_spelling():
    matches = match_importers([bill(1, "MÜLLER LICHT G.M.B.H.", country="DE")], CUSTOMERS)
    assert matches["DE:mueller licht"].method == "exact"


def test_similar_but_different_companies_and_other_countries_do_not_match():
    records = [bill(1, "Acme Trading Inc"), bill(2, "Acme Lighting Inc", country="CA"),
               bill(3, "深圳华强物流有限公司", country="CN")]
    assert match_importers(records, CUSTOMERS) == {}
    # The same importer matches at a low enough threshold: the threshold is what decides.
    assert "US:acme trading" in match_importers(records[:1], CUSTOMERS, threshold=70)


def test_same_name_in_another_country_matches_that_country_s_customer():
    matches = match_importers([bill(1, "ACME LIGHTING GMBH", country="DE")], CUSTOMERS)
    assert matches["DE:acme lighting"].customer_hub_id == "cust-acme-de"


def test_enrichment_figures():
    records = [
        bill(1, "Acme Lighting Inc", day="2026-02-20", hs="9405.40.8440", value="5000", kg="800",
             exporter="Ningbo Sunrise Electric Co., Ltd.", pod="Long Beach"),
        bill(2, "ACME LIGHTING", day="2025-11-02", hs="8539.50.0000", value="12000", kg="1500",
             exporter="Xiamen Solar Tech", pod="Los Angeles"),
        bill(3, "Acme Lighting LLC", day="2025-06-15", hs="9405.40.1000", value="3000",
             kg="400", exporter="NINGBO SUNRISE ELECTRIC CO LTD", pod="Long Beach"),
        bill(4, "Acme Lighting", day="2024-12-31", hs="6109.10.0012", value="99999", kg="9999",
             exporter="Old Supplier", pod="Newark"),  # outside the year
        bill(5, "Acme Lighting", day="2026-03-05", value="7", kg="7"),  # after as_of
        bill(6, "Brightway Home", day="2026-02-01", value="444"),  # not a customer
    ]
    matches = match_importers(records, CUSTOMERS)
    [enrichment] = enrich_customers(records, matches, as_of=date(2026, 3, 1)).values()
    assert enrichment.customer_hub_id == "cust-acme"
    assert enrichment.annual_import_value_usd == Decimal("20000")
    assert enrichment.annual_import_weight_kg == Decimal("2700")
    assert enrichment.annual_shipments == 3
    assert enrichment.last_shipment_date == datetime(2026, 2, 20, tzinfo=timezone.utc)
    assert enrichment.top_hs_codes == ["853950", "940540"]  # by value: 12000 vs 5000 + 3000
    assert enrichment.main_suppliers == ["Xiamen Solar Tech", "Ningbo Sunrise Electric Co., Ltd."]
    assert enrichment.ports_of_discharge == ["Long Beach", "Los Angeles"]
    assert enrichment.ports_of_loading == ["Ningbo"]

    customer = apply_enrichment(ACME, enrichment)
    assert customer.annual_import_value_usd == Decimal("20000")
    assert customer.top_hs_codes == ["853950", "940540"]
    assert customer.last_shipment_date == datetime(2026, 2, 20, tzinfo=timezone.utc)
    assert customer.name == "Acme Lighting"  # nothing else changes


def test_prospect_leads_for_configured_hs_codes_only_and_not_customers():
    records = [
        bill(1, "Brightway Home Inc.", hs="9405.40.8440", day="2026-01-10"),
        bill(2, "BRIGHTWAY HOME", hs="8539.50.0000", day="2026-02-10", exporter="Xiamen Solar"),
        bill(3, "Acme Lighting Inc", hs="9405.40.8440"),  # a customer already
        bill(4, "Textile Barn LLC", hs="6109.10.0012"),  # not a code we sell
        bill(5, "Lumen Depot", hs="9405.10", country="CA"),
    ]
    rules = ProspectRules(hs_codes=["9405.40", "853950"])
    matches = match_importers(records, CUSTOMERS)
    prospects = prospect_leads(records, matches, rules)
    assert [p.key for p in prospects] == ["customs:US:brightway home"]
    [lead] = [p.lead for p in prospects]
    assert (lead.source, lead.company, lead.country) == ("customs", "BRIGHTWAY HOME", "US")
    assert lead.hs_codes == ["853950", "940540"]
    assert lead.received_at == datetime(2026, 2, 10, tzinfo=timezone.utc)
    assert "2 shipment(s)" in (lead.message or "")

    # A later import spells the importer differently: same key, same lead id, not new.
    again = prospect_leads([bill(9, "Brightway Home, Inc", hs="940540")], matches, rules)
    assert [p.key for p in again] == [lead_key("Brightway Home Inc.", "US")]
    assert again[0].lead.hub_id == lead.hub_id
    assert prospect_leads([bill(9, "Brightway Home, Inc", hs="940540")], matches, rules,
                          existing_keys={p.key for p in prospects}) == []


def test_importer_key_is_country_and_normalised_name():
    assert importer_key("The Acme Lighting Co., Ltd.", "us") == "US:acme lighting"
