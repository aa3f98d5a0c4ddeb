"""Each named transform at its edges: empty, null, wrong type, Unicode, Decimal precision."""

from __future__ import annotations

from datetime import date, datetime, timezone
from decimal import Decimal
from typing import Any

import pytest

from hub.mapping.convert import StepError
from hub.mapping.lookups import LookupTable
from hub.mapping.steps import STEPS, Built, BuildContext

UTC = timezone.utc
TABLE = LookupTable("countries", {"China": "CN", "中国": "CN", "Germany": "DE", "1": "X"},
                    None, reverse_overrides={"CN": "China"}, ignore_case=True)  # type: ignore[arg-type]
CTX = BuildContext({"countries": TABLE})


def step(name: str, arg: Any = None) -> Built:
    built = STEPS[name].builder(arg, CTX)
    assert isinstance(built, Built), built
    return built


# --- decimal -------------------------------------------------------------------------

@pytest.mark.parametrize(("raw", "want"), [
    ("12.50", Decimal("12.50")),
    ("  7 ", Decimal("7")),
    (3, Decimal(3)),
    (0.1, Decimal("0.1")),                       # shortest repr, not binary noise
    ("12345678901234567890.123456", Decimal("12345678901234567890.123456")),
    ("", None),
    ("   ", None),
    (Decimal("1.10"), Decimal("1.10")),
])
def test_decimal_parses_exactly(raw: Any, want: Decimal | None) -> None:
    got = step("decimal").forward(raw)
    assert got == want and (got is None or str(got) == str(want))


@pytest.mark.parametrize("raw", [True, "abc", "NaN", "Infinity", float("nan"), [1], {"a": 1},
                                 "1,234.50"])
def test_decimal_refuses_what_it_cannot_convert_faithfully(raw: Any) -> None:
    with pytest.raises(StepError):
        step("decimal").forward(raw)


def test_decimal_renders_as_exact_text_or_lossless_number() -> None:
    assert step("decimal").inverse(Decimal("1E+3")) == "1000"   # type: ignore[misc]
    assert step("decimal").inverse(Decimal("0.000001")) == "0.000001"  # type: ignore[misc]
    as_number = step("decimal", "number").inverse
    assert as_number(Decimal("12.50")) == 12.5  # type: ignore[misc]
    assert as_number(Decimal("7")) == 7 and isinstance(as_number(Decimal("7")), int)  # type: ignore[misc]
    with pytest.raises(StepError, match="losing digits"):
        as_number(Decimal("12345678901234567.891"))  # type: ignore[misc]


# --- int, bool, string ---------------------------------------------------------------

def test_int_accepts_whole_numbers_only() -> None:
    fwd = step("int").forward
    assert fwd("42") == 42 and fwd(42.0) == 42 and fwd(Decimal("3.00")) == 3 and fwd("") is None
    for bad in ("4.5", 4.5, True, "four", None.__class__):
        with pytest.raises(StepError):
            fwd(bad)


def test_bool_words_in_english_and_chinese_and_custom_values() -> None:
    fwd = step("bool").forward
    assert [fwd(x) for x in ("yes", "N", "TRUE", 0, 1, "是", "否", True, "")] == \
        [True, False, True, False, True, True, False, True, None]
    for bad in (2, "maybe", 1.0, [True]):
        with pytest.raises(StepError):
            fwd(bad)
    custom = step("bool", {"true": "archived", "false": "active"})
    assert custom.forward("archived") is True and custom.forward("active") is False
    assert custom.inverse(True) == "archived" and custom.inverse(False) == "active"  # type: ignore[misc]


def test_string_keeps_unicode_and_formats_numbers_without_exponents() -> None:
    fwd = step("string").forward
    assert fwd("深圳市光明灯具有限公司") == "深圳市光明灯具有限公司"
    assert fwd(10) == "10" and fwd(Decimal("1E+2")) == "100" and fwd(0.5) == "0.5"
    with pytest.raises(StepError):
        fwd(True)
    with pytest.raises(StepError):
        fwd({"a": 1})


# --- dates and times -----------------------------------------------------------------

def test_date_iso_and_custom_formats() -> None:
    iso, dmy = step("date"), step("date", "%d.%m.%Y")
    assert iso.forward("2024-03-01") == date(2024, 3, 1) and iso.forward("") is None
    assert dmy.forward("01.03.2024") == date(2024, 3, 1)
    assert dmy.inverse(date(2024, 3, 1)) == "01.03.2024"  # type: ignore[misc]
    for bad in ("2024-02-30", "01/03/2024", 20240301, datetime(2024, 3, 1)):
        with pytest.raises(StepError):
            iso.forward(bad)


def test_datetime_reads_naive_times_in_the_named_zone_and_returns_utc() -> None:
    sh = step("datetime", {"format": "%Y-%m-%d %H:%M:%S", "timezone": "Asia/Shanghai"})
    got = sh.forward("2024-03-01 08:00:00")
    assert got == datetime(2024, 3, 1, 0, 0, tzinfo=UTC) and got.tzinfo is UTC
    assert sh.inverse(got) == "2024-03-01 08:00:00"  # type: ignore[misc]
    iso = step("datetime")
    assert iso.forward("2024-03-01T08:00:00+02:00") == datetime(2024, 3, 1, 6, tzinfo=UTC)
    assert iso.forward("2024-03-01T08:00:00Z") == datetime(2024, 3, 1, 8, tzinfo=UTC)
    assert iso.forward("2024-03-01T08:00:00") == datetime(2024, 3, 1, 8, tzinfo=UTC)
    assert iso.forward("") is None
    with pytest.raises(StepError):
        iso.forward("yesterday")
    with pytest.raises(StepError):
        iso.forward(1709280000)


def test_datetime_epochs_are_exact_to_the_millisecond() -> None:
    ms = step("datetime", "epoch_ms")
    when = ms.forward(1709251200123)
    assert when == datetime(2024, 3, 1, 0, 0, 0, 123000, tzinfo=UTC)
    assert ms.inverse(when) == 1709251200123  # type: ignore[misc]
    assert step("datetime", "epoch").forward("1709251200") == datetime(2024, 3, 1, tzinfo=UTC)


# --- text ----------------------------------------------------------------------------

def test_case_trim_truncate_on_unicode() -> None:
    assert step("trim").forward("\u3000 深圳 \n") == "深圳"     # ideographic space too
    assert step("upper").forward("straße") == "STRASSE"
    assert step("lower").forward("ÄÖÜ") == "äöü"
    assert step("title").forward("são paulo") == "São Paulo"
    assert step("truncate", 4).forward("深圳市光明灯具") == "深圳市光"
    assert step("truncate", 4).forward("") == ""
    for name in ("trim", "upper", "lower", "title"):
        with pytest.raises(StepError, match="needs text"):
            step(name).forward(12)
        assert step(name).inverse("Kept As Is") == "Kept As Is"  # type: ignore[misc]


def test_split_and_join_are_inverses() -> None:
    s = step("split", ";")
    assert s.forward("vip; 照明 ;;x") == ["vip", "照明", "x"]
    assert s.forward("") == []
    assert s.inverse(["vip", "照明"]) == "vip;照明"  # type: ignore[misc]
    with pytest.raises(StepError):
        s.forward(5)
    j = step("join", ",")
    assert j.forward(["a", "b"]) == "a,b" and j.inverse("a, b") == ["a", "b"]  # type: ignore[misc]


def test_concat_skips_empty_parts_and_format_fills_a_template() -> None:
    c = step("concat", ", ")
    assert c.forward(["1 Keyuan Rd", None, "", "深圳"]) == "1 Keyuan Rd, 深圳"
    assert c.forward([None, ""]) is None and c.inverse is None
    f = step("format", "{0} ({1})")
    assert f.forward(["光明", "CN"]) == "光明 (CN)" and f.forward(None) is None
    assert step("format", "{:.2f}").forward(Decimal("3.14159")) == "3.14"
    with pytest.raises(StepError, match="needs more values"):
        f.forward(["only one"])


@pytest.mark.parametrize("template", ["{0.__class__}", "{0[0]}", "{name}", "{0:>999999999}",
                                      "{0!r}", "{0:{1}}"])
def test_format_templates_cannot_reach_attributes_or_allocate_huge_strings(template: str) -> None:
    assert isinstance(STEPS["format"].builder(template, CTX), str)


# --- numbers -------------------------------------------------------------------------

def test_round_half_up_by_default_and_half_even_on_request() -> None:
    assert step("round", 2).forward(Decimal("2.675")) == Decimal("2.68")
    assert step("round", {"places": 2, "mode": "half_even"}).forward(Decimal("2.665")) == \
        Decimal("2.66")
    assert str(step("round", 2).forward(5)) == "5.00"
    with pytest.raises(StepError, match="convert with 'decimal' first"):
        step("round", 2).forward("2.675")


def test_scale_unit_and_currency_keep_decimal_precision() -> None:
    t_to_kg = step("unit", {"from": "t", "to": "kg"})
    assert t_to_kg.forward(Decimal("12.345")) == Decimal("12345.000")
    assert t_to_kg.inverse(Decimal("12345")) == Decimal("12.345")  # type: ignore[misc]
    lb = step("unit", {"from": "lb", "to": "kg"})
    assert lb.forward(Decimal(1)) == Decimal("0.45359237")
    assert step("scale", "0.01").forward(Decimal("12345")) == Decimal("123.45")
    fixed = step("currency", {"rate": Decimal("7.1")})
    assert fixed.forward(Decimal("100.00")) == Decimal("710.000")
    by_record = step("currency", {"remote_rate": "fx", "canonical_rate": "fx_rate_to_base"})
    assert by_record.forward(Decimal("100"), {"fx": "7.2"}) == Decimal("720.0")
    assert by_record.inverse(Decimal("720"), {"fx_rate_to_base": Decimal("7.2")}) == 100  # type: ignore[misc]
    with pytest.raises(StepError, match="no usable exchange rate"):
        by_record.forward(Decimal("100"), {"fx": None})
    with pytest.raises(StepError, match="needs a decimal"):
        t_to_kg.forward("12")


# --- lookups -------------------------------------------------------------------------

def test_lookup_ignores_case_tolerates_int_keys_and_reverses() -> None:
    lk = step("lookup", "countries")
    assert lk.forward("CHINA") == "CN" and lk.forward("中国") == "CN" and lk.forward(1) == "X"
    assert lk.inverse("CN") == "China" and lk.inverse("DE") == "Germany"  # type: ignore[misc]
    with pytest.raises(StepError, match="'Atlantis' is not in lookup 'countries'"):
        lk.forward("Atlantis")
    with pytest.raises(StepError, match="reverse of lookup"):
        lk.inverse("FR")  # type: ignore[misc]
    with_default = LookupTable("u", {"PCS": "pcs"}, None, default="pcs")  # type: ignore[arg-type]
    fn = STEPS["lookup"].builder("u", BuildContext({"u": with_default}))
    assert isinstance(fn, Built) and fn.forward("BOX") == "pcs"


def test_every_registered_step_is_covered_here() -> None:
    tested = {"decimal", "int", "bool", "string", "date", "datetime", "trim", "upper", "lower",
              "title", "truncate", "split", "join", "concat", "format", "round", "scale", "unit",
              "currency", "lookup", "expr"}
    assert set(STEPS) == tested  # expr has its own module: test_mapping_expressions.py
