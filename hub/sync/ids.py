"""Hub ids derived from remote records, and natural keys derived from hub ids.

A one-way sync gives a record it sees for the first time a hub id that is a function
of (entity, system, remote id) alone. A batch replayed after a crash before its
checkpoint then derives the same ids, and the same derived natural keys, as its first
attempt did, with nothing stored in between.

Most products number their records (Kingdee's FID, YonBIP's ids, the reference
systems' ids), and a first sync reads them in about that order. A remote id that is a
plain number is therefore kept in its hub id, after a prefix for (entity, system), so
the ids of one feed sort as its remote ids do. Each batch's rows then go in next to
each other in the store's indexes on hub ids, instead of at a thousand places spread
over them, which made each checkpoint dearer as the store grew (the README has the
figures). Any other remote id gets a name-based UUID (version 5) of the same three
values.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from functools import lru_cache

HUB_IDS = uuid.UUID("6f1d0c1e-7a55-4c55-9d4e-2b8f3d1a9c07")
"""Namespace of the version-5 UUIDs of remote ids that are not plain numbers."""

NUMBERED_TAG = "0"
"""The 13th character of a numbered id: where a UUID's hex holds its version (5 for a
name-based one, 7 for ``new_hub_id``'s, 4 in stores from before), so a numbered id
never equals a UUID."""

_PLAIN_NUMBER = re.compile(r"0|[1-9][0-9]{0,21}")
"""Decimal without sign or leading zeros ("7", not "007"), below 10**22 < 16**19."""


def derived_hub_id(entity: str, system: str, remote_id: str) -> str:
    """32 hex digits: 12 for (entity, system), the tag, and the number in 19; or a UUID."""
    if _PLAIN_NUMBER.fullmatch(remote_id):
        return f"{_scope(entity, system)}{NUMBERED_TAG}{int(remote_id):019x}"
    return _uuid5_hex(f"{entity}\x1f{system}\x1f{remote_id}")


def derived_key(hub_id: str) -> str:
    """A natural key for systems that need one and a record that has none.

    A digest, not a slice of the hub id: ids of one feed share their first digits.
    """
    return f"TH-{hashlib.blake2b(hub_id.encode(), digest_size=6).hexdigest().upper()}"


@lru_cache(maxsize=256)
def _scope(entity: str, system: str) -> str:
    return hashlib.blake2b(f"{entity}\x1f{system}".encode(), digest_size=6).hexdigest()


def _uuid5_hex(name: str) -> str:
    """``uuid.uuid5(HUB_IDS, name).hex`` without building UUID objects."""
    digest = bytearray(hashlib.sha1(HUB_IDS.bytes + name.encode()).digest()[:16])
    digest[6] = (digest[6] & 0x0F) | 0x50          # version 5
    digest[8] = (digest[8] & 0x3F) | 0x80          # RFC 4122 variant
    return digest.hex()
