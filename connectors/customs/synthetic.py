"""Deterministic synthetic bills of lading, for the emulator, tests and benchmarks.

Importer names come in the spellings real extracts mix (case, punctuation, legal
suffixes), weights in kg, lb and t, HS codes with and without dots, so every import
exercises the normalisers.
"""

from __future__ import annotations

import csv
import random
from datetime import date, timedelta
from pathlib import Path
from typing import Any

IMPORTERS = [
    ("Acme Lighting", "US"), ("Brightway Home", "US"), ("Northstar Supply", "US"),
    ("Pacific Imports", "US"), ("Lumen Depot", "US"), ("Gulf Coast Traders", "US"),
    ("Evergreen Retail", "US"), ("Summit Hardware", "US"),
]
SUPPLIERS = [("Ningbo Sunrise Electric", "CN"), ("Shenzhen Huaqiang Electronics", "CN"),
             ("Xiamen Solar Tech", "CN"), ("Saigon Lamps", "VN"), ("Dhaka Textiles", "BD")]
HS_CODES = ["9405.40.8440", "8539.50.0000", "8541.43.0010", "6109.10.0012", "9403.60.8081"]
PORTS_LOADING = ["Ningbo", "Yantian", "Xiamen", "Ho Chi Minh City", "Chittagong"]
PORTS_DISCHARGE = ["Long Beach, California", "Los Angeles, California", "Newark, New Jersey",
                   "Savannah, Georgia"]
_SPELLINGS = ["{} Inc.", "{} INC", "{}, Inc", "{} LLC", "{} L.L.C.", "{} Co., Ltd.", "{}"]
_WEIGHT_UNITS = [("K", 1.0), ("Kilograms", 1.0), ("L", 2.20462), ("LBS", 2.20462), ("T", 0.001)]


def api_bills(count: int, *, seed: int = 7, start: date = date(2025, 1, 1),
              days: int = 365) -> list[dict[str, Any]]:
    """``count`` bills in the provider's JSON shape, spread over ``days`` from ``start``."""
    rng = random.Random(seed)
    bills = []
    for i in range(count):
        importer, country = rng.choice(IMPORTERS)
        supplier, origin = rng.choice(SUPPLIERS)
        unit, factor = rng.choice(_WEIGHT_UNITS)
        weight_kg = rng.randint(200, 20000)
        hs = rng.choice(HS_CODES)
        bills.append({
            "id": f"BOL{seed:02d}{i:07d}",
            "arrival_date": (start + timedelta(days=rng.randrange(days))).isoformat(),
            "importer": {"name": rng.choice(_SPELLINGS).format(
                importer.upper() if rng.random() < 0.3 else importer), "country": country},
            "exporter": {"name": rng.choice(_SPELLINGS).format(supplier), "country": origin},
            "hs_code": hs if rng.random() < 0.5 else hs.replace(".", ""),
            "description": f"LED PRODUCTS HS {hs[:7]}",
            "quantity": rng.randint(10, 2000), "quantity_unit": "CTN",
            "weight": round(weight_kg * factor, 3), "weight_unit": unit,
            "value_usd": rng.randint(1000, 200000),
            "port_of_lading": rng.choice(PORTS_LOADING),
            "port_of_unlading": rng.choice(PORTS_DISCHARGE),
            "bill_of_lading": f"MAEU{seed:02d}{i:08d}",
        })
    return bills


AMS_HEADER = ["identifier", "actual_arrival_date", "consignee_name", "consignee_address",
              "shipper_name", "shipper_address", "country_of_origin", "harmonized_number",
              "description_text", "piece_count", "manifest_unit", "harmonized_weight",
              "harmonized_weight_unit", "harmonized_value", "foreign_port_of_lading",
              "port_of_unlading", "house_bol_number"]


def ams_row(bill: dict[str, Any]) -> dict[str, str]:
    """The same bill as a flattened AMS extract row (US imports: no consignee country)."""
    return {
        "identifier": bill["id"], "actual_arrival_date": bill["arrival_date"].replace("-", ""),
        "consignee_name": bill["importer"]["name"], "consignee_address": "1 Harbor Way",
        "shipper_name": bill["exporter"]["name"], "shipper_address": "",
        "country_of_origin": bill["exporter"]["country"], "harmonized_number": bill["hs_code"],
        "description_text": bill["description"], "piece_count": str(bill["quantity"]),
        "manifest_unit": bill["quantity_unit"], "harmonized_weight": str(bill["weight"]),
        "harmonized_weight_unit": bill["weight_unit"], "harmonized_value": str(bill["value_usd"]),
        "foreign_port_of_lading": bill["port_of_lading"],
        "port_of_unlading": bill["port_of_unlading"], "house_bol_number": bill["bill_of_lading"],
    }


def write_ams_csv(path: Path, bills: list[dict[str, Any]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=AMS_HEADER)
        writer.writeheader()
        writer.writerows(ams_row(b) for b in bills)
    return path
