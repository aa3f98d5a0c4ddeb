"""Outbound webhooks: every outbox change, signed, to each matching subscriber.

The outbox (``OutboxEvent``) is written in the same transaction as each change of a
golden record, so delivering it in id order tells subscribers of every committed
change, in order per record, and of nothing rolled back. Each subscription has its
own sender thread and cursor (``last_outbox_id``): a subscriber that is down only
delays itself. One event is tried with exponential backoff and jitter (tenacity);
after the last try it becomes a delivery dead letter and the cursor moves on. Every
try's outcome is in the delivery log. Bodies are signed with ``hub.signing`` (the
same scheme products use to sign what they send us).
"""

from __future__ import annotations

import json
import logging
import threading
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx
from pydantic import BaseModel
from sqlalchemy import select
from tenacity import (
    RetryError,
    Retrying,
    retry_if_exception_type,
    stop_after_attempt,
    wait_random_exponential,
)

from hub import signing
from hub.api.runtime import HubRuntime
from hub.api.security import RefusedUrl, check_target_url
from hub.store.base import utcnow
from hub.store.tables import Delivery, DeliveryDeadLetter, OutboxEvent, Subscription

log = logging.getLogger(__name__)

PAGE = 100


class HubEvent(BaseModel):
    """The body subscribers receive (JSON); ``sequence`` orders events of one record."""

    event_id: str
    type: str
    entity: str
    op: str
    hub_id: str | None
    pipeline: str | None
    sequence: int | None
    occurred_at: datetime
    data: dict[str, Any] | None


def event_from_outbox(row: OutboxEvent) -> HubEvent:
    return HubEvent(event_id=f"hub-{row.id}", type=f"{row.entity}.{row.op}", entity=row.entity,
                    op=row.op, hub_id=row.hub_id, pipeline=row.pipeline, sequence=row.id,
                    occurred_at=row.created_at, data=row.data)


def encode(event: HubEvent) -> bytes:
    return json.dumps(event.model_dump(mode="json"), separators=(",", ":"),
                      ensure_ascii=False).encode()


class DeliveryFailed(Exception):
    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class Stopping(Exception):
    """The worker is shutting down mid-retry; the event stays undelivered."""


@dataclass
class Outcome:
    ok: bool
    attempts: int
    status: int | None
    error: str | None


class Sender:
    """Signs and posts one event, with retries; shared by the workers and test delivery."""

    def __init__(self, runtime: HubRuntime, client: httpx.Client,
                 stopping: threading.Event | None = None) -> None:
        self.runtime = runtime
        self.client = client
        self.stopping = stopping or threading.Event()

    def post_once(self, url: str, secret: str, event_id: str, body: bytes) -> int:
        try:
            check_target_url(url, allow_private=self.runtime.api.allow_private_targets)
        except RefusedUrl as exc:
            raise DeliveryFailed(exc.message) from None
        headers = {"Content-Type": "application/json", "User-Agent": "TradeHub-Webhooks/1",
                   **signing.sign(secret, body, event_id=event_id)}
        try:
            response = self.client.post(url, content=body, headers=headers)
        except httpx.HTTPError as exc:
            raise DeliveryFailed(f"{type(exc).__name__}: {exc}") from None
        if not 200 <= response.status_code < 300:
            raise DeliveryFailed(f"answered {response.status_code}", response.status_code)
        return response.status_code

    def send(self, url: str, secret: str, event_id: str, body: bytes, *,
             attempts: int | None = None) -> Outcome:
        api = self.runtime.api
        tries = attempts or api.delivery_max_attempts
        last: DeliveryFailed | None = None
        count = 0

        def sleep(seconds: float) -> None:
            if self.stopping.wait(seconds):
                raise Stopping()

        retrying = Retrying(stop=stop_after_attempt(tries), sleep=sleep,
                            wait=wait_random_exponential(multiplier=api.delivery_backoff_seconds,
                                                         max=api.delivery_backoff_max_seconds),
                            retry=retry_if_exception_type(DeliveryFailed), reraise=False)
        try:
            for attempt in retrying:
                with attempt:
                    count += 1
                    try:
                        status = self.post_once(url, secret, event_id, body)
                    except DeliveryFailed as exc:
                        last = exc
                        log.info("delivery attempt failed", extra={
                            "event_id": event_id, "attempt": count, "error": str(exc)})
                        raise
                    return Outcome(ok=True, attempts=count, status=status, error=None)
        except RetryError:
            pass
        assert last is not None
        return Outcome(ok=False, attempts=count, status=last.status, error=str(last))


class SubscriptionSender:
    """One subscription's delivery loop: outbox after its cursor, in order, one by one."""

    def __init__(self, runtime: HubRuntime, subscription_id: int, client: httpx.Client) -> None:
        self.runtime = runtime
        self.subscription_id = subscription_id
        self.wakeup = threading.Event()
        self.stopping = threading.Event()
        self.sender = Sender(runtime, client, self.stopping)
        self.thread = threading.Thread(target=self._run, daemon=True,
                                       name=f"tradehub-deliver-{subscription_id}")

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.stopping.set()
        self.wakeup.set()

    def _run(self) -> None:
        while not self.stopping.is_set():
            try:
                more = self.deliver_page()
            except Stopping:
                return
            except Exception:
                log.exception("delivery round failed",
                              extra={"subscription_id": self.subscription_id})
                more = False
            if not more:
                self.wakeup.wait(self.runtime.api.delivery_poll_seconds)
                self.wakeup.clear()

    def deliver_page(self) -> bool:
        """Deliver up to one page; True if the cursor moved (there may be more)."""
        ctx = self.runtime.context()
        with ctx.sessions() as session:
            sub = session.get(Subscription, self.subscription_id)
            if sub is None or not sub.active:
                self.stopping.set()
                return False
            url, secret, cursor = sub.url, sub.secret, sub.last_outbox_id
            entities = set(sub.entities or [])
            rows = list(session.scalars(select(OutboxEvent).where(OutboxEvent.id > cursor)
                                        .order_by(OutboxEvent.id).limit(PAGE)))
        if not rows:
            return False
        skipped_to = cursor
        for row in rows:
            if self.stopping.is_set():
                raise Stopping()
            if entities and row.entity not in entities:
                skipped_to = row.id
                continue
            if skipped_to != cursor:
                self._advance(skipped_to)
                cursor = skipped_to
            event = event_from_outbox(row)
            body = encode(event)
            outcome = self.sender.send(url, secret, event.event_id, body)
            self._record(row.id, event.event_id, body, outcome)
            cursor = skipped_to = row.id
        if skipped_to != cursor:
            self._advance(skipped_to)
        return True

    def _advance(self, outbox_id: int) -> None:
        with self.runtime.context().sessions() as session, session.begin():
            sub = session.get(Subscription, self.subscription_id)
            if sub is not None and sub.last_outbox_id < outbox_id:
                sub.last_outbox_id = outbox_id

    def _record(self, outbox_id: int, event_id: str, body: bytes, outcome: Outcome) -> None:
        """Log the delivery, dead-letter a failure, and move the cursor, together."""
        with self.runtime.context().sessions() as session, session.begin():
            session.add(Delivery(subscription_id=self.subscription_id, outbox_id=outbox_id,
                                 event_id=event_id, status="delivered" if outcome.ok else "failed",
                                 attempts=outcome.attempts, response_status=outcome.status,
                                 error=outcome.error))
            if not outcome.ok:
                session.add(DeliveryDeadLetter(
                    subscription_id=self.subscription_id, outbox_id=outbox_id, event_id=event_id,
                    body=body, error=outcome.error or "failed", attempts=outcome.attempts))
                log.warning("delivery dead-lettered", extra={
                    "subscription_id": self.subscription_id, "event_id": event_id,
                    "attempts": outcome.attempts})
            sub = session.get(Subscription, self.subscription_id)
            if sub is not None and sub.last_outbox_id < outbox_id:
                sub.last_outbox_id = outbox_id
                sub.updated_at = utcnow()


class DeliveryWorker:
    """Keeps one sender per active subscription and wakes them when the outbox grows."""

    def __init__(self, runtime: HubRuntime, *, transport: httpx.BaseTransport | None = None
                 ) -> None:
        self.runtime = runtime
        self.client = httpx.Client(timeout=runtime.api.delivery_timeout_seconds,
                                   transport=transport, follow_redirects=False)
        self.senders: dict[int, SubscriptionSender] = {}
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._run, name="tradehub-delivery", daemon=True)

    def start(self) -> None:
        self.thread.start()

    def is_alive(self) -> bool:
        return self.thread.is_alive()

    def stop(self, timeout: float = 15.0) -> None:
        self.stopping.set()
        self.runtime.outbox_wakeup.set()
        for sender in self.senders.values():
            sender.stop()
        deadline = time.monotonic() + timeout
        for sender in self.senders.values():
            sender.thread.join(max(0.0, deadline - time.monotonic()))
        self.thread.join(max(0.0, deadline - time.monotonic()))
        self.client.close()

    def _run(self) -> None:
        wakeup = self.runtime.outbox_wakeup
        while not self.stopping.is_set():
            try:
                self.sync_senders()
            except Exception:
                log.exception("delivery supervisor round failed")
            for sender in list(self.senders.values()):
                sender.wakeup.set()
            wakeup.wait(self.runtime.api.delivery_poll_seconds)
            wakeup.clear()

    def sync_senders(self) -> None:
        with self.runtime.context().sessions() as session:
            active = set(session.scalars(select(Subscription.id)
                                         .where(Subscription.active.is_(True))))
        for sub_id in list(self.senders):
            sender = self.senders[sub_id]
            if sub_id not in active or not sender.thread.is_alive():
                sender.stop()
                if not sender.thread.is_alive() or sub_id not in active:
                    del self.senders[sub_id]
        for sub_id in sorted(active - set(self.senders)):
            if self.stopping.is_set():
                return
            sender = SubscriptionSender(self.runtime, sub_id, self.client)
            self.senders[sub_id] = sender
            sender.start()
