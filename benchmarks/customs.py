"""Customs import benchmark: a generated AMS-style CSV through the connector, matching,
enrichment and prospect leads; prints the figures.

    .venv/bin/python benchmarks/customs.py [--records 10000]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import date
from pathlib import Path

from connectors.customs import (
    CustomsConfig,
    CustomsConnector,
    ProspectRules,
    enrich_customers,
    match_importers,
    prospect_leads,
)
from connectors.customs.synthetic import api_bills, write_ams_csv
from hub.models import Customer, TradeRecord


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=10_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = write_ams_csv(Path(tmp) / "ams.csv", api_bills(args.records, seed=1))
        connector = CustomsConnector(CustomsConfig.model_validate(
            {"source": {"kind": "csv", "paths": [str(path)]}}), system="customs")
        started = time.perf_counter()
        batches = list(connector.read_changes("trade_record", None, batch_size=1000))
        read_s = time.perf_counter() - started
        records = [TradeRecord.model_validate(r.data) for b in batches for r in b.records]
        customers = [Customer(name="ACME LIGHTING INC", country="US"),
                     Customer(name="Lumen Depot, LLC", country="US")]
        started = time.perf_counter()
        matches = match_importers(records, customers)
        enrichment = enrich_customers(records, matches, as_of=date(2025, 12, 31))
        prospects = prospect_leads(records, matches, ProspectRules(hs_codes=["9405.40"]))
        analyse_s = time.perf_counter() - started
        started = time.perf_counter()
        again = sum(len(b.records) for b in connector.read_changes("trade_record",
                                                                   batches[-1].cursor))
        reread_s = time.perf_counter() - started
    print(f"records imported:        {len(records)} ({len(connector.issues)} rows skipped)")
    print(f"import (read+normalise): {read_s:.2f} s  ({len(records) / read_s:,.0f} records/s)")
    print(f"match+enrich+prospects:  {analyse_s:.2f} s  ({len(enrichment)} customers enriched, "
          f"{len(prospects)} prospect leads)")
    print(f"second import:           {reread_s:.2f} s  ({again} new records)")


if __name__ == "__main__":
    main()
