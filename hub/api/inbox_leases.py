"""Who holds an inbox row: worker ids, and taking back rows of workers that died.

A claim names its worker as ``host:pid:nonce``. Across machines only the lease's end
(``claimed_until``) frees a dead worker's rows. On one machine the hub need not wait
that long after a crash and restart: a claim from this host whose process is gone,
or from this very process (a restarted container often gets the same pid) by a
worker that no longer runs here, is released at once.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from hub.store.tables import InboxEvent

log = logging.getLogger(__name__)

HOST = socket.gethostname()[:40]
_live: set[str] = set()
_live_lock = threading.Lock()


def new_worker_id() -> str:
    """A fresh id, registered as running in this process until ``retire`` is called."""
    worker_id = f"{HOST}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
    with _live_lock:
        _live.add(worker_id)
    return worker_id


def retire(worker_id: str) -> None:
    with _live_lock:
        _live.discard(worker_id)


def is_orphaned(worker_id: str) -> bool:
    """True when the claim's worker certainly no longer runs (only judged on this host)."""
    host, _, rest = worker_id.partition(":")
    pid_text, _, _ = rest.partition(":")
    if host != HOST or not pid_text.isdigit():
        return False
    pid = int(pid_text)
    if pid == os.getpid():
        with _live_lock:
            return worker_id not in _live
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False            # someone else's live process
    return False


def release_orphans(sessions: sessionmaker[Session]) -> int:
    """Release pending rows claimed by workers of this host that died; returns how many."""
    with sessions() as session:
        holders = set(session.scalars(
            select(InboxEvent.claimed_by).distinct()
            .where(InboxEvent.status == "pending", InboxEvent.claimed_by.is_not(None))))
    orphans = sorted(h for h in holders if h is not None and is_orphaned(h))
    if not orphans:
        return 0
    with sessions() as session, session.begin():
        released = session.execute(
            update(InboxEvent).where(InboxEvent.claimed_by.in_(orphans),
                                     InboxEvent.status == "pending")
            .values(claimed_by=None, claimed_until=None)
            .execution_options(synchronize_session=False)).rowcount
    log.warning("released inbox rows of workers that died", extra={
        "workers": orphans, "rows": released})
    return int(released or 0)
