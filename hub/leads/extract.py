"""What a buyer asked for: products and quantities read from free text (EN and ZH).

Deterministic rules, no model and no network, so the same message always yields the
same inquiry and a wrong extraction can be reproduced and fixed with a test. Three
steps:

1. *Mask* every number that is not an order quantity (phone numbers, dates, times,
   prices, percentages, dimensions, specifications glued to units such as ``9W`` or
   ``3000K``, model codes such as ``T8``, list numbering), keeping string positions.
2. *Find* quantities: Arabic numbers (``1,000``, ``2k``, ``1.5万``, ranges
   ``500-1000`` → the lower, firm bound), Chinese numerals (``一千``), English number
   words, each optionally followed by a unit from :mod:`hub.leads.vocabulary`.
3. *Name* the product: the words after the quantity (``1000 pcs of LED lamps``), or
   before it when nothing follows (``LED panels: 500 pcs``, ``LED灯1000个``), or the
   ``Product:`` line of a form-style inquiry (``Qty: 1000``). A bare number needs a
   unit, a product after it, or an explicit ``x``/``Qty`` marker to count.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal

from hub.leads.numbers import (
    EN_NUMBER_WORDS,
    ZH_NUMERAL_CHARS,
    clean_decimal,
    parse_arabic,
    parse_chinese,
    parse_english,
)
from hub.leads.vocabulary import (
    EN_LEAD_INS,
    EN_NON_PRODUCTS,
    EN_STOP_WORDS,
    EN_UNITS,
    MEASURED_UNITS,
    PRODUCT_LABELS,
    QUANTITY_LABELS,
    ZH_LEAD_INS,
    ZH_NON_PRODUCTS,
    ZH_STOP_WORDS,
    ZH_UNITS,
)
from hub.models import InquiryItem

__all__ = ["extract_inquiry"]

MAX_PRODUCT_WORDS = 6
MAX_ZH_PRODUCT_CHARS = 24
_CJK = re.compile(r"[\u3400-\u9fff]")


def _alternation(words: Iterable[str]) -> str:
    """A regex alternation that tries longer words first (``pcs`` before ``pc``)."""
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


_MONTHS = (r"jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
           r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?")
_MONEY_WORDS = r"usd|us\$|rmb|cny|eur|gbp|hkd|aud|cad"
_MASKS: list[re.Pattern[str]] = [re.compile(p, re.IGNORECASE | re.MULTILINE) for p in (
    r"\S+@\S+\.\w+|https?://\S+|www\.\S+",                                 # addresses
    r"(?:tel|phone|mobile|mob|cell|whatsapp|wechat|电话|手机|微信|联系方式)\s*(?:no\.?|number|#)?"
    r"\s*[:：]?\s*\+?[\d\s\-()]{6,}\d",                                    # labelled phones
    r"\+\s?\d[\d\s\-().]{5,}\d",                                           # +86 138 0013 8000
    r"(?<!\d)1[3-9]\d{9}(?!\d)",                                           # CN mobile
    r"(?<![\d.,])\(?\d{3,5}\)?[-\s]\d{3,4}[-\s]?\d{3,4}(?!\d)",            # 0755-8888 6666
    r"(?<![\d.,])\d{10,}(?!\d)",                                           # long digit runs
    r"\d{4}\s*[-/.年]\s*\d{1,2}(?:\s*[-/.月]\s*\d{1,2}\s*[日号]?)?",        # 2025-05-01, 2025年5月
    r"(?<![\d.,])\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}(?![\d])",                 # 05/01/2025
    rf"\b\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?(?:{_MONTHS})\b\.?(?:,?\s*\d{{4}})?",
    rf"\b(?:{_MONTHS})\.?\s+\d{{1,2}}(?:st|nd|rd|th)?\b(?:,?\s*\d{{4}})?",
    rf"\b(?:{_MONTHS})\.?\s+\d{{4}}\b",
    r"\b\d+(?:st|nd|rd|th)\b",                                             # ordinals
    r"\b(?:in|by|since|before|after|until|till|year|from)\s+(?P<m>(?:19|20)\d{2})\b",
    r"\d{1,4}\s*[年月日号](?!份额)",                                          # 5月, 15号
    r"(?<!第)[零〇一二两三四五六七八九十]{1,3}\s*[月日号]",                       # 三月
    r"\b\d{1,2}:\d{2}(?::\d{2})?\b|\b\d{1,2}\s*(?:am|pm)\b|\d{1,2}\s*点(?:钟|半)?",  # times
    rf"[$¥€£￥]\s*\d[\d,.]*(?:\s*k\b)?|\b(?:{_MONEY_WORDS})\s*\$?\s*\d[\d,.]*",  # prices
    r"\d[\d,.]*\s*(?:usd|dollars?|rmb|cny|eur|euros?|yuan|bucks)\b",
    r"\d[\d,.]*\s*(?:美元|美金|元|块钱|欧元|人民币|日元)",
    r"\d[\d,.]*\s*%",                                                      # percentages
    r"\d+(?:\.\d+)?\s*(?:mm|cm|m|\")?\s*[x×*]\s*\d+(?:\.\d+)?"             # 600x600(x10)mm
    r"(?:\s*(?:mm|cm|m|\")?\s*[x×*]\s*\d+(?:\.\d+)?)?",
    r"^\s*\(?\d{1,2}[.)、](?=\s|\D)|\(\d{1,2}\)",                           # list numbering
    r"#\s*\d+|\bno\.\s*\d+",
    r"\b(?:ref|invoice|inv|po|sku|model|hs(?:\s*code)?|id)\.?\s*[:#]?\s*[\w-]*\d[\w-]*",
    r"(?<![A-Za-z0-9])(?![xX]\d)[A-Za-z]+[-_]?\d[\w\-./]*",                 # T8, A19, LED-1000
)]
_GLUED = re.compile(r"(?<![A-Za-z0-9.,])(\d+(?:[.,]\d+)*)([A-Za-z\"'″°]+)")

_ARABIC = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_MULT = r"[kK](?![A-Za-z])|万|千(?!克)|百"
_EN_WORD = _alternation(EN_NUMBER_WORDS)
_UNIT = (rf"(?P<en_unit>(?:{_alternation(EN_UNITS)})(?![A-Za-z]))"
         rf"|(?P<zh_unit>(?:{_alternation(ZH_UNITS)})(?!月))")
_QUANTITY = re.compile(
    rf"(?P<x_before>(?<![A-Za-z0-9])[x×]\s*)?"
    rf"(?:(?<![A-Za-z0-9.,])(?P<num>{_ARABIC})\s*(?P<mult>{_MULT})?"
    rf"(?:\s*(?:-|~|–|to|至|到)\s*(?P<num2>{_ARABIC})\s*(?:{_MULT})?)?"
    rf"|(?<!第)(?P<zh>[{ZH_NUMERAL_CHARS}]+)"
    rf"|(?<![A-Za-z])(?P<en>(?:{_EN_WORD})(?:[\s-]+(?:and\s+)?(?:{_EN_WORD}))*)(?![A-Za-z]))"
    rf"(?P<x_after>\s*[x×](?=\s))?\s*(?:{_UNIT})?",
    re.IGNORECASE,
)
_MULTIPLIERS = {"k": Decimal(1000), "万": Decimal(10_000), "千": Decimal(1000), "百": Decimal(100)}
# A comma ends a clause unless it is a thousands separator (1,000).
_COMMA = r"(?<!\d),|,(?!\d{3}(?!\d))"
_CLAUSE_BREAK = re.compile(rf"[\n;!?()。；！？、，]|{_COMMA}|\.(?=\s|$)")
_AFTER_BREAK = re.compile(rf"[\n;!?():：。；！？、，]|{_COMMA}|\.(?=\s|$)")
_LABEL_ALT = "|".join(re.escape(w) for w in PRODUCT_LABELS)
_PRODUCT_LINE = re.compile(
    rf"(?im)(?:^|[\n;；])\s*(?:{_LABEL_ALT})\s*(?:name)?\s*[:：]\s*(?P<value>[^\n;；]+)")
_QTY_LABEL_END = re.compile(
    rf"(?i)(?:{'|'.join(re.escape(w) for w in QUANTITY_LABELS)})\s*[:：=]?\s*$")


@dataclass(frozen=True)
class _Found:
    start: int
    end: int
    quantity: Decimal
    unit: str | None
    zh: bool
    marked: bool  # an explicit x / × marker: the product may be named before it


def _mask(text: str) -> str:
    masked = text
    for pattern in _MASKS:
        def blank(m: re.Match[str]) -> str:
            if "m" in (pattern.groupindex or {}) and m.group("m"):
                s, e = m.span("m")
                s, e = s - m.start(), e - m.start()
                return m.group()[:s] + " " * (e - s) + m.group()[e:]
            return " " * len(m.group())
        masked = pattern.sub(blank, masked)

    def glued(m: re.Match[str]) -> str:
        number, suffix = m.group(1), m.group(2)
        low = suffix.lower()
        tail = masked[m.end():m.end() + 5].lower()
        if low in MEASURED_UNITS:
            keep = tail.startswith((" of ", "of "))
        elif low in EN_UNITS or low in ("x", "×"):
            keep = True
        elif low == "k":
            keep = (parse_arabic(number) or Decimal(1000)) < 1000
        else:
            keep = False
        return m.group() if keep else " " * len(m.group())
    return _GLUED.sub(glued, masked)


def _quantity(m: re.Match[str], unit: str | None) -> Decimal | None:
    if m["num"]:
        counted = unit not in (None, "kg", "t", "m", "l")
        value = parse_arabic(m["num"], thousands_dot=counted)
        if value is not None and m["mult"]:
            value *= _MULTIPLIERS[m["mult"].lower()]
        return value
    if m["zh"]:
        return parse_chinese(m["zh"])
    return parse_english(m["en"])


def _candidates(masked: str) -> Iterator[_Found]:
    for m in _QUANTITY.finditer(masked):
        unit_word = m["en_unit"] or m["zh_unit"]
        unit = (EN_UNITS.get(unit_word.lower()) if m["en_unit"]
                else ZH_UNITS.get(unit_word)) if unit_word else None
        if m["zh"] and unit is None:
            continue  # 一 in 一下 / 统一 is not a number unless a measure word follows
        value = _quantity(m, unit)
        if value is None or value <= 0:
            continue
        zh = bool(m["zh_unit"] or m["zh"])
        yield _Found(m.start(), m.end(), clean_decimal(value), unit, zh,
                     bool(m["x_before"] or m["x_after"]))


def _strip_word(word: str) -> str:
    return word.strip(".,:;!?\"'()[]-–=").lower()


def _after_en(segment: str) -> tuple[str | None, bool]:
    """The product named after an English quantity, and whether the words say 'not a product'."""
    words = segment.split()
    while words and _strip_word(words[0]) in ("of", "x", "×", "the", "your", "those", "these"):
        if _strip_word(words[0]) == "of" and len(words) == 1:
            break
        words.pop(0)
    if words and _strip_word(words[0]) in EN_NON_PRODUCTS:
        return None, True
    taken: list[str] = []
    for word in words:
        if _strip_word(word) in EN_STOP_WORDS or len(taken) == MAX_PRODUCT_WORDS:
            break
        taken.append(word.strip(".,:;!?\"'()[]"))
    product = " ".join(w for w in taken if w)
    return (product or None), False


def _after_zh(segment: str) -> tuple[str | None, bool]:
    text = segment.strip()
    if text.startswith(ZH_NON_PRODUCTS) or text.startswith("个月"):
        return None, True
    end = len(text)
    for stop in ZH_STOP_WORDS:
        at = text.find(stop)
        if at != -1:
            end = min(end, at)
    product = text[:end].strip(" -:：x×")[:MAX_ZH_PRODUCT_CHARS].strip()
    if not re.search(r"[A-Za-z\u3400-\u9fff]", product):
        return None, False
    return product, False


def _before(segment: str, zh: bool) -> tuple[str | None, bool]:
    """The product named ahead of a quantity; ``True`` when a quantity label precedes it."""
    segment = segment.rstrip(" \t-–:：=x×")
    labelled = bool(_QTY_LABEL_END.search(segment + ":"))
    segment = _QTY_LABEL_END.sub("", segment + ":").rstrip(" \t-–:：=x×")
    if zh or (_CJK.search(segment[-1:] or "") is not None):
        text = segment.strip()
        changed = True
        while changed and text:
            changed = False
            for lead in ZH_LEAD_INS:
                if text.startswith(lead):
                    text, changed = text[len(lead):].strip(), True
        tail = re.search(r"[\u3400-\u9fffA-Za-z0-9][\u3400-\u9fffA-Za-z0-9 \-/+.]*$", text)
        product = tail.group().strip()[-MAX_ZH_PRODUCT_CHARS:] if tail else ""
        return (product or None), labelled
    words = segment.split()
    start = 0
    for i, word in enumerate(words):
        if _strip_word(word) in EN_LEAD_INS:
            start = i + 1
    taken = [w.strip(".,:;!?\"'()[]") for w in words[start:]][-MAX_PRODUCT_WORDS:]
    product = " ".join(w for w in taken if w)
    return (product or None), labelled


def _clause_start(text: str, lower: int, at: int) -> int:
    start = lower
    for m in _CLAUSE_BREAK.finditer(text, lower, at):
        start = m.end()
    return start


def _clause_end(text: str, at: int, upper: int) -> int:
    m = _AFTER_BREAK.search(text, at, upper)
    return m.start() if m else upper


def extract_inquiry(text: str) -> list[InquiryItem]:
    """The items a message asks for, in the order written; ``[]`` when none are stated."""
    source = unicodedata.normalize("NFKC", text)
    masked = _mask(source)
    labels = [(m.start(), m["value"].strip()) for m in _PRODUCT_LINE.finditer(source)]
    found = list(_candidates(masked))
    items: list[InquiryItem] = []
    previous_end = 0
    for i, cand in enumerate(found):
        # A bare number ahead (``size 42``) may belong to this product's name.
        upper = next((f.start for f in found[i + 1:] if f.unit or f.marked), len(source))
        after = source[cand.end:_clause_end(source, cand.end, upper)]
        if cand.zh or _CJK.match(after.lstrip()[:1]):
            product, not_product = _after_zh(after)
        else:
            product, not_product = _after_en(after)
        if not_product:
            previous_end = cand.end
            continue
        if product is None:
            segment = source[_clause_start(source, previous_end, cand.start):cand.start]
            before, labelled = _before(segment, cand.zh)
            if cand.unit is None and not (cand.marked or labelled):
                previous_end = cand.end
                continue
            product = before
            if product is None:
                product = next((v for at, v in reversed(labels) if at < cand.start), None)
        previous_end = cand.end
        if product:
            items.append(InquiryItem(product=product[:200], quantity=cand.quantity,
                                     unit=cand.unit))
    return items
