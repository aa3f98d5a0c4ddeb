"""Importing bills from AMS-style CSV files and from the provider API, incrementally."""

from __future__ import annotations

from collections import Counter
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from connectors.base import Batch
from connectors.customs import (
    CustomsConfig,
    CustomsConnector,
    ProspectRules,
    enrich_customers,
    match_importers,
    prospect_leads,
)
from connectors.customs.emulator import create_app
from connectors.customs.synthetic import AMS_HEADER, api_bills, ams_row, write_ams_csv
from hub.errors import AuthError, FatalError
from hub.models import Customer, TradeRecord

TOKEN = "provider-test-token"


def csv_connector(*paths: Path) -> CustomsConnector:
    return CustomsConnector(CustomsConfig.model_validate(
        {"source": {"kind": "csv", "paths": [str(p) for p in paths]}}), system="customs")


def api_connector(url: str, token: str = TOKEN, page_size: int = 200) -> CustomsConnector:
    return CustomsConnector(CustomsConfig.model_validate(
        {"source": {"kind": "api", "base_url": url, "api_token": token,
                    "start_date": "2025-01-01", "page_size": page_size},
         "max_retries": 0}), system="provider")


def trades(batches: list[Batch]) -> list[TradeRecord]:
    return [TradeRecord.model_validate(r.data) for b in batches for r in b.records]


def test_ten_thousand_bill_csv_imports_in_one_run_then_changes_nothing(tmp_path):
    bills = api_bills(10_000, seed=3)
    path = write_ams_csv(tmp_path / "ams_2025.csv", bills)
    connector = csv_connector(path)
    batches = list(connector.read_changes("trade_record", None, batch_size=1000))
    records = trades(batches)
    assert len(records) == 10_000 and connector.issues == []
    assert len({r.record_id for r in records}) == 10_000
    assert [(r.arrival_date, r.record_id) for r in records] == sorted(
        (r.arrival_date, r.record_id) for r in records)
    assert {r.importer_country for r in records} == {"US"}
    assert all(len(r.hs_code) == 10 and "." not in r.hs_code for r in records)
    first = next(b for b in bills if b["id"] == records[0].record_id)
    assert records[0].weight_kg is not None and records[0].weight_kg > 0
    assert str(records[0].arrival_date) == first["arrival_date"]

    # Customers: two of the synthetic importers; configured codes: LED lighting.
    customers = [Customer(hub_id="c-acme", name="ACME LIGHTING INC", country="US"),
                 Customer(hub_id="c-lumen", name="Lumen Depot, LLC", country="US")]
    rules = ProspectRules(hs_codes=["9405.40"])
    matches = match_importers(records, customers)
    assert {m.customer_hub_id for m in matches.values()} == {"c-acme", "c-lumen"}
    enrichment = enrich_customers(records, matches, as_of=date(2025, 12, 31))
    acme_value = sum(r.value_usd or 0 for r in records if r.importer.upper().startswith(
        "ACME LIGHTING"))
    assert enrichment["c-acme"].annual_import_value_usd == acme_value
    prospects = prospect_leads(records, matches, rules)
    # Six other synthetic importers buy HS 9405.40: one lead each, despite ~7 spellings each.
    assert len(prospects) == 6
    assert len({p.lead.hub_id for p in prospects}) == 6

    # The same file again, from the committed cursor: nothing new, so no new leads.
    again = list(connector.read_changes("trade_record", batches[-1].cursor))
    assert trades(again) == []
    assert prospect_leads(trades(again), matches, rules,
                          existing_keys={p.key for p in prospects}) == []


def test_resume_mid_import_and_a_later_file_with_late_bills_for_the_last_day(tmp_path):
    bills = sorted(api_bills(300, seed=5, days=20), key=lambda b: (b["arrival_date"], b["id"]))
    last_day = bills[-1]["arrival_date"]
    first_part = [b for b in bills if b["arrival_date"] != last_day] + \
        [b for b in bills if b["arrival_date"] == last_day][:1]
    late = [b for b in bills if b not in first_part]
    assert late, "the last day must have more than one bill for this test"
    day_one = write_ams_csv(tmp_path / "part1.csv", first_part)

    stream = csv_connector(day_one).read_changes("trade_record", None, batch_size=100)
    head = next(stream)  # committed, then the process dies
    rest = list(csv_connector(day_one).read_changes("trade_record", head.cursor, batch_size=100))
    got = [r.record_id for r in trades([head, *rest])]
    assert Counter(got) == Counter(b["id"] for b in first_part)

    # The provider's next file repeats the last day in full and adds its late bills.
    day_two = write_ams_csv(tmp_path / "part2.csv",
                            [b for b in bills if b["arrival_date"] == last_day])
    later = list(csv_connector(day_one, day_two).read_changes("trade_record", rest[-1].cursor))
    assert sorted(r.record_id for r in trades(later)) == sorted(b["id"] for b in late)


def test_bad_rows_are_reported_with_their_line_and_the_rest_imports(tmp_path):
    bills = api_bills(4, seed=9)
    rows = [ams_row(b) for b in bills]
    rows[1]["harmonized_number"] = "94.05"
    rows[2]["actual_arrival_date"] = "31/31/2025"
    path = tmp_path / "bad.csv"
    import csv

    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=AMS_HEADER)
        writer.writeheader()
        writer.writerows(rows)
    connector = csv_connector(path)
    records = trades(list(connector.read_changes("trade_record", None)))
    assert sorted(r.record_id for r in records) == sorted([bills[0]["id"], bills[3]["id"]])
    assert [(i.line, i.record_id, i.message) for i in connector.issues] == [
        (3, bills[1]["id"], "HS code '94.05' is not 6 to 10 digits"),
        (4, bills[2]["id"], "date '31/31/2025' is not YYYY-MM-DD, YYYYMMDD or MM/DD/YYYY"),
    ]


def test_csv_without_required_columns_is_refused_naming_them(tmp_path):
    path = tmp_path / "wrong.csv"
    path.write_text("identifier,consignee_name\nX1,Acme\n")
    with pytest.raises(FatalError, match="no column for arrival_date, hs_code"):
        list(csv_connector(path).read_changes("trade_record", None))


def test_provider_api_pages_through_everything_and_resumes_by_date(provider):
    connector = api_connector(provider.url, page_size=200)
    batches = list(connector.read_changes("trade_record", None))
    assert len(batches) == 6  # 1,050 bills in pages of 200
    assert [len(b.records) for b in batches] == [200, 200, 200, 200, 200, 50]
    assert sorted(r.record_id for r in trades(batches)) == sorted(b["id"] for b in
                                                                  provider.bills)
    assert connector.issues == []

    # Resuming from the third page's cursor: only what came after, nothing twice.
    resumed = list(api_connector(provider.url).read_changes("trade_record", batches[2].cursor))
    assert sorted(r.record_id for r in trades(resumed)) == sorted(
        r.record_id for r in trades(batches[3:]))

    # New bills published later, one for the cursor's own date: just those.
    final = batches[-1].cursor
    last_day = max(b["arrival_date"] for b in provider.bills)
    extra = api_bills(2, seed=12, start=date.fromisoformat(last_day), days=1)
    provider.app.state.bills = sorted(provider.bills + extra,
                                      key=lambda b: (b["arrival_date"], b["id"]))
    newest = list(api_connector(provider.url).read_changes("trade_record", final))
    assert sorted(r.record_id for r in trades(newest)) == sorted(b["id"] for b in extra)


def test_provider_rejects_a_wrong_token(provider):
    with pytest.raises(AuthError, match="refused our credentials"):
        list(api_connector(provider.url, token="stolen").read_changes("trade_record", None))


def test_emulator_errors_name_the_problem():
    client = TestClient(create_app(api_bills(3), tokens=[TOKEN]))
    missing = client.get("/v1/bills", params={"date_from": "2025-01-01"})
    assert missing.status_code == 401
    assert missing.json() == {"error": {"code": "missing_api_key",
                                        "message": "send your API key in the X-API-Key header"}}
    wrong = client.get("/v1/bills", params={"date_from": "2025-01-01"},
                       headers={"X-API-Key": "nope"})
    assert wrong.json()["error"]["code"] == "invalid_api_key"
    bad = client.get("/v1/bills", params={"date_from": "yesterday", "page_size": 9999},
                     headers={"X-API-Key": TOKEN})
    assert bad.status_code == 422
    assert sorted(e["loc"][-1] for e in bad.json()["detail"]) == ["date_from", "page_size"]
    ok = client.get("/v1/bills", params={"date_from": "2025-01-01", "page": 2, "page_size": 2},
                    headers={"X-API-Key": TOKEN})
    assert ok.json()["page"] == 2 and ok.json()["total"] == 3 and len(ok.json()["data"]) == 1
