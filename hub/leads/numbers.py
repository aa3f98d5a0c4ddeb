"""Reading the numbers buyers write: ``1,000``, ``2k``, ``1.5万``, ``一千五``, ``two thousand``.

Kept apart from the inquiry rules because every lead channel (WhatsApp, email,
customs descriptions) writes numbers the same few ways, and the rules are easier to
trust when the arithmetic is tested on its own.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

__all__ = ["ZH_NUMERAL_CHARS", "EN_NUMBER_WORDS", "clean_decimal", "parse_arabic",
           "parse_chinese", "parse_english"]

_ZH_DIGITS = {"零": 0, "〇": 0, "一": 1, "壹": 1, "二": 2, "贰": 2, "两": 2, "俩": 2,
              "三": 3, "叁": 3, "四": 4, "肆": 4, "五": 5, "伍": 5, "六": 6, "陆": 6,
              "七": 7, "柒": 7, "八": 8, "捌": 8, "九": 9, "玖": 9}
_ZH_SMALL = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000}
ZH_NUMERAL_CHARS = "".join(_ZH_DIGITS) + "".join(_ZH_SMALL) + "万亿"

_EN_UNITS = {"zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
             "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
             "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
             "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30,
             "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80,
             "ninety": 90}
_EN_SCALES = {"hundred": 100, "thousand": 1000, "million": 1_000_000}
EN_NUMBER_WORDS = tuple(_EN_UNITS) + tuple(_EN_SCALES)

_ARABIC = re.compile(r"^(?P<int>\d{1,3}(?:,\d{3})+|\d+)(?:\.(?P<frac>\d+))?$")


def clean_decimal(value: Decimal) -> Decimal:
    """``Decimal('1500')`` rather than ``1.5E+3`` or ``1500.0``: quantities are read by people."""
    if value == value.to_integral_value():
        return Decimal(int(value))
    return value.normalize()


def parse_arabic(text: str, *, thousands_dot: bool = False) -> Decimal | None:
    """``1,000`` → 1000, ``2.5`` → 2.5; ``1.000`` → 1000 only when ``thousands_dot``.

    ``thousands_dot`` is for counted units (pcs, sets), where a European buyer's
    ``1.000 pcs`` cannot mean one piece with three decimals.
    """
    text = text.strip()
    if thousands_dot and re.fullmatch(r"\d{1,3}(?:\.\d{3})+", text):
        return Decimal(text.replace(".", ""))
    match = _ARABIC.match(text)
    if not match:
        return None
    digits = match["int"].replace(",", "")
    try:
        return Decimal(f"{digits}.{match['frac']}" if match["frac"] else digits)
    except InvalidOperation:  # pragma: no cover - the regex admits only digits
        return None


def _chinese_section(text: str) -> int:
    """A section below 10,000: ``三千五百``, ``一千五`` (colloquial 1,500), ``十二``."""
    if text and all(ch in _ZH_DIGITS for ch in text):
        return int("".join(str(_ZH_DIGITS[ch]) for ch in text))  # 一〇〇〇 read digit by digit
    total = 0
    digit: int | None = None
    last_scale = 0
    zero_seen = False
    for ch in text:
        if ch in _ZH_DIGITS:
            digit = _ZH_DIGITS[ch]
            zero_seen = zero_seen or digit == 0
        elif ch in _ZH_SMALL:
            scale = _ZH_SMALL[ch]
            total += (1 if digit is None else digit) * scale
            digit, last_scale, zero_seen = None, scale, False
    if digit:
        # 一千五 means 1,500 (the digit takes the next lower place), 一千零五 means 1,005.
        total += digit * (last_scale // 10) if last_scale >= 100 and not zero_seen else digit
    return total


def parse_chinese(text: str) -> Decimal | None:
    """Chinese numerals, including 万 and 亿 and the financial forms (壹贰叁)."""
    if not text or any(ch not in ZH_NUMERAL_CHARS for ch in text):
        return None
    yi, _, rest = text.rpartition("亿")
    wan, _, low = rest.rpartition("万")
    value = 0
    if yi or "亿" in text:
        value += (_chinese_section(yi) if yi else 1) * 100_000_000
    if wan or "万" in rest:
        value += (_chinese_section(wan) if wan else 1) * 10_000
    value += _chinese_section(low)
    return Decimal(value)


def parse_english(text: str) -> Decimal | None:
    """``two thousand five hundred`` → 2500; ``and`` and hyphens are allowed between words."""
    words = [w for w in re.split(r"[\s-]+", text.lower()) if w and w != "and"]
    if not words:
        return None
    total = 0
    current = 0
    for word in words:
        if word in _EN_UNITS:
            current += _EN_UNITS[word]
        elif word == "hundred":
            current = (current or 1) * 100
        elif word in _EN_SCALES:
            total += (current or 1) * _EN_SCALES[word]
            current = 0
        else:
            return None
    return Decimal(total + current)
