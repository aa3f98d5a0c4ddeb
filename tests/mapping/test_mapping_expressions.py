"""Safe expressions: what they can do, and the attacks they must refuse at load time."""

from __future__ import annotations

from decimal import Decimal

import pytest

from hub.mapping.convert import StepError
from hub.mapping.expressions import ExpressionError, compile_expression


def run(src: str, value: object = None, record: object = None) -> object:
    return compile_expression(src)(value, record or {})


def test_expressions_compute_with_value_src_and_the_pure_functions() -> None:
    assert run("upper(value) + '-' + src['cc']", "ab", {"cc": "cn"}) == "AB-cn"
    assert run("value * 1.1", Decimal("10")) == Decimal("11.0")       # float literal → Decimal
    assert run("round(value / 3, 2)", Decimal("10")) == Decimal("3.33")
    assert run("coalesce(src['a'], src['b'], 'none')", None, {"a": None, "b": ""}) == "none"
    assert run("'VIP' if 'vip' in split(value, ';') else None", "new;vip") == "VIP"
    assert run("get(src, 'missing', 0) + len(value)", "深圳") == 2
    assert run("substr(value, 0, 2)", "深圳市") == "深圳"
    assert run("join(', ', [src['a'], src['b']])", None, {"a": "x", "b": None}) == "x"


@pytest.mark.parametrize(("source", "why"), [
    ("__import__('os').system('id')", "attribute access"),
    ("__import__('os')", "'__import__' is not an allowed function"),
    ("open('/etc/passwd')", "'open' is not an allowed function"),
    ("eval('1')", "'eval' is not an allowed function"),
    ("value.__class__.__mro__", "attribute access"),
    ("().__class__.__bases__[0].__subclasses__()", "attribute access"),
    ("upper.__globals__", "attribute access"),
    ("__builtins__", "unknown name '__builtins__'"),
    ("_mul", "unknown name '_mul'"),
    ("lambda: 1", "lambda"),
    ("[x for x in value]", "comprehensions"),
    ("[[x for x in range(10**9)] for y in range(10**9)]", "comprehensions"),
    ("{x: 1 for x in value}", "comprehensions"),
    ("(x for x in value)", "comprehensions"),
    ("9 ** 9 ** 9", "'**'"),
    ("1 << 100000000", "'<<'"),
    ("f'{value:>999999999}'", "f-strings"),
    ("(y := 1)", "':='"),
    ("upper(*value)", "'*' unpacking"),
    ("round(value, ndigits=2)", "keyword arguments"),
    ("{'a': 1}", "dict literals"),
    ("upper", "is a function"),
    ("value; import os", "not a valid expression"),
    ("import os", "not a valid expression"),
    ("x" * 3000, "limited to 2000 characters"),
    ("(" * 500 + "1" + ")" * 500, "too many nested parentheses"),
    ("-" * 1900 + "1", "nested too deeply"),
    ("'" + "a" * 1500 + "'", "limited to 1000 characters"),
    ("10000000000000000000", "limited to 18 digits"),
    ("b'bytes'", "bytes literals"),
])
def test_attacks_are_refused_when_the_mapping_loads(source: str, why: str) -> None:
    with pytest.raises(ExpressionError, match=None) as info:
        compile_expression(source)
    assert why in str(info.value)


@pytest.mark.parametrize("source", [
    "'a' * 100000000",           # string repetition bomb: * takes numbers only
    "[1] * 100000000",
    "'%s' % value",              # % formatting on text
    "replace(replace(replace(replace(value, '', 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx'), '', "
    "'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx'), '', 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx'), '', 'x')",
])
def test_resource_bombs_fail_at_run_time_as_a_record_error(source: str) -> None:
    fn = compile_expression(source)
    with pytest.raises(StepError):
        fn("abcdefghij", {})


def test_the_evaluation_namespace_has_no_builtins() -> None:
    fn = compile_expression("value")
    assert fn.__globals__["__builtins__"] == {}
    assert "open" not in fn.__globals__ and "__import__" not in fn.__globals__
