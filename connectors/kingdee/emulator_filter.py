"""The subset of ExecuteBillQuery's SQL-like FilterString the emulator understands.

Kingdee hands FilterString to SQL Server; the emulator cannot, so it evaluates the
forms integrations actually send: comparisons (``= <> != > >= < <=``), ``IN (...)``,
``LIKE``, ``IS [NOT] NULL``, ``AND``/``OR``/``NOT`` and parentheses, with quoted strings
(``''`` escapes a quote) and numbers. Anything else raises ``FilterSyntaxError``, which
the emulator answers the way Kingdee answers a bad query (a wrapped ResponseStatus).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

Resolver = Callable[[str], Any]
Predicate = Callable[[Resolver], bool]

_TOKEN = re.compile(r"""\s*(?:
    (?P<str>'(?:[^']|'')*')
  | (?P<num>-?\d+(?:\.\d+)?)
  | (?P<op><>|!=|>=|<=|=|>|<)
  | (?P<punct>[(),])
  | (?P<word>[A-Za-z_][A-Za-z0-9_.]*)
)""", re.VERBOSE)


class FilterSyntaxError(ValueError):
    pass


@dataclass
class _Tok:
    kind: str
    text: str


def _tokens(text: str) -> list[_Tok]:
    out: list[_Tok] = []
    pos = 0
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        match = _TOKEN.match(text, pos)
        if not match or match.end() == pos:
            raise FilterSyntaxError(f"FilterString: unexpected text at {pos}: {text[pos:pos+20]!r}")
        kind = match.lastgroup or ""
        out.append(_Tok(kind, match.group(kind)))
        pos = match.end()
    return out


def _scalar(tok: _Tok) -> Any:
    if tok.kind == "str":
        return tok.text[1:-1].replace("''", "'")
    if tok.kind == "num":
        return float(tok.text) if "." in tok.text else int(tok.text)
    raise FilterSyntaxError(f"FilterString: expected a value, got {tok.text!r}")


def _as_datetime(value: Any) -> datetime | None:
    if isinstance(value, str) and len(value) >= 10 and value[4:5] == "-":
        try:
            return datetime.fromisoformat(value.replace(" ", "T", 1))
        except ValueError:
            return None
    return None


def compare(left: Any, right: Any) -> int | None:
    """-1/0/1 as SQL would order them; None when either side is NULL."""
    if left is None or right is None:
        return None
    ld, rd = _as_datetime(left), _as_datetime(right)
    if ld is not None and rd is not None:
        a, b = ld, rd
    elif isinstance(left, (int, float)) and not isinstance(left, bool) and isinstance(
            right, (int, float, str)):
        try:
            a, b = float(left), float(right)
        except ValueError:
            a, b = str(left), str(right)
    elif isinstance(left, bool):
        a, b = str(int(left)), str(right)
    else:
        a, b = str(left), str(right)
    return (a > b) - (a < b)  # type: ignore[operator]


_OPS: dict[str, Callable[[int], bool]] = {
    "=": lambda c: c == 0, "<>": lambda c: c != 0, "!=": lambda c: c != 0,
    ">": lambda c: c > 0, ">=": lambda c: c >= 0, "<": lambda c: c < 0, "<=": lambda c: c <= 0,
}


class _Parser:
    def __init__(self, text: str) -> None:
        self.toks = _tokens(text)
        self.i = 0

    def peek(self) -> _Tok | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def take(self) -> _Tok:
        tok = self.peek()
        if tok is None:
            raise FilterSyntaxError("FilterString ends too early")
        self.i += 1
        return tok

    def keyword(self, word: str) -> bool:
        tok = self.peek()
        if tok is not None and tok.kind == "word" and tok.text.upper() == word:
            self.i += 1
            return True
        return False

    def expr(self) -> Predicate:
        parts = [self.term()]
        while self.keyword("OR"):
            parts.append(self.term())
        return parts[0] if len(parts) == 1 else (lambda r: any(p(r) for p in parts))

    def term(self) -> Predicate:
        parts = [self.factor()]
        while self.keyword("AND"):
            parts.append(self.factor())
        return parts[0] if len(parts) == 1 else (lambda r: all(p(r) for p in parts))

    def factor(self) -> Predicate:
        if self.keyword("NOT"):
            inner = self.factor()
            return lambda r: not inner(r)
        tok = self.peek()
        if tok is not None and tok.text == "(":
            self.take()
            inner = self.expr()
            if self.take().text != ")":
                raise FilterSyntaxError("FilterString: missing ')'")
            return inner
        return self.comparison()

    def comparison(self) -> Predicate:
        field_tok = self.take()
        if field_tok.kind != "word":
            raise FilterSyntaxError(f"FilterString: expected a field key, got {field_tok.text!r}")
        name = field_tok.text
        if self.keyword("IS"):
            negate = self.keyword("NOT")
            if not self.keyword("NULL"):
                raise FilterSyntaxError("FilterString: expected NULL after IS")
            return lambda r: (r(name) is None) != negate
        negate = self.keyword("NOT")
        if self.keyword("IN"):
            if self.take().text != "(":
                raise FilterSyntaxError("FilterString: expected '(' after IN")
            values = [_scalar(self.take())]
            while (tok := self.take()).text == ",":
                values.append(_scalar(self.take()))
            if tok.text != ")":
                raise FilterSyntaxError("FilterString: expected ')' closing IN")
            return lambda r: any(compare(r(name), v) == 0 for v in values) != negate
        if self.keyword("LIKE"):
            pattern = str(_scalar(self.take()))
            regex = re.compile("^" + re.escape(pattern).replace("%", ".*").replace("_", ".")
                               + "$", re.IGNORECASE | re.DOTALL)
            return lambda r: (r(name) is not None and bool(regex.match(str(r(name))))) != negate
        if negate:
            raise FilterSyntaxError("FilterString: NOT must precede IN or LIKE here")
        op_tok = self.take()
        if op_tok.kind != "op":
            raise FilterSyntaxError(f"FilterString: expected an operator after {name}")
        value = _scalar(self.take())
        test = _OPS[op_tok.text]

        def predicate(r: Resolver) -> bool:
            c = compare(r(name), value)
            return c is not None and test(c)
        return predicate


def parse_filter(text: str) -> Predicate:
    if not text or not text.strip():
        return lambda r: True
    parser = _Parser(text)
    predicate = parser.expr()
    leftover = parser.peek()
    if leftover is not None:
        raise FilterSyntaxError(f"FilterString: unexpected {leftover.text!r}")
    return predicate
