"""Reading imaplib's raw FETCH replies: the parenthesised lists and BODYSTRUCTURE.

imaplib returns FETCH data unparsed (bytes lines, with string literals split out
as ``(prefix, literal)`` tuples) and has no BODYSTRUCTURE support. Reading the
structure is what lets the connector download only headers and text parts and
keep attachments as metadata, so this module does the minimum on top of imaplib:
tokenise the RFC 3501 list syntax and walk the body structure. Everything else
(headers, transfer encodings, charsets) is left to the ``email`` package.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from email.header import decode_header, make_header
from email.utils import decode_rfc2231
from urllib.parse import unquote

from connectors.email.models import Attachment

Value = str | bytes | None | list["Value"]
"""NIL → None, atoms and quoted strings → str, literals → bytes, lists → list."""

_TOKEN = re.compile(rb'\s*(?:(\()|(\))|"((?:[^"\\]|\\.)*)"|([^\s()"]+))')
_LITERAL_MARK = re.compile(rb"\{(\d+)\+?\}\s*$")


class FetchParseError(ValueError):
    """The server's FETCH reply does not follow RFC 3501's syntax."""


def _tokens(data: Sequence[bytes | tuple[bytes, bytes] | None]) -> Iterator[object]:
    for item in data:
        if item is None:
            continue
        if isinstance(item, tuple):
            prefix, literal = item[0], item[1]
            mark = _LITERAL_MARK.search(prefix)
            if mark is None:
                raise FetchParseError(f"literal without a {{n}} marker after {prefix[-40:]!r}")
            yield from _line_tokens(prefix[:mark.start()])
            yield literal
            continue
        yield from _line_tokens(item)


class _Open:  # sentinels, distinct from any value
    pass


class _Close:
    pass


def _line_tokens(line: bytes) -> Iterator[object]:
    pos = 0
    while pos < len(line):
        match = _TOKEN.match(line, pos)
        if match is None:
            if line[pos:].strip():
                raise FetchParseError(f"unexpected bytes {line[pos:pos + 40]!r}")
            return
        pos = match.end()
        opened, closed, quoted, atom = match.groups()
        if opened:
            yield _Open
        elif closed:
            yield _Close
        elif quoted is not None:
            yield re.sub(rb"\\(.)", rb"\1", quoted).decode("utf-8", "replace")
        elif atom is not None:
            text = atom.decode("utf-8", "replace")
            yield None if text.upper() == "NIL" else text


def parse_fetch(data: Sequence[bytes | tuple[bytes, bytes] | None]) -> list[tuple[str, dict[str, Value]]]:
    """``[(sequence number, {ITEM: value})]`` for each message in a FETCH reply."""
    stack: list[list[Value]] = [[]]
    for token in _tokens(data):
        if token is _Open:
            stack.append([])
        elif token is _Close:
            if len(stack) == 1:
                raise FetchParseError("unbalanced ')' in FETCH reply")
            done = stack.pop()
            stack[-1].append(done)
        else:
            stack[-1].append(token)  # type: ignore[arg-type]
    if len(stack) != 1:
        raise FetchParseError("unbalanced '(' in FETCH reply")
    top = stack[0]
    messages: list[tuple[str, dict[str, Value]]] = []
    for i in range(0, len(top) - 1, 2):
        seq, items = top[i], top[i + 1]
        if not isinstance(seq, str) or not isinstance(items, list) or len(items) % 2:
            raise FetchParseError(f"malformed FETCH item near {seq!r}")
        messages.append((seq, {str(items[j]).upper(): items[j + 1]
                               for j in range(0, len(items), 2)}))
    return messages


@dataclass(frozen=True)
class Leaf:
    """One non-multipart body part, as BODYSTRUCTURE describes it."""

    part: str
    content_type: str
    params: dict[str, str]
    content_id: str | None
    encoding: str | None
    size: int
    disposition: str | None
    disposition_params: dict[str, str]

    @property
    def filename(self) -> str | None:
        name = self.disposition_params.get("filename") or self.params.get("name")
        return _decode_words(name) if name else None

    @property
    def is_body_text(self) -> bool:
        return (self.content_type in ("text/plain", "text/html")
                and self.disposition != "attachment" and self.filename is None)

    def attachment(self) -> Attachment:
        return Attachment(part=self.part, filename=self.filename, content_type=self.content_type,
                          size=self.size, content_id=self.content_id,
                          inline=self.disposition == "inline")


def _text(value: Value) -> str | None:
    if value is None or isinstance(value, list):
        return None
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else value


def _decode_words(value: str) -> str:
    """RFC 2047 words (``=?UTF-8?B?...?=``) are common in attachment names, though illegal."""
    try:
        return str(make_header(decode_header(value)))
    except (ValueError, LookupError, UnicodeDecodeError):
        return value


def _params(value: Value) -> dict[str, str]:
    if not isinstance(value, list):
        return {}
    pairs = [(str(_text(value[i]) or "").lower(), _text(value[i + 1]) or "")
             for i in range(0, len(value) - 1, 2)]
    out: dict[str, str] = {}
    continued: dict[str, list[tuple[str, str]]] = {}
    for key, val in pairs:
        if "*" in key:  # RFC 2231: name*=utf-8''..., name*0*=..., name*1*=...
            continued.setdefault(key.split("*", 1)[0], []).append((key, val))
        else:
            out[key] = val
    for base, parts in continued.items():
        parts.sort(key=lambda kv: int(re.sub(r"\D", "", kv[0].split("*", 1)[1]) or 0))
        encoded = any(k.endswith("*") for k, _ in parts)
        raw = "".join(v for _, v in parts)
        if encoded:
            charset, _lang, value = decode_rfc2231(raw)
            try:
                out[base] = unquote(value, encoding=charset or "utf-8", errors="replace")
            except LookupError:  # unknown charset name
                out[base] = unquote(value, encoding="utf-8", errors="replace")
        else:
            out.setdefault(base, raw)
    return out


def _leaf(node: list[Value], part: str) -> Leaf:
    if len(node) < 7:
        raise FetchParseError(f"body part {part} has too few fields")
    ctype = f"{(_text(node[0]) or 'application').lower()}/{(_text(node[1]) or 'octet-stream').lower()}"
    # Extension data starts after the basic fields: text/* has a line count,
    # message/rfc822 has envelope, body and line count.
    ext = 8 if ctype.startswith("text/") else 10 if ctype == "message/rfc822" else 7
    disposition_node = node[ext + 1] if len(node) > ext + 1 else None
    disposition, dparams = None, {}
    if isinstance(disposition_node, list) and disposition_node:
        disposition = (_text(disposition_node[0]) or "").lower() or None
        dparams = _params(disposition_node[1] if len(disposition_node) > 1 else None)
    size_text = _text(node[6]) or "0"
    return Leaf(part=part, content_type=ctype, params=_params(node[2]),
                content_id=_text(node[3]), encoding=(_text(node[5]) or "").lower() or None,
                size=int(size_text) if size_text.isdigit() else 0,
                disposition=disposition, disposition_params=dparams)


def body_leaves(structure: Value) -> list[Leaf]:
    """Every leaf part in document order; an attached message is one leaf."""
    if not isinstance(structure, list):
        raise FetchParseError("BODYSTRUCTURE is not a list")
    leaves: list[Leaf] = []

    def walk(node: list[Value], prefix: str) -> None:
        if node and isinstance(node[0], list):  # multipart: 1*body SP subtype [ext]
            children: list[list[Value]] = []
            for child in node:
                if not isinstance(child, list):
                    break
                children.append(child)
            for index, child in enumerate(children, start=1):
                walk(child, f"{prefix}.{index}" if prefix else str(index))
        else:
            leaves.append(_leaf(node, prefix or "1"))

    walk(structure, "")
    return leaves
