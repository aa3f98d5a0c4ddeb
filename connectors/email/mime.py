"""Turning headers and text parts into a ``ParsedEmail`` with the ``email`` package.

RFC 2047 words (``=?GB2312?B?...?=`` subjects, Chinese display names), transfer
encodings and charsets are all the ``email`` package's job under
``policy.default``; this module only decides what to keep and how to read HTML.
"""

from __future__ import annotations

import hashlib
import logging
import re
from datetime import datetime, timedelta, timezone
from email import message_from_bytes
from email.message import EmailMessage, Message
from email.parser import BytesHeaderParser
from email.policy import default as default_policy
from html.parser import HTMLParser

from connectors.email.models import Address

log = logging.getLogger(__name__)

_MSGID = re.compile(r"<[^<>\s]+>")
_BLOCK_TAGS = frozenset({"p", "div", "br", "tr", "li", "ul", "ol", "table", "h1", "h2", "h3",
                         "h4", "h5", "h6", "blockquote", "pre", "hr", "section", "article"})


class _TextExtractor(HTMLParser):
    """Visible text of an HTML body, one line per block, no script or style."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.chunks: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style", "head", "title"):
            self._hidden += 1
        elif tag in _BLOCK_TAGS:
            self.chunks.append("\n")
        elif tag == "td":
            self.chunks.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "head", "title"):
            self._hidden = max(0, self._hidden - 1)
        elif tag in _BLOCK_TAGS:
            self.chunks.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.chunks.append(data)


def html_to_text(html: str) -> str:
    parser = _TextExtractor()
    parser.feed(html)
    parser.close()
    lines = (re.sub(r"[ \t\r\f\v\u00a0]+", " ", line).strip()
             for line in "".join(parser.chunks).split("\n"))
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def parse_headers(raw: bytes) -> EmailMessage:
    message = BytesHeaderParser(policy=default_policy).parsebytes(raw)
    assert isinstance(message, EmailMessage)
    return message


def header_text(message: Message, name: str) -> str:
    """A header decoded from RFC 2047, or '' when absent or unreadable."""
    try:
        value = message.get(name)
    except (ValueError, LookupError, IndexError) as exc:  # malformed header from the wild
        log.info("unreadable header", extra={"header": name, "error": str(exc)})
        return ""
    return " ".join(str(value).split()) if value is not None else ""


def addresses(message: Message, name: str) -> list[Address]:
    try:
        header = message.get(name)
        found = getattr(header, "addresses", ()) if header is not None else ()
    except (ValueError, LookupError, IndexError):
        return []
    result = []
    for addr in found:
        if addr.addr_spec and "@" in addr.addr_spec:
            result.append(Address(name=addr.display_name or None, email=addr.addr_spec.lower()))
    return result


def message_ids(value: str) -> list[str]:
    return _MSGID.findall(value)


def message_id(message: Message, raw_headers: bytes) -> str:
    """The Message-ID, or a stable stand-in derived from the headers when it is missing,
    so the same mail read twice (e.g. after a resync) still gets the same id."""
    found = message_ids(header_text(message, "Message-ID"))
    if found:
        return found[0]
    digest = hashlib.sha256(raw_headers).hexdigest()[:32]
    return f"<{digest}@tradehub.invalid>"


def header_date(message: Message) -> datetime | None:
    try:
        header = message.get("Date")
        when = getattr(header, "datetime", None) if header is not None else None
    except (ValueError, LookupError, IndexError, TypeError):
        return None
    if when is None:
        return None
    return when.replace(tzinfo=timezone.utc) if when.tzinfo is None else when


def internal_date(value: str | None) -> datetime | None:
    """IMAP INTERNALDATE (``17-Jul-1996 02:44:25 -0700``); month names are always English."""
    if not value:
        return None
    match = re.fullmatch(r"\s*(\d{1,2})-(\w{3})-(\d{4}) (\d\d):(\d\d):(\d\d) ([+-])(\d\d)(\d\d)\s*",
                         value)
    if not match:
        return None
    months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
    day, mon, year, hh, mm, ss, sign, oh, om = match.groups()
    if mon.lower() not in months:
        return None
    offset = timedelta(hours=int(oh), minutes=int(om)) * (-1 if sign == "-" else 1)
    local = datetime(int(year), months.index(mon.lower()) + 1, int(day), int(hh), int(mm),
                     int(ss), tzinfo=timezone(offset))
    return local.astimezone(timezone.utc)


def is_automated(message: Message) -> bool:
    auto = header_text(message, "Auto-Submitted").lower()
    precedence = header_text(message, "Precedence").lower()
    return (bool(auto) and auto != "no") or precedence in ("bulk", "junk", "list") or \
        message.get_content_type() == "multipart/report"


def decode_part(mime_headers: bytes, body: bytes) -> str:
    """Text of one part from its MIME header and encoded body (CTE and charset applied)."""
    part = message_from_bytes(mime_headers.rstrip(b"\r\n") + b"\r\n\r\n" + body,
                              policy=default_policy)
    try:
        content = part.get_content()  # type: ignore[attr-defined]
    except (LookupError, UnicodeError, ValueError):
        payload = part.get_payload(decode=True)
        content = payload.decode("utf-8", "replace") if isinstance(payload, bytes) else ""
    return content if isinstance(content, str) else ""
