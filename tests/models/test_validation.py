"""Invalid canonical values raise errors that name the field and say what is valid."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from pydantic import ValidationError

from hub.models import (
    ENTITIES,
    Customer,
    InventoryLevel,
    Payment,
    Product,
    SalesOrder,
    SalesOrderLine,
    TradeRecord,
)


def _error_fields(exc: ValidationError) -> list[str]:
    return [".".join(str(p) for p in err["loc"]) for err in exc.errors()]


def test_an_unknown_country_is_refused_with_its_field_and_an_example() -> None:
    with pytest.raises(ValidationError) as info:
        Customer(name="Acme", country="XX")
    assert _error_fields(info.value) == ["country"]
    assert "'XX' is not an ISO 3166-1 alpha-2 country code" in str(info.value)


def test_country_and_currency_codes_are_normalised_to_upper_case() -> None:
    customer = Customer(name="Müller GmbH", country=" de ", currency="eur")
    assert (customer.country, customer.currency) == ("DE", "EUR")


def test_an_unknown_currency_is_refused() -> None:
    with pytest.raises(ValidationError) as info:
        Payment(number="P1", received_on=date(2026, 1, 5), amount=Decimal("10"),
                currency="USX", fx_rate_to_base=Decimal("7.1"))
    assert _error_fields(info.value) == ["currency"]


def test_naive_datetimes_are_refused_and_aware_ones_become_utc() -> None:
    with pytest.raises(ValidationError) as info:
        Customer(name="Acme", country="US", updated_at=datetime(2026, 1, 1, 8, 0))
    assert _error_fields(info.value) == ["updated_at"]
    shanghai = timezone(timedelta(hours=8))
    customer = Customer(name="Acme", country="US",
                        updated_at=datetime(2026, 1, 1, 8, 0, tzinfo=shanghai))
    assert customer.updated_at == datetime(2026, 1, 1, 0, 0, tzinfo=timezone.utc)
    assert customer.updated_at.utcoffset() == timedelta(0)


def test_money_keeps_decimal_precision() -> None:
    payment = Payment(number="P1", received_on=date(2026, 1, 5), amount="1234.56",
                      currency="USD", fx_rate_to_base="7.123456")
    assert payment.amount == Decimal("1234.56")
    assert isinstance(payment.fx_rate_to_base, Decimal)


def test_negative_credit_limits_and_stock_are_refused() -> None:
    with pytest.raises(ValidationError) as info:
        Customer(name="Acme", country="US", credit_limit=Decimal("-1"))
    assert _error_fields(info.value) == ["credit_limit"]
    with pytest.raises(ValidationError) as info:
        InventoryLevel(sku="LED-9W", warehouse="SZ", on_hand=Decimal("-5"))
    assert _error_fields(info.value) == ["on_hand"]


def test_hs_codes_lose_their_dots_and_must_have_six_to_ten_digits() -> None:
    assert Product(sku="LED-9W", name="LED bulb", hs_code="8539.52.00").hs_code == "85395200"
    with pytest.raises(ValidationError) as info:
        Product(sku="LED-9W", name="LED bulb", hs_code="85AB")
    assert _error_fields(info.value) == ["hs_code"]


def test_unknown_incoterms_and_fields_are_refused() -> None:
    with pytest.raises(ValidationError) as info:
        SalesOrder(number="SO-1", order_date=date(2026, 1, 1), currency="USD", incoterm="FOBX")
    assert _error_fields(info.value) == ["incoterm"]
    with pytest.raises(ValidationError) as info:
        Customer(name="Acme", country="US", credit_limt=5)
    assert _error_fields(info.value) == ["credit_limt"]


def test_order_line_keys_must_be_unique() -> None:
    line = SalesOrderLine(line_key="1", sku="LED-9W", quantity=Decimal(800),
                          unit_price=Decimal("1.20"))
    with pytest.raises(ValidationError, match="duplicate line_key"):
        SalesOrder(number="SO-1", order_date=date(2026, 1, 1), currency="USD",
                   lines=[line, line])


def test_order_total_is_the_sum_of_its_lines() -> None:
    order = SalesOrder(number="SO-1", order_date=date(2026, 1, 1), currency="USD", lines=[
        SalesOrderLine(line_key="1", sku="LED-9W", quantity=Decimal(800), unit_price=Decimal("1.25")),
        SalesOrderLine(line_key="2", sku="LED-9W", quantity=Decimal(200), unit_price=Decimal("1.30")),
    ])
    assert order.total == Decimal("1260.00")


def test_chinese_names_survive_a_json_round_trip() -> None:
    record = TradeRecord(record_id="BL-1", arrival_date=date(2026, 2, 1),
                         importer="深圳市光明照明有限公司", importer_country="CN", hs_code="940542")
    assert TradeRecord.model_validate_json(record.model_dump_json()) == record


def test_every_entity_has_a_stable_hub_id_and_a_registry_name() -> None:
    assert set(ENTITIES) == {"customer", "product", "sales_order", "inventory", "shipment",
                             "payment", "lead", "approval", "trade_record", "activity"}
    first, second = Customer(name="A", country="US"), Customer(name="A", country="US")
    assert first.hub_id != second.hub_id
    assert Customer.model_validate(first.model_dump()).hub_id == first.hub_id
