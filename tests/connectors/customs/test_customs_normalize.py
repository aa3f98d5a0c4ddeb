"""Normalisation edge cases: HS codes, countries, company names, weights, dates."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from connectors.customs.normalize import (
    NormaliseError,
    company_key,
    country_code,
    hs6,
    hs_digits,
    parse_date,
    parse_decimal,
    to_kg,
)


@pytest.mark.parametrize(("raw", "digits", "six"), [
    ("9405.40.8440", "9405408440", "940540"),
    ("8539 50 00", "85395000", "853950"),
    ("940540", "940540", "940540"),
    ("6109.10-0012", "6109100012", "610910"),
])
def test_hs_codes_lose_dots_and_compare_on_six_digits(raw, digits, six):
    assert hs_digits(raw) == digits
    assert hs6(raw) == six


@pytest.mark.parametrize("raw", ["9405", "94.05.40.8440.12", "94O540", ""])
def test_bad_hs_codes_are_named(raw):
    with pytest.raises(NormaliseError, match="HS code"):
        hs_digits(raw)


@pytest.mark.parametrize(("raw", "code"), [
    ("US", "US"), ("us", "US"), ("USA", "US"), ("U.S.A.", "US"), ("United States", "US"),
    ("DEU", "DE"), ("Germany", "DE"), ("Korea, Republic of", "KR"), ("South Korea", "KR"),
    ("Viet Nam", "VN"), ("UK", "GB"), ("中国", "CN"), ("Hong Kong", "HK"),
])
def test_countries_become_alpha_2(raw, code):
    assert country_code(raw) == code


def test_unknown_country_is_named():
    with pytest.raises(NormaliseError, match="'Atlantis'"):
        country_code("Atlantis")


@pytest.mark.parametrize(("a", "b"), [
    ("ACME Trading Co., Ltd.", "Acme Trading Company Limited"),
    ("The Acme Trading Co", "acme trading"),
    ("Lopez & Hijos S.A.", "LOPEZ AND HIJOS SA"),
    ("A.B.C. L.L.C.", "ABC LLC"),
    ("Müller GmbH", "MUELLER G.M.B.H."),
    ("López Hermanos S.L.", "Lopez Hermanos SL"),
    ("Foo Sdn. Bhd.", "FOO SDN BHD"),
    ("Beta S.A. de C.V.", "Beta"),
    ("深圳华强电子有限公司", "深圳华强电子股份有限公司"),
    ("ＡＣＭＥ　Trading", "acme trading"),  # full-width letters and space (NFKC)
])
def test_company_names_normalise_to_the_same_key(a, b):
    assert company_key(a) == company_key(b)


def test_company_name_made_only_of_a_legal_form_is_kept():
    assert company_key("Co.") == "co"
    assert company_key("Limited") == "limited"


def test_empty_company_name_is_an_error():
    with pytest.raises(NormaliseError, match="no letters"):
        company_key("...")


@pytest.mark.parametrize(("value", "unit", "kg"), [
    ("1000", "K", "1000.000"), ("1000", "Kilograms", "1000.000"), ("1000", None, "1000.000"),
    ("2204.62", "LBS", "999.999"), ("100", "L", "45.359"), ("1.5", "T", "1500.000"),
    ("1", "Metric Ton", "1000.000"), ("1", "long ton", "1016.047"), ("2", "吨", "2000.000"),
])
def test_weights_become_kilograms(value, unit, kg):
    assert to_kg(Decimal(value), unit) == Decimal(kg)


def test_unknown_weight_unit_is_named():
    with pytest.raises(NormaliseError, match="'stone'"):
        to_kg(Decimal(1), "stone")


@pytest.mark.parametrize(("raw", "day"), [
    ("2026-03-01", date(2026, 3, 1)), ("20260301", date(2026, 3, 1)),
    ("03/01/2026", date(2026, 3, 1)), ("2026/03/01", date(2026, 3, 1)),
    ("2026-03-01T23:00:00Z", date(2026, 3, 1)), ("2026-03-01 08:00:00", date(2026, 3, 1)),
])
def test_dates(raw, day):
    assert parse_date(raw) == day


def test_numbers():
    assert parse_decimal("1,234.50") == Decimal("1234.50")
    assert parse_decimal(" ") is None
    with pytest.raises(NormaliseError, match="non-negative"):
        parse_decimal("-5")
    with pytest.raises(NormaliseError, match="'12kg' is not a number"):
        parse_decimal("12kg")
