"""One runner per pipeline, across processes and machines, through the store.

A lock is a row keyed by the pipeline. Inserting it takes the lock; the primary key
makes two inserts race safely on SQLite and PostgreSQL alike. A holder that died
leaves a row that expires; the next runner takes it over with a conditional UPDATE.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

from sqlalchemy import delete, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from hub.errors import PipelineBusyError
from hub.store.base import utcnow
from hub.store.tables import PipelineLock

DEFAULT_TTL = timedelta(minutes=5)


def new_holder() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def acquire(factory: sessionmaker[Session], pipeline: str, holder: str,
            ttl: timedelta = DEFAULT_TTL) -> None:
    now = utcnow()
    try:
        with factory() as session, session.begin():
            session.add(PipelineLock(pipeline=pipeline, holder=holder, acquired_at=now,
                                     expires_at=now + ttl))
        return
    except IntegrityError:
        pass
    with factory() as session, session.begin():
        taken = session.execute(
            update(PipelineLock)
            .where(PipelineLock.pipeline == pipeline,
                   (PipelineLock.expires_at < now) | (PipelineLock.holder == holder))
            .values(holder=holder, acquired_at=now, expires_at=now + ttl)
        ).rowcount
    if taken != 1 and _holder_is_dead(factory, pipeline, now, ttl, holder):
        return
    if taken != 1:
        raise PipelineBusyError(f"pipeline '{pipeline}' is already running elsewhere; "
                                "try again when that run ends")


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _holder_is_dead(factory: sessionmaker[Session], pipeline: str, now: datetime,
                    ttl: timedelta, holder: str) -> bool:
    """Take over at once from a holder on this machine whose process is gone (SIGKILL)."""
    with factory() as session, session.begin():
        row = session.get(PipelineLock, pipeline)
        if row is None:
            return False
        host, _, rest = row.holder.partition(":")
        pid = rest.partition(":")[0]
        if host != socket.gethostname() or not pid.isdigit() or _process_alive(int(pid)):
            return False
        taken = session.execute(
            update(PipelineLock)
            .where(PipelineLock.pipeline == pipeline, PipelineLock.holder == row.holder)
            .values(holder=holder, acquired_at=now, expires_at=now + ttl)
        ).rowcount
    return bool(taken == 1)


def refresh(factory: sessionmaker[Session], pipeline: str, holder: str,
            ttl: timedelta = DEFAULT_TTL) -> None:
    """Extend the lock; a runner that lost it (expired and taken over) must stop."""
    with factory() as session, session.begin():
        kept = session.execute(
            update(PipelineLock)
            .where(PipelineLock.pipeline == pipeline, PipelineLock.holder == holder)
            .values(expires_at=utcnow() + ttl)
        ).rowcount
    if kept != 1:
        raise PipelineBusyError(f"pipeline '{pipeline}': this runner lost its lock")


def release(factory: sessionmaker[Session], pipeline: str, holder: str) -> None:
    with factory() as session, session.begin():
        session.execute(delete(PipelineLock).where(PipelineLock.pipeline == pipeline,
                                                   PipelineLock.holder == holder))


@contextmanager
def pipeline_lock(factory: sessionmaker[Session], pipeline: str,
                  ttl: timedelta = DEFAULT_TTL) -> Iterator[str]:
    holder = new_holder()
    acquire(factory, pipeline, holder, ttl)
    try:
        yield holder
    finally:
        release(factory, pipeline, holder)
