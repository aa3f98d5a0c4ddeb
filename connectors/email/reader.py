"""Fetch messages by UID into ``ParsedEmail``: headers and structure first, then text only.

Two round trips per batch: one FETCH of headers + BODYSTRUCTURE for all UIDs, then
one FETCH per distinct set of text-part numbers (most mail shares "1" or "1.1"/"1.2").
Attachment bodies are never requested; their metadata comes from BODYSTRUCTURE.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Sequence

from connectors.email.fetchparse import FetchParseError, Leaf, Value, body_leaves
from connectors.email.imap import FetchItems, ImapSession
from connectors.email.mime import (
    addresses,
    decode_part,
    header_date,
    header_text,
    html_to_text,
    internal_date,
    is_automated,
    message_id,
    message_ids,
    parse_headers,
)
from connectors.email.models import ParsedEmail

log = logging.getLogger(__name__)

META_ITEMS = "(UID RFC822.SIZE INTERNALDATE BODYSTRUCTURE BODY.PEEK[HEADER])"


def _bytes(value: Value) -> bytes:
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        return value.encode("utf-8")
    return b""


def _text_parts(leaves: list[Leaf]) -> tuple[list[Leaf], bool]:
    """Readable body parts: the plain ones, else the HTML ones (then html_only)."""
    plain = [leaf for leaf in leaves if leaf.is_body_text and leaf.content_type == "text/plain"]
    if plain:
        return plain, False
    html = [leaf for leaf in leaves if leaf.is_body_text and leaf.content_type == "text/html"]
    return html, bool(html)


def _part_items(parts: Sequence[str], single: bool) -> str:
    if single:
        return "(UID BODY.PEEK[TEXT])"
    return "(UID " + " ".join(f"BODY.PEEK[{p}.MIME] BODY.PEEK[{p}]" for p in parts) + ")"


def read_messages(session: ImapSession, mailbox: str, uidvalidity: int, uids: Sequence[int],
                  *, max_chars: int) -> list[ParsedEmail]:
    """Parsed messages in UID order; a message the server garbles is logged and skipped."""
    meta = session.fetch(uids, META_ITEMS)
    plans: dict[int, tuple[list[Leaf], bool, bool]] = {}
    groups: dict[tuple[tuple[str, ...], bool], list[int]] = defaultdict(list)
    for uid in sorted(meta):
        try:
            leaves = body_leaves(meta[uid].get("BODYSTRUCTURE"))
        except FetchParseError as exc:
            log.warning("unreadable BODYSTRUCTURE", extra={"mailbox": mailbox, "uid": uid,
                                                           "error": str(exc)})
            leaves = []
        texts, html_only = _text_parts(leaves)
        single = not _is_multipart(meta[uid])
        plans[uid] = (leaves, html_only, single)
        if texts:
            groups[(tuple(leaf.part for leaf in texts), single)].append(uid)

    bodies: dict[int, FetchItems] = {}
    for (parts, single), group in groups.items():
        bodies.update(session.fetch(group, _part_items(parts, single)))

    mails = []
    for uid in sorted(meta):
        leaves, html_only, single = plans[uid]
        texts, _ = _text_parts(leaves)
        mails.append(_parse(mailbox, uidvalidity, uid, meta[uid], bodies.get(uid, {}), leaves,
                            texts, html_only, single, max_chars))
    return mails


def _is_multipart(items: FetchItems) -> bool:
    structure = items.get("BODYSTRUCTURE")
    return isinstance(structure, list) and bool(structure) and isinstance(structure[0], list)


def _parse(mailbox: str, uidvalidity: int, uid: int, meta: FetchItems, body: FetchItems,
           leaves: list[Leaf], texts: list[Leaf], html_only: bool, single: bool,
           max_chars: int) -> ParsedEmail:
    raw_headers = _bytes(meta.get("BODY[HEADER]"))
    headers = parse_headers(raw_headers)
    chunks = []
    for leaf in texts:
        if single:
            content = decode_part(raw_headers, _bytes(body.get("BODY[TEXT]")))
        else:
            content = decode_part(_bytes(body.get(f"BODY[{leaf.part}.MIME]")),
                                  _bytes(body.get(f"BODY[{leaf.part}]")))
        chunks.append(html_to_text(content) if html_only else content.strip())
    text = "\n\n".join(c for c in chunks if c)[:max_chars]
    in_reply_to = message_ids(header_text(headers, "In-Reply-To"))
    size_text = meta.get("RFC822.SIZE")
    internal = meta.get("INTERNALDATE")
    senders = addresses(headers, "From") or addresses(headers, "Sender")
    return ParsedEmail(
        mailbox=mailbox, uid=uid, uidvalidity=uidvalidity,
        message_id=message_id(headers, raw_headers),
        subject=header_text(headers, "Subject"),
        sender=senders[0] if senders else None,
        reply_to=addresses(headers, "Reply-To"),
        to=addresses(headers, "To"), cc=addresses(headers, "Cc"),
        date=header_date(headers) or internal_date(internal if isinstance(internal, str) else None),
        in_reply_to=in_reply_to[0] if in_reply_to else None,
        references=message_ids(header_text(headers, "References")),
        text=text, html_only=html_only,
        attachments=[leaf.attachment() for leaf in leaves if not leaf.is_body_text],
        size=int(size_text) if isinstance(size_text, str) and size_text.isdigit() else 0,
        automated=is_automated(headers),
    )
