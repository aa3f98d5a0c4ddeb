"""The email connector's cursor: per-mailbox (UIDVALIDITY, last UID) plus recent Message-IDs.

UIDs only mean something under one UIDVALIDITY (RFC 3501 §2.3.1.1): when it changes,
every UID the hub remembers is void and the mailbox is read again from the start.
What keeps that resync from turning old mail into new leads is the window of
Message-ID digests carried in the same cursor string, so it is committed atomically
with the leads by the sync engine's checkpoint and survives restarts with them.
"""

from __future__ import annotations

import base64
import hashlib
from collections import deque

from pydantic import BaseModel, Field, ValidationError

from hub.errors import FatalError

_DIGEST_BYTES = 6  # 48 bits: collision odds ~1e-6 at a 20,000-message window


class MailboxState(BaseModel):
    uidvalidity: int = Field(ge=1)
    last_uid: int = Field(0, ge=0)


class _Wire(BaseModel):
    v: int = 1
    mailboxes: dict[str, MailboxState] = Field(default_factory=dict)
    seen: str = Field("", description="Base64 of concatenated Message-ID digests, oldest first.")


def message_digest(message_id: str) -> bytes:
    return hashlib.blake2b(message_id.encode("utf-8"), digest_size=_DIGEST_BYTES).digest()


class EmailCursor:
    """Mutable while a read runs; ``dump()`` gives the string the engine persists."""

    def __init__(self, *, window: int, mailboxes: dict[str, MailboxState] | None = None,
                 seen: list[bytes] | None = None) -> None:
        self.window = window
        self.mailboxes: dict[str, MailboxState] = dict(mailboxes or {})
        self._order: deque[bytes] = deque(seen or [], maxlen=window)
        self._seen: set[bytes] = set(self._order)

    @classmethod
    def load(cls, text: str | None, *, window: int) -> EmailCursor:
        if not text:
            return cls(window=window)
        try:
            wire = _Wire.model_validate_json(text)
            raw = base64.b64decode(wire.seen, validate=True)
        except (ValidationError, ValueError) as exc:
            raise FatalError(f"email cursor is not one this connector wrote: {exc}") from exc
        if len(raw) % _DIGEST_BYTES:
            raise FatalError("email cursor's Message-ID window is truncated")
        digests = [raw[i:i + _DIGEST_BYTES] for i in range(0, len(raw), _DIGEST_BYTES)]
        return cls(window=window, mailboxes=wire.mailboxes, seen=digests[-window:])

    def dump(self) -> str:
        seen = base64.b64encode(b"".join(self._order)).decode("ascii")
        return _Wire(mailboxes=self.mailboxes, seen=seen).model_dump_json()

    def has_seen(self, message_id: str) -> bool:
        return message_digest(message_id) in self._seen

    def remember(self, message_id: str) -> None:
        digest = message_digest(message_id)
        if digest in self._seen:
            return
        if len(self._order) == self.window:
            self._seen.discard(self._order[0])
        self._order.append(digest)
        self._seen.add(digest)

    def position(self, mailbox: str, uidvalidity: int) -> int:
        """The last UID read in ``mailbox``; 0 (read everything) if UIDVALIDITY changed."""
        state = self.mailboxes.get(mailbox)
        if state is None or state.uidvalidity != uidvalidity:
            return 0
        return state.last_uid

    def advance(self, mailbox: str, uidvalidity: int, last_uid: int) -> None:
        self.mailboxes[mailbox] = MailboxState(uidvalidity=uidvalidity, last_uid=last_uid)
