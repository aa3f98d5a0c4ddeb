"""Property: inbound ∘ outbound gives back every canonical path both directions own.

Records are drawn by hypothesis in the shapes the canonical model allows (Unicode text,
Chinese names, Decimals at the model's precision, aware datetimes), normalised the way
the mapping normalises (a mapping that upper-cases a field owns upper-case values).
"""

from __future__ import annotations

import copy
from datetime import date, datetime, time, timezone
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hub.mapping import CompiledMapping, load_mapping
from hub.models import Customer, SalesOrder
from hub.models.codes import COUNTRY_CODES, CURRENCY_CODES
from tests.mapping.roundtrip import value_at

ROOT = Path(__file__).resolve().parents[2] / "mappings"
CUSTOMER_MAP = load_mapping(ROOT / "examples" / "customer.yaml")
ORDER_MAP = load_mapping(ROOT / "examples" / "sales_order.yaml")
ERP_ORDER_MAP = load_mapping(ROOT / "builtin" / "erp" / "sales_order.yaml")
CRM_CUSTOMER_MAP = load_mapping(ROOT / "builtin" / "crm" / "customer.yaml")
SHANGHAI = ZoneInfo("Asia/Shanghai")
SETTINGS = settings(max_examples=80, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])

_chars = st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Zs", "Zl", "Zp", "Cf"),
                       exclude_characters=";,")
words = st.text(_chars, min_size=1, max_size=20).filter(lambda s: s == s.strip() and s != "")
chinese = st.text(st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5), min_size=2,
                  max_size=12)
names = st.one_of(words, chinese)


def money(places: int, high: int = 10**9) -> st.SearchStrategy[Decimal]:
    return st.decimals(min_value=0, max_value=high, places=places, allow_nan=False,
                       allow_infinity=False)


emails = st.from_regex(r"[a-z]{1,8}@[a-z]{1,8}\.example", fullmatch=True)


def midnights(zone: ZoneInfo | timezone) -> st.SearchStrategy[datetime]:
    """Date-only remote fields own midnights in the zone the mapping reads them in."""
    return st.dates(date(1990, 1, 1), date(2090, 1, 1)).map(
        lambda d: datetime.combine(d, time(0), zone).astimezone(timezone.utc))


ms_times = st.datetimes(datetime(1990, 1, 1), datetime(2090, 1, 1),
                        timezones=st.just(timezone.utc)).map(
    lambda d: d.replace(microsecond=d.microsecond // 1000 * 1000))


def assert_round_trip(mapping: CompiledMapping, model: type, record: object) -> None:
    dump = record.model_dump()  # type: ignore[attr-defined]
    remote = mapping.to_remote(dump)
    sent = copy.deepcopy(remote)
    back = model.model_validate(mapping.to_canonical(remote)).model_dump()
    # A mapping never changes the record it maps: the sync hands it records that share
    # lists and objects with the golden record (``hub.sync.reconcile._typed_golden``).
    assert dump == record.model_dump() and remote == sent  # type: ignore[attr-defined]
    owned = mapping.inbound_paths & mapping.outbound_paths
    assert owned
    for path in sorted(owned):
        assert value_at(back, path) == value_at(dump, path), path


@st.composite
def customers(draw: st.DrawFn, zone: ZoneInfo | timezone) -> Customer:
    contacts = draw(st.lists(st.builds(
        dict, name=names, email=st.none() | emails, phone=st.none() | st.just("+8675512345678"),
        is_primary=st.booleans()), max_size=1))
    return Customer(
        number=draw(words), name=draw(names), legal_name=draw(st.none() | names),
        country=draw(st.sampled_from(sorted(COUNTRY_CODES))),
        city=draw(st.none() | names.map(str.title).filter(lambda s: s == s.title())),
        address=draw(st.none() | words), tax_id=draw(st.none() | words),
        website=draw(st.none() | words.map(lambda w: "https://" + w)),
        industry=draw(st.none() | words.map(str.lower).filter(lambda s: s == s.lower())),
        currency=draw(st.sampled_from(sorted(CURRENCY_CODES))),
        default_incoterm=draw(st.none() | st.sampled_from(["EXW", "FOB", "CIF", "DDP"])),
        payment_terms=draw(st.none() | st.sampled_from(["T/T", "L/C", "D/P", "PayPal"])),
        credit_limit=draw(st.none() | money(6)),
        receivable_status=draw(st.none() | st.sampled_from(["clear", "open", "overdue",
                                                            "on_hold"])),
        receivable_balance=draw(st.none() | money(2)), sales_rep=draw(st.none() | names),
        tags=draw(st.lists(names, max_size=4)), contacts=contacts,
        annual_import_value_usd=draw(st.none() | money(2)),
        annual_import_weight_kg=draw(st.none() | money(3, 10**6)),
        last_shipment_date=draw(st.none() | midnights(zone)),
        top_hs_codes=draw(st.lists(st.from_regex(r"\d{6}", fullmatch=True), max_size=3)),
        main_suppliers=draw(st.lists(names, max_size=3)), archived=draw(st.booleans()))


@st.composite
def orders(draw: st.DrawFn, units: list[str], need_rate: bool = False) -> SalesOrder:
    keys = draw(st.lists(st.integers(1, 99999), max_size=5, unique=True))
    lines = [dict(line_key=str(k), sku=draw(words.map(str.upper).filter(str.isupper)),
                  description=draw(st.none() | names),
                  quantity=draw(money(3, 10**9)), unit_price=draw(money(4, 10**7)),
                  unit=draw(st.sampled_from(units)),
                  delivery_date=draw(st.none() | st.dates(date(1990, 1, 1), date(2090, 1, 1))))
             for k in keys]
    return SalesOrder(
        number=draw(words), customer_number=draw(st.none() | words),
        order_date=draw(st.dates(date(1990, 1, 1), date(2090, 1, 1))),
        currency=draw(st.sampled_from(sorted(CURRENCY_CODES))),
        fx_rate_to_base=draw((st.nothing() if need_rate else st.none()) |
                             st.decimals(min_value=Decimal("0.0001"), max_value=1000, places=4)),
        incoterm=draw(st.none() | st.sampled_from(["EXW", "FCA", "FOB", "CFR", "CIF", "DAP",
                                                   "DPU", "DDP"])),
        port_of_loading=draw(st.none() | names), port_of_discharge=draw(st.none() | names),
        status=draw(st.sampled_from(["draft", "confirmed", "in_production", "shipped",
                                     "delivered", "cancelled"])),
        paid_amount=draw(money(2)), requested_delivery=draw(st.none() | st.dates()),
        notes=draw(st.none() | names), confirmed_at=draw(st.none() | ms_times), lines=lines)


@SETTINGS
@given(customers(SHANGHAI))
def test_example_customer_round_trips(customer: Customer) -> None:
    assert_round_trip(CUSTOMER_MAP, Customer, customer)


@SETTINGS
@given(orders(["pcs", "ctn", "set", "kg"], need_rate=True))  # its base amount needs a rate
def test_example_sales_order_with_lines_round_trips(order: SalesOrder) -> None:
    assert_round_trip(ORDER_MAP, SalesOrder, order)


@SETTINGS
@given(orders(["pcs", "ctn", "箱"]))
def test_builtin_erp_sales_order_round_trips(order: SalesOrder) -> None:
    assert_round_trip(ERP_ORDER_MAP, SalesOrder, order)


@SETTINGS
@given(customers(timezone.utc))
def test_builtin_crm_customer_round_trips(customer: Customer) -> None:
    assert_round_trip(CRM_CUSTOMER_MAP, Customer, customer)


def test_owned_paths_cover_the_worked_examples() -> None:
    owned = CUSTOMER_MAP.inbound_paths & CUSTOMER_MAP.outbound_paths
    assert {"country", "credit_limit", "last_shipment_date", "contacts[0].email",
            "annual_import_weight_kg", "tags"} <= owned
    assert "website" in CUSTOMER_MAP.inbound_fields & CUSTOMER_MAP.outbound_fields
    assert {"lines[].line_key", "lines[].quantity", "lines[].unit"} <= \
        ORDER_MAP.inbound_paths & ORDER_MAP.outbound_paths
    assert "paid_amount_base" in ORDER_MAP.inbound_fields - ORDER_MAP.outbound_fields
