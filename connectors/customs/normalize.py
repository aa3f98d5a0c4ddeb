"""Normalising what customs records write many ways: HS codes, countries, company names,
weights, dates and numbers.

Every function is pure and raises ``NormaliseError`` with the offending value, so an
import can report the exact row and field that could not be read.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from functools import lru_cache

import pycountry

__all__ = ["NormaliseError", "company_key", "country_code", "display_name", "hs_digits", "hs6",
           "parse_date", "parse_decimal", "to_kg"]


class NormaliseError(ValueError):
    """A value that cannot be read; the message names it."""


# -- HS codes --------------------------------------------------------------------------
def hs_digits(value: str) -> str:
    """``'8539.50.00'`` → ``'85395000'``: dots, spaces and dashes go, 6 to 10 digits stay."""
    digits = re.sub(r"[\s.\-]", "", value or "")
    if not digits.isdigit() or not 6 <= len(digits) <= 10:
        raise NormaliseError(f"HS code {value!r} is not 6 to 10 digits")
    return digits


def hs6(value: str) -> str:
    """The WCO subheading, identical in every country: what HS codes are compared on."""
    return hs_digits(value)[:6]


# -- countries -------------------------------------------------------------------------
_COUNTRY_ALIASES = {
    "USA": "US", "U S A": "US", "U S": "US", "UNITED STATES OF AMERICA": "US", "AMERICA": "US",
    "UK": "GB", "U K": "GB", "GREAT BRITAIN": "GB", "ENGLAND": "GB", "BRITAIN": "GB",
    "SOUTH KOREA": "KR", "KOREA": "KR", "REPUBLIC OF KOREA": "KR", "NORTH KOREA": "KP",
    "RUSSIA": "RU", "VIETNAM": "VN", "VIET NAM": "VN", "TAIWAN": "TW", "HONG KONG": "HK",
    "MACAU": "MO", "IRAN": "IR", "SYRIA": "SY", "LAOS": "LA", "BOLIVIA": "BO",
    "VENEZUELA": "VE", "TANZANIA": "TZ", "MOLDOVA": "MD", "CZECH REPUBLIC": "CZ",
    "TURKEY": "TR", "HOLLAND": "NL", "UAE": "AE", "U A E": "AE", "IVORY COAST": "CI",
    "中国": "CN", "中华人民共和国": "CN", "美国": "US", "德国": "DE", "英国": "GB", "法国": "FR",
    "日本": "JP", "韩国": "KR", "越南": "VN", "印度": "IN", "俄罗斯": "RU", "意大利": "IT",
    "西班牙": "ES", "加拿大": "CA", "澳大利亚": "AU", "巴西": "BR", "墨西哥": "MX",
    "荷兰": "NL", "泰国": "TH", "马来西亚": "MY", "印度尼西亚": "ID", "新加坡": "SG",
    "香港": "HK", "台湾": "TW", "阿联酋": "AE", "沙特阿拉伯": "SA", "土耳其": "TR",
}


@lru_cache(maxsize=4096)
def country_code(value: str) -> str:
    """ISO 3166-1 alpha-2 from an alpha-2/alpha-3 code, an English name or a common alias."""
    text = " ".join(re.sub(r"[.,()]", " ", unicodedata.normalize("NFKC", value or "")).split())
    if not text:
        raise NormaliseError("country is empty")
    upper = text.upper()
    if upper in _COUNTRY_ALIASES:
        return _COUNTRY_ALIASES[upper]
    if len(upper) == 2 and pycountry.countries.get(alpha_2=upper):
        return upper
    if len(upper) == 3 and (found := pycountry.countries.get(alpha_3=upper)):
        return str(found.alpha_2)
    for candidate in (" ".join(unicodedata.normalize("NFKC", value).split()), text):
        try:
            return str(pycountry.countries.lookup(candidate).alpha_2)
        except LookupError:
            continue
    raise NormaliseError(f"{value!r} is not a country pycountry or the alias table knows")


# -- company names ---------------------------------------------------------------------
# Legal-form words removed from the end of a name (after case folding and dropping
# dots, so "S.A." is "sa" and "L.L.C." is "llc"); repeated, so "co ltd" goes entirely.
_LEGAL_SUFFIXES = frozenset("""
    co company corp corporation inc incorporated ltd limited llc lc plc pllc lp llp
    gmbh mbh ag kg ohg ug ev sa sas sarl srl spa sl slu bv nv vof oy oyj ab as asa aps
    pty pte bhd sdn kk jsc pjsc ojsc ooo zao ltda cia sac eirl tbk pt cv intl group
    """.split())
_LEGAL_PHRASES = ("sdn bhd", "pvt ltd", "private limited", "co ltd", "s de rl de cv",
                  "sa de cv", "public company limited")
_CJK_SUFFIXES = ("股份有限公司", "有限责任公司", "集团有限公司", "有限公司", "株式会社", "公司",
                 "集团", "有限會社", "有限公司")
_PUNCT = re.compile(r"[^\w\s]", re.UNICODE)
_DOTTED = re.compile(r"(?<=\w)\.(?=\w)|\.")


def display_name(value: str) -> str:
    """A name as shown to people: NFKC and collapsed whitespace, otherwise as written."""
    return " ".join(unicodedata.normalize("NFKC", value or "").split())


_GERMAN = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})


def _fold_latin(text: str) -> str:
    """``müller`` → ``mueller`` (as German registers spell it without umlauts), ``lópez`` →
    ``lopez``; marks on non-Latin scripts (kana voicing marks) are left alone."""
    out = []
    for ch in unicodedata.normalize("NFD", text.translate(_GERMAN)):
        if unicodedata.combining(ch) and out and out[-1].isascii():
            continue
        out.append(ch)
    return unicodedata.normalize("NFC", "".join(out))


@lru_cache(maxsize=65536)
def company_key(value: str) -> str:
    """The comparable core of a company name.

    ``'ACME Trading Co., Ltd.'``, ``'Acme Trading Company Limited'`` and
    ``'acme trading'`` all give ``'acme trading'``; ``'深圳市华强电子有限公司'`` gives
    ``'深圳市华强电子'``. Case, punctuation, ``&``/``and`` and legal forms do not count.
    """
    text = _fold_latin(unicodedata.normalize("NFKC", value or "").casefold().strip())
    for suffix in _CJK_SUFFIXES:
        while text.endswith(suffix) and len(text) > len(suffix):
            text = text[: -len(suffix)].rstrip()
    text = re.sub(r"[（(][^）)]*[）)]$", "", text).strip() or text  # trailing "(深圳)"
    text = text.replace("&", " and ").replace("'", "")
    text = _DOTTED.sub("", text)
    tokens = _PUNCT.sub(" ", text).replace("_", " ").split()
    if tokens and tokens[0] == "the" and len(tokens) > 1:
        tokens = tokens[1:]
    changed = True
    while changed and len(tokens) > 1:
        changed = False
        joined = " ".join(tokens)
        for phrase in _LEGAL_PHRASES:
            if joined.endswith(" " + phrase) and len(joined) > len(phrase) + 1:
                tokens = joined[: -len(phrase) - 1].split()
                changed = True
                break
        if not changed and tokens[-1] in _LEGAL_SUFFIXES:
            tokens = tokens[:-1]
            changed = True
    if tokens and len(tokens) > 1 and tokens[-1] == "and":
        tokens = tokens[:-1]
    key = " ".join(tokens)
    for suffix in _CJK_SUFFIXES:  # "华强电子 有限公司" with a space before the suffix
        if key.endswith(suffix) and len(key) > len(suffix):
            key = key[: -len(suffix)].rstrip()
    if not key:
        raise NormaliseError(f"company name {value!r} has no letters left after normalising")
    return key


# -- weights, numbers, dates -----------------------------------------------------------
_KG_PER_UNIT = {
    "kg": Decimal(1), "kgs": Decimal(1), "k": Decimal(1), "kilo": Decimal(1),
    "kilos": Decimal(1), "kilogram": Decimal(1), "kilograms": Decimal(1), "公斤": Decimal(1),
    "千克": Decimal(1),
    "g": Decimal("0.001"), "gram": Decimal("0.001"), "grams": Decimal("0.001"),
    "lb": Decimal("0.45359237"), "lbs": Decimal("0.45359237"), "l": Decimal("0.45359237"),
    "pound": Decimal("0.45359237"), "pounds": Decimal("0.45359237"),
    # Customs data means the metric tonne by a bare "t"/"ton"; short and long tons are
    # spelled out when meant.
    "t": Decimal(1000), "mt": Decimal(1000), "tne": Decimal(1000), "ton": Decimal(1000),
    "tons": Decimal(1000), "tonne": Decimal(1000), "tonnes": Decimal(1000),
    "metric ton": Decimal(1000), "metric tons": Decimal(1000), "吨": Decimal(1000),
    "short ton": Decimal("907.18474"), "short tons": Decimal("907.18474"),
    "long ton": Decimal("1016.0469088"), "long tons": Decimal("1016.0469088"),
}


def to_kg(value: Decimal, unit: str | None) -> Decimal:
    """Weight in kilograms; a missing unit is read as kilograms (AMS's default)."""
    key = " ".join((unit or "kg").casefold().replace(".", "").split())
    factor = _KG_PER_UNIT.get(key)
    if factor is None:
        raise NormaliseError(f"weight unit {unit!r} is not one of kg, lb, t (or their spellings)")
    return (value * factor).quantize(Decimal("0.001"))


def parse_decimal(value: str | int | float | Decimal | None) -> Decimal | None:
    """``'1,234.50'`` → 1234.50; blank → None; negative or non-numbers are errors."""
    if value is None:
        return None
    if isinstance(value, (int, Decimal)):
        number = Decimal(value)
    elif isinstance(value, float):
        number = Decimal(str(value))
    else:
        text = value.strip().replace(",", "").replace(" ", "")
        if not text:
            return None
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise NormaliseError(f"{value!r} is not a number") from None
    if not number.is_finite() or number < 0:
        raise NormaliseError(f"{value!r} is not a non-negative number")
    return number


_DATE_FORMATS = ("%Y-%m-%d", "%Y%m%d", "%m/%d/%Y", "%Y/%m/%d", "%d.%m.%Y")


def parse_date(value: str) -> date:
    """Arrival dates as AMS extracts and vendors write them (ISO first, US m/d/Y)."""
    text = (value or "").strip()
    if "T" in text or " " in text:
        try:
            return datetime.fromisoformat(text.replace("Z", "+00:00")).date()
        except ValueError:
            text = text.split(" ", 1)[0].split("T", 1)[0]
    if len(text) == 10 and text[4] == "-" and text[7] == "-":
        try:  # the common case, ~20x faster than strptime (a 10,000-bill file parses 2 each)
            return date.fromisoformat(text)
        except ValueError:
            pass
    elif len(text) == 8 and text.isdigit():      # AMS extracts: YYYYMMDD
        try:
            return date(int(text[:4]), int(text[4:6]), int(text[6:]))
        except ValueError:
            pass
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise NormaliseError(f"date {value!r} is not YYYY-MM-DD, YYYYMMDD or MM/DD/YYYY")
