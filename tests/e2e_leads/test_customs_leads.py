"""A 10,000-bill AMS CSV → matched CRM customers' customs profiles, and deduplicated
prospect leads through the engine; importing the same file again writes nothing."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from connectors.customs.synthetic import PORTS_DISCHARGE, api_bills, write_ams_csv
from hub.leads.customs import import_customs
from hub.services import AppServer
from hub.sync.config import HubConfig
from hub.sync.context import SyncContext
from leads_support import REPO, Crm, crm_system

CUSTOMERS = [
    {"account_code": "C-ACME", "company_name": "ACME LIGHTING INC", "country_code": "US",
     "account_owner": "bob", "tags": ["key-account"]},
    {"account_code": "C-LUMEN", "company_name": "Lumen Depot, LLC", "country_code": "US"},
    {"account_code": "C-OTHER", "company_name": "Acme Lighting", "country_code": "DE"},
]


def customs_config(base_url: str, path: Path) -> HubConfig:
    return HubConfig.model_validate({
        "systems": {
            "crm": crm_system(base_url),
            "customs": {"connector": "customs", "mappings": str(REPO / "mappings" / "customs"),
                        "settings": {"source": {"kind": "csv", "paths": [str(path)]},
                                     "prospects": {"hs_codes": ["9405.40", "8539.50"]}}}},
        "pipelines": {"customs-prospects": {"entity": "lead", "source": "customs",
                                            "target": "crm"}},
        "lead_assignment": {"default_rep": "alice",
                            "rules": [{"name": "americas", "rep": "carla",
                                       "countries": ["US", "CA"]}]}})


def test_ten_thousand_bills_enrich_customers_and_create_prospects_once(
        tmp_path: Path, products: AppServer, crm: Crm,
        make_context: Callable[[HubConfig], SyncContext]) -> None:
    path = write_ams_csv(tmp_path / "ams_2025.csv", api_bills(10_000, seed=5))
    crm.upsert("customers", CUSTOMERS)
    ctx = make_context(customs_config(products.url, path))

    first = import_customs(ctx, customs="customs", crm="crm")
    assert (first.records, first.skipped_rows) == (10_000, 0)
    assert (first.customers_matched, first.customers_enriched, first.customers_failed) == (2, 2, 0)
    customers = {c["account_code"]: c for c in crm.all("customers")}
    acme = customers["C-ACME"]
    profile = acme["customs_profile"]
    assert float(profile["annual_import_usd"]) > 0 and profile["annual_import_kg"] > 0
    assert profile["last_shipment_on"] == str(first.as_of)
    assert profile["top_hs_codes"] and all(len(c) == 6 for c in profile["top_hs_codes"])
    assert profile["top_hs_codes"][0] in {"940540", "853950", "854143", "610910", "940360"}
    assert len(profile["main_suppliers"]) == 5
    # Ports of discharge, busiest first, as the CSV names them (display-cased).
    assert 1 <= len(profile["main_ports"]) <= 5
    assert {p.casefold() for p in profile["main_ports"]} <= {
        p.casefold() for p in PORTS_DISCHARGE}
    # Only the profile was written: the rep's fields are as they were.
    assert (acme["account_owner"], acme["tags"]) == ("bob", ["key-account"])
    assert customers["C-OTHER"]["customs_profile"] is None     # same name, other country

    leads = crm.all("leads")
    companies = sorted(lead["company"].casefold() for lead in leads)
    assert first.prospects == first.prospects_created == len(leads) == 6
    assert not any("acme" in c or "lumen" in c for c in companies)
    assert len({c.replace(",", "").replace(".", "") for c in companies}) == 6
    assert {(lead["source"], lead["country_code"], lead["assigned_rep"]) for lead in leads} == {
        ("customs", "US", "carla")}
    assert all(set(lead["hs_codes"]) <= {"940540", "853950"} for lead in leads)

    changes_before = crm.feed_count()
    again = import_customs(make_context(customs_config(products.url, path)),
                           customs="customs", crm="crm")
    assert (again.customers_matched, again.customers_enriched, again.customers_unchanged) == (
        2, 0, 2)
    assert (again.prospects, again.prospects_created) == (6, 0)
    assert crm.feed_count() == changes_before           # not one write to the CRM
