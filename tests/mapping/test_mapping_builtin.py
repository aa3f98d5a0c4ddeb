"""The shipped built-in mappings against the real reference CRM, ERP and OA.

Each canonical record goes out through ``to_remote``, is written to the product over
its REST API, read back, and comes in through ``to_canonical`` into the pydantic
model: every field both directions own must survive the trip.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from hub.builtin.app import create_app
from hub.mapping import CompiledMapping, load_mapping_dir
from hub.models import (
    ENTITIES,
    ApprovalRequest,
    ApprovalStep,
    CanonicalRecord,
    Contact,
    Customer,
    InventoryLevel,
    Lead,
    Payment,
    Product,
    SalesOrder,
    SalesOrderLine,
    Shipment,
    TrackingEvent,
)
from hub.models.lead import InquiryItem
from hub.models.shipment import ShipmentLine
from tests.mapping.roundtrip import value_at

BUILTIN = Path(__file__).resolve().parents[2] / "mappings" / "builtin"
UTC = timezone.utc
TOKEN = "test-token"

CUSTOMER = Customer(
    number="C-1001", name="深圳市光明灯具有限公司", legal_name="Shenzhen Bright Lamps Co., Ltd.",
    country="DE", city="Hamburg", address="Speicherstadt 1", tax_id="DE123456789",
    website="https://bright.example", industry="lighting", currency="EUR",
    default_incoterm="FOB", payment_terms="T/T", credit_limit=Decimal("50000.00"),
    sales_rep="Lily Chen", tags=["vip", "照明"],
    contacts=[Contact(name="Li Na", email="li.na@bright.example", phone="+4940123456",
                      is_primary=True)],
    annual_import_value_usd=Decimal("1234567.89"), annual_import_weight_kg=Decimal("12500"),
    last_shipment_date=datetime(2024, 3, 1, tzinfo=UTC), top_hs_codes=["940540"],
    main_suppliers=["Foshan Lighting Co."])
PRODUCT = Product(sku="LED-9W", name="LED lamp 9W", name_cn="LED灯泡9瓦", hs_code="940540",
                  unit="pcs", product_line="bulbs", list_price=Decimal("1.85"), currency="USD",
                  net_weight_kg=Decimal("0.05"), gross_weight_kg=Decimal("0.07"),
                  units_per_carton=100, moq=500)
ORDER = SalesOrder(
    number="SO-2001", customer_number="C-1001", order_date=date(2024, 3, 5), currency="USD",
    fx_rate_to_base=Decimal("7.1"), incoterm="FOB", payment_terms="T/T",
    port_of_loading="Shenzhen", port_of_discharge="Hamburg", status="draft",
    notes="首单 first order",
    lines=[SalesOrderLine(line_key="10", sku="LED-9W", description="LED lamp 9W",
                          quantity=Decimal("800"), unit_price=Decimal("1.85"),
                          delivery_date=date(2024, 4, 1)),
           SalesOrderLine(line_key="20", sku="LED-9W", quantity=Decimal("200"),
                          unit_price=Decimal("1.80"))])
INVENTORY = InventoryLevel(sku="LED-9W", warehouse="SZ-01", on_hand=Decimal("800"),
                           in_transit=Decimal("50"))
SHIPMENT = Shipment(
    number="SH-1", order_number="SO-2001", carrier="COSCO", bill_of_lading="COSU123",
    container_numbers=["CSLU1234567"], vessel="COSCO Star", port_of_loading="Shenzhen",
    port_of_discharge="Hamburg", departed_at=datetime(2024, 4, 2, 8, tzinfo=UTC),
    eta=datetime(2024, 5, 10, tzinfo=UTC), status="departed",
    lines=[ShipmentLine(sku="LED-9W", quantity=Decimal("800"))],
    events=[TrackingEvent(at=datetime(2024, 4, 2, 8, tzinfo=UTC), status="departed",
                          location="Yantian", description="on board")])
PAYMENT = Payment(number="PAY-1", order_number="SO-2001", customer_number="C-1001",
                  received_on=date(2024, 4, 10), amount=Decimal("740.00"), currency="USD",
                  fx_rate_to_base=Decimal("7.1"), method="T/T", bank_reference="HSBC-99")
LEAD = Lead(source="whatsapp", status="new", company="Bright Lamps GmbH",
            contact_name="Hans Meier", email="hans@bright.example", whatsapp_id="4917012345",
            country="DE", message="Need 1000 LED lamps",
            inquiry=[InquiryItem(product="LED lamp 9W", quantity=Decimal("1000"), unit="pcs")],
            hs_codes=["940540"], received_at=datetime(2024, 3, 1, 9, 30, tzinfo=UTC))
APPROVAL = ApprovalRequest(number="AP-1", kind="purchase_request", title="Buy 200 LED lamps",
                           reference="PR-1", requested_by="erp", amount=Decimal("360.00"),
                           currency="USD", steps=[ApprovalStep(approver="wang"),
                                                  ApprovalStep(approver="zhao")])

# (product, canonical record) in the order the products' references need them.
CASES: list[tuple[str, CanonicalRecord]] = [
    ("erp", CUSTOMER), ("crm", CUSTOMER), ("erp", PRODUCT), ("erp", ORDER), ("crm", ORDER),
    ("erp", INVENTORY), ("crm", INVENTORY), ("erp", SHIPMENT), ("erp", PAYMENT),
    ("crm", LEAD), ("oa", APPROVAL),
]


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    db = tmp_path_factory.mktemp("builtin") / "builtin.db"
    app = create_app(f"sqlite:///{db}", TOKEN)
    with TestClient(app, headers={"Authorization": f"Bearer {TOKEN}"}) as c:
        erp_warehouse = {"wh_code": "SZ-01", "wh_name": "Shenzhen", "country": "CN"}
        assert c.post("/erp/warehouses", json=erp_warehouse).status_code == 201
        yield c


@pytest.fixture(scope="module")
def mappings() -> dict[str, dict[str, CompiledMapping]]:
    return {app: load_mapping_dir(BUILTIN / app) for app in ("crm", "erp", "oa")}


def test_every_product_entity_has_a_mapping(mappings: dict[str, dict[str, CompiledMapping]]
                                            ) -> None:
    # what each product holds; more (one-way) mappings may be added beside these
    assert {"customer", "inventory", "lead", "sales_order"} <= set(mappings["crm"])
    assert {"customer", "inventory", "payment", "product", "sales_order",
            "shipment"} <= set(mappings["erp"])
    assert {"approval"} <= set(mappings["oa"])
    assert {(a, r.entity) for a, r in CASES} == {
        ("crm", "customer"), ("crm", "inventory"), ("crm", "lead"), ("crm", "sales_order"),
        ("erp", "customer"), ("erp", "inventory"), ("erp", "payment"), ("erp", "product"),
        ("erp", "sales_order"), ("erp", "shipment"), ("oa", "approval")}


def _owned(mapping: CompiledMapping) -> set[str]:
    return set(mapping.inbound_paths & mapping.outbound_paths)


@pytest.mark.parametrize(("app", "record"), CASES,
                         ids=[f"{a}-{r.entity}" for a, r in CASES])
def test_a_record_survives_the_round_trip_through_the_product(
        client: TestClient, mappings: dict[str, dict[str, CompiledMapping]], app: str,
        record: CanonicalRecord) -> None:
    mapping = mappings[app][record.entity]
    remote = mapping.to_remote(record.model_dump())
    resource = mapping.remote_object.replace("_", "-")
    response = client.post(f"/{app}/{resource}", json=remote)
    assert response.status_code == 201, response.text
    stored: dict[str, Any] = response.json()
    assert mapping.remote_key_of(stored) == mapping.canonical_key_of(record.model_dump())
    back = ENTITIES[record.entity].model_validate(mapping.to_canonical(stored)).model_dump()
    want = record.model_dump()
    owned = _owned(mapping) - {"hub_id"}
    assert owned
    for path in sorted(owned):
        assert value_at(back, path) == value_at(want, path), path
    assert back["updated_at"] is not None and back["updated_at"].tzinfo is not None
