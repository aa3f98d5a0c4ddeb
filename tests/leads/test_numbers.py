from __future__ import annotations

from decimal import Decimal

import pytest

from hub.leads.numbers import clean_decimal, parse_arabic, parse_chinese, parse_english


@pytest.mark.parametrize(("text", "value"), [
    ("一", 1), ("十", 10), ("十二", 12), ("二十", 20), ("一百零五", 105), ("一千", 1000),
    ("一千五", 1500), ("一千零五", 1005), ("两千", 2000), ("三千五百", 3500), ("一万", 10000),
    ("十万", 100000), ("一万两千", 12000), ("一亿两千万", 120_000_000), ("壹仟", 1000),
    ("一〇〇〇", 1000),
])
def test_chinese_numerals(text: str, value: int) -> None:
    assert parse_chinese(text) == Decimal(value)


def test_a_non_numeral_is_refused() -> None:
    assert parse_chinese("一下") is None
    assert parse_english("two apples") is None


@pytest.mark.parametrize(("text", "value"), [
    ("one", 1), ("twelve", 12), ("twenty-five", 25), ("five hundred", 500),
    ("two thousand five hundred", 2500), ("one hundred and twenty", 120),
    ("three million", 3_000_000),
])
def test_english_number_words(text: str, value: int) -> None:
    assert parse_english(text) == Decimal(value)


def test_arabic_thousands_and_decimals() -> None:
    assert parse_arabic("1,000,000") == Decimal(1_000_000)
    assert parse_arabic("2.5") == Decimal("2.5")
    assert parse_arabic("1.000") == Decimal("1.000")
    assert parse_arabic("1.000", thousands_dot=True) == Decimal(1000)
    assert parse_arabic("1,00") is None


def test_clean_decimal_has_no_exponent() -> None:
    assert str(clean_decimal(Decimal("1.5") * 1000)) == "1500"
    assert str(clean_decimal(Decimal("2.50"))) == "2.5"
