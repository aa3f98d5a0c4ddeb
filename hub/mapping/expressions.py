"""Safe expressions: a tiny, whitelisted subset of Python expression syntax.

We reuse Python's own parser (``ast``) rather than writing a string DSL, then allow
only literals, the names ``value`` and ``src``, arithmetic, comparisons, ``and/or/not``,
``x if c else y``, indexing, and calls to the pure functions in ``FUNCTIONS``. No
attribute access (so no dunder escape hatch), no lambdas, comprehensions, f-strings,
``**`` or shifts (so no exponent bombs); ``*`` and ``%`` only take numbers (so no
string or list repetition bombs); string results are capped. The checked tree is
wrapped in a lambda *we* build and compiled once, evaluated with empty builtins.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from hub.mapping.convert import ROUNDING, StepError, describe, to_decimal, to_int, to_str

__all__ = ["ExpressionError", "FUNCTIONS", "compile_expression"]

MAX_SOURCE = 2000
MAX_TEXT = 100_000
MAX_INT = 10**18


class ExpressionError(ValueError):
    """The expression text is not allowed; ``col`` is 1-based within the text."""

    def __init__(self, message: str, col: int = 1) -> None:
        super().__init__(message)
        self.col = col


def _text(s: object) -> str:
    if len(s) > MAX_TEXT:  # type: ignore[arg-type]
        raise StepError(f"expression result longer than {MAX_TEXT} characters")
    return s  # type: ignore[return-value]


def _need_str(s: object, fn: str) -> str:
    if type(s) is not str:
        raise StepError(f"{fn}() needs text, got {type(s).__name__} {describe(s)}")
    return s  # type: ignore[return-value]


def _num(x: object) -> Decimal | int:
    if type(x) in (int, Decimal):
        return x  # type: ignore[return-value]
    if type(x) is float:
        return Decimal(repr(x))
    raise StepError(f"expected a number, got {type(x).__name__} {describe(x)}")


def _mul(a: object, b: object) -> object:
    return _num(a) * _num(b)  # type: ignore[operator]


def _mod(a: object, b: object) -> object:
    return _num(a) % _num(b)  # type: ignore[operator]


def _round(x: object, places: object = 0) -> Decimal:
    if type(places) is not int or not 0 <= places <= 20:
        raise StepError("round() places must be a whole number from 0 to 20")
    return Decimal(_num(x)).quantize(Decimal(1).scaleb(-places), rounding=ROUNDING["half_up"])


def _concat(*parts: object) -> str:
    return _text("".join(to_str(p) for p in parts if p is not None))


def _join(sep: object, items: object) -> str:
    if not isinstance(items, (list, tuple)):
        raise StepError(f"join() needs a list, got {type(items).__name__}")
    return _text(_need_str(sep, "join").join(to_str(i) for i in items if i is not None))


def _split(s: object, sep: object = ",") -> list[str]:
    return [p.strip() for p in _need_str(s, "split").split(_need_str(sep, "split"))
            if p.strip()]


def _replace(s: object, old: object, new: object) -> str:
    return _text(_need_str(s, "replace").replace(_need_str(old, "replace"),
                                                  _need_str(new, "replace")))


def _coalesce(*xs: object) -> object:
    for x in xs:
        if x is not None and x != "":
            return x
    return None


def _get(obj: object, key: object, default: object = None) -> object:
    if isinstance(obj, dict):
        return obj.get(key, default)
    if isinstance(obj, (list, tuple)) and type(key) is int:
        return obj[key] if -len(obj) <= key < len(obj) else default
    return default


FUNCTIONS: dict[str, Callable[..., Any]] = {
    "abs": lambda x: abs(_num(x)),
    "coalesce": _coalesce,
    "concat": _concat,
    "decimal": to_decimal,
    "get": _get,
    "int": to_int,
    "join": _join,
    "len": lambda x: len(x) if isinstance(x, (str, list, tuple, dict)) else 0,
    "lower": lambda s: _need_str(s, "lower").lower(),
    "max": lambda *xs: max(xs),
    "min": lambda *xs: min(xs),
    "replace": _replace,
    "round": _round,
    "split": _split,
    "str": to_str,
    "strip": lambda s: _need_str(s, "strip").strip(),
    "substr": lambda s, start, end=None: _need_str(s, "substr")[start:end],
    "title": lambda s: _need_str(s, "title").title(),
    "upper": lambda s: _need_str(s, "upper").upper(),
}
"""The only callables an expression can reach; all pure, none touch files or network."""

VARIABLES = ("value", "src")

_ALLOWED: tuple[type[ast.AST], ...] = (
    ast.Expression, ast.BoolOp, ast.And, ast.Or, ast.BinOp, ast.Add, ast.Sub, ast.Mult,
    ast.Div, ast.FloorDiv, ast.Mod, ast.UnaryOp, ast.USub, ast.UAdd, ast.Not, ast.IfExp,
    ast.Compare, ast.Eq, ast.NotEq, ast.Lt, ast.LtE, ast.Gt, ast.GtE, ast.In, ast.NotIn,
    ast.Is, ast.IsNot, ast.Call, ast.Constant, ast.Name, ast.Load, ast.Subscript, ast.Slice,
    ast.List, ast.Tuple,
)
_NAMES = {
    ast.Attribute: "attribute access ('.')", ast.Lambda: "lambda",
    ast.ListComp: "comprehensions", ast.SetComp: "comprehensions",
    ast.DictComp: "comprehensions", ast.GeneratorExp: "comprehensions",
    ast.Pow: "'**'", ast.LShift: "'<<'", ast.RShift: "'>>'", ast.JoinedStr: "f-strings",
    ast.NamedExpr: "':='", ast.Starred: "'*' unpacking", ast.Await: "await",
    ast.Yield: "yield", ast.Dict: "dict literals", ast.Set: "set literals",
}


def _reject(node: ast.AST, why: str) -> ExpressionError:
    return ExpressionError(why, getattr(node, "col_offset", 0) + 1)


class _Check(ast.NodeTransformer):
    def __init__(self) -> None:
        self.constants: dict[str, object] = {}

    def generic_visit(self, node: ast.AST) -> ast.AST:
        if not isinstance(node, _ALLOWED):
            what = _NAMES.get(type(node), type(node).__name__)
            raise _reject(node, f"not allowed in an expression: {what}")
        return super().generic_visit(node)

    def visit_Name(self, node: ast.Name) -> ast.AST:
        if node.id not in VARIABLES and node.id not in FUNCTIONS:
            raise _reject(node, f"unknown name '{node.id}' (use value, src or one of: "
                                f"{', '.join(sorted(FUNCTIONS))})")
        if node.id in FUNCTIONS:
            raise _reject(node, f"'{node.id}' is a function; call it: {node.id}(...)")
        return node

    def visit_Call(self, node: ast.Call) -> ast.AST:
        if isinstance(node.func, ast.Attribute):
            raise _reject(node.func, "not allowed in an expression: attribute access ('.')")
        if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS:
            name = node.func.id if isinstance(node.func, ast.Name) else None
            raise _reject(node, f"'{name}' is not an allowed function" if name else
                          "only the listed functions can be called")
        if node.keywords:
            raise _reject(node, "keyword arguments are not allowed in an expression")
        node.args = [self.visit(a) for a in node.args]
        return node

    def visit_Constant(self, node: ast.Constant) -> ast.AST:
        v = node.value
        if isinstance(v, (bytes, complex)) or v is Ellipsis:
            raise _reject(node, f"{type(v).__name__} literals are not allowed")
        if isinstance(v, str) and len(v) > 1000:
            raise _reject(node, "text literals are limited to 1000 characters")
        if isinstance(v, int) and not isinstance(v, bool) and abs(v) > MAX_INT:
            raise _reject(node, "number literals are limited to 18 digits")
        if isinstance(v, float):
            name = f"_k{len(self.constants)}"
            self.constants[name] = Decimal(repr(v))
            return ast.copy_location(ast.Name(name, ast.Load()), node)
        return node

    def visit_BinOp(self, node: ast.BinOp) -> ast.AST:
        self.generic_visit(node)
        helper = {ast.Mult: "_mul", ast.Mod: "_mod"}.get(type(node.op))
        if helper is None:
            return node
        call = ast.Call(ast.Name(helper, ast.Load()), [node.left, node.right], [])
        return ast.copy_location(call, node)


def compile_expression(source: str) -> Callable[[object, object], object]:
    """Check and compile ``source`` once into ``f(value, src)``; raises ExpressionError."""
    if len(source) > MAX_SOURCE:
        raise ExpressionError(f"expressions are limited to {MAX_SOURCE} characters")
    try:
        tree = ast.parse(source.strip(), mode="eval")
    except SyntaxError as exc:
        raise ExpressionError(f"not a valid expression: {exc.msg}", exc.offset or 1) from None
    except (RecursionError, MemoryError, ValueError):
        raise ExpressionError("expression is nested too deeply") from None
    check = _Check()
    try:
        body = check.visit(tree).body
    except RecursionError:
        raise ExpressionError("expression is nested too deeply") from None
    args = ast.arguments(posonlyargs=[], args=[ast.arg("value"), ast.arg("src")],
                         kwonlyargs=[], kw_defaults=[], defaults=[])
    wrapper = ast.Expression(ast.Lambda(args, body))
    ast.fix_missing_locations(wrapper)
    namespace: dict[str, object] = {"__builtins__": {}, "_mul": _mul, "_mod": _mod,
                                    **FUNCTIONS, **check.constants}
    try:
        code = compile(wrapper, "<mapping expression>", "eval")
    except (RecursionError, MemoryError, ValueError):
        raise ExpressionError("expression is nested too deeply") from None
    return eval(code, namespace)  # noqa: S307 - a checked tree, no builtins
