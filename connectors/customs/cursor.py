"""The customs cursor: the arrival date imported through, plus the ids seen on that date.

Records are read in (arrival date, record id) order. Providers publish a day's
bills over several updates, so the cursor's own date is re-read each time; the
digests of the ids already imported on that date keep them from coming back.
Everything older than the cursor date counts as imported.
"""

from __future__ import annotations

import base64
import hashlib
from datetime import date

from pydantic import BaseModel, ValidationError

from hub.errors import FatalError

_DIGEST = 8


def _digest(record_id: str) -> bytes:
    return hashlib.blake2b(record_id.encode("utf-8"), digest_size=_DIGEST).digest()


class _Wire(BaseModel):
    v: int = 1
    through: date
    seen: str = ""


class DateCursor:
    def __init__(self, through: date | None = None, seen: set[bytes] | None = None) -> None:
        self.through = through
        self._seen: set[bytes] = set(seen or ())

    @classmethod
    def load(cls, text: str | None) -> DateCursor:
        if not text:
            return cls()
        try:
            wire = _Wire.model_validate_json(text)
            raw = base64.b64decode(wire.seen, validate=True)
        except (ValidationError, ValueError) as exc:
            raise FatalError(f"customs cursor is not one this connector wrote: {exc}") from exc
        return cls(wire.through, {raw[i:i + _DIGEST] for i in range(0, len(raw), _DIGEST)})

    def dump(self) -> str | None:
        if self.through is None:
            return None
        seen = base64.b64encode(b"".join(sorted(self._seen))).decode("ascii")
        return _Wire(through=self.through, seen=seen).model_dump_json()

    def is_new(self, arrival: date, record_id: str) -> bool:
        if self.through is None or arrival > self.through:
            return True
        return arrival == self.through and _digest(record_id) not in self._seen

    def advance(self, arrival: date, record_id: str) -> None:
        """Record one imported record; call in (date, id) order."""
        if self.through is None or arrival > self.through:
            self.through, self._seen = arrival, set()
        if arrival == self.through:
            self._seen.add(_digest(record_id))
