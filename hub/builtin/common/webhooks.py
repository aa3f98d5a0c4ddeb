"""Signed outbound webhooks: subscriptions and the background delivery worker.

The change feed is the outbox: each subscription remembers the last sequence number
it was sent, and one worker thread per product walks the feed after it. Writes never
wait on subscribers; a subscriber that is down gets each event retried with backoff
a bounded number of times, then the event is counted as failed and delivery moves on.
Event ids are ``{app}-{seq}``, so a receiver can drop duplicates of a retried event.
"""

from __future__ import annotations

import json
import logging
import threading
from datetime import datetime, timezone
from typing import Any

import httpx
from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse, Response
from pydantic import AnyHttpUrl, BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.builtin.common.auth import require_token
from hub.builtin.common.errors import not_found
from hub.builtin.common.feed import read_changes
from hub.builtin.common.product import Product
from hub.builtin.common.routes import RecordId
from hub.signing import sign

log = logging.getLogger(__name__)


class SubscriptionIn(BaseModel):
    url: AnyHttpUrl
    secret: str = Field(min_length=8, max_length=500, pattern=r"^[^\x00]*$")
    resources: list[str] = Field(default_factory=list,
                                 description="Resources to send; empty means all.")


def _public(row: Any) -> dict[str, Any]:
    return {"id": row.id, "url": row.url, "resources": row.resources, "active": row.active,
            "last_seq": row.last_seq, "delivered": row.delivered, "failed": row.failed,
            "last_error": row.last_error}


def subscription_router(product: Product) -> APIRouter:
    router = APIRouter(prefix="/webhook-subscriptions", tags=["webhooks"],
                       dependencies=[Depends(require_token)])
    table = product.tables.subscriptions

    @router.post("", status_code=201, summary="Send signed change events to a URL")
    def subscribe(body: SubscriptionIn) -> JSONResponse:
        for name in body.resources:
            product.resource(name)
        with product.writing() as writer:
            row = table(url=str(body.url), secret=body.secret, resources=body.resources,
                        last_seq=writer.seq, active=True, delivered=0, failed=0,
                        created_at=writer.now)
            writer.session.add(row)
            writer.session.flush()
            result = _public(row)
        return JSONResponse(result, status_code=201)

    @router.get("", summary="Subscriptions and their delivery counters")
    def subscriptions() -> dict[str, list[dict[str, Any]]]:
        with product.reading() as session:
            return {"items": [_public(r) for r in session.execute(
                select(table).order_by(table.id)).scalars()]}

    @router.delete("/{subscription_id}", status_code=204)
    def unsubscribe(subscription_id: RecordId) -> Response:
        with Session(product.write_engine) as session, session.begin():
            row = session.get(table, subscription_id)
            if row is None:
                raise not_found("webhook subscription", subscription_id)
            session.delete(row)
        return Response(status_code=204)

    return router


def event_body(product: Product, change: Any) -> tuple[str, bytes]:
    event_id = f"{product.app}-{change.seq}"
    body = {"event_id": event_id, "app": product.app, "resource": change.resource,
            "op": change.op, "id": change.id, "seq": change.seq,
            "at": change.at.isoformat().replace("+00:00", "Z"), "data": change.data}
    return event_id, json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()


class WebhookWorker:
    """Delivers a product's changes to its subscribers from a background thread."""

    def __init__(self, product: Product, *, max_attempts: int = 5, backoff_seconds: float = 0.5,
                 timeout_seconds: float = 5.0, poll_seconds: float = 1.0,
                 transport: httpx.BaseTransport | None = None) -> None:
        self.product = product
        self.max_attempts = max_attempts
        self.backoff = backoff_seconds
        self.poll = poll_seconds
        self.client = httpx.Client(timeout=timeout_seconds, transport=transport)
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self.run, name=f"{product.app}-webhooks",
                                       daemon=True)

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.stopping.set()
        self.product.changed.set()
        if self.thread.is_alive():
            self.thread.join(timeout=30)
        self.client.close()

    def run(self) -> None:
        while not self.stopping.is_set():
            self.product.changed.wait(timeout=self.poll)
            self.product.changed.clear()
            try:
                self.deliver_pending()
            except Exception:  # the worker must outlive a bad moment of the database
                log.exception("webhook delivery round failed", extra={"app": self.product.app})

    def deliver_pending(self) -> None:
        table = self.product.tables.subscriptions
        with self.product.reading() as session:
            subs = list(session.execute(select(table).where(table.active.is_(True))).scalars())
        for sub in subs:
            cursor = sub.last_seq
            for _ in range(1000):  # bounded: at most 100k events per round and subscription
                if self.stopping.is_set():
                    return
                page = read_changes(self.product, since=cursor, limit=100,
                                    resources=sub.resources or None)
                for change in page.changes:
                    if self.stopping.is_set():
                        return
                    error = self.deliver(sub.url, sub.secret, change)
                    self._advance(sub.id, change.seq, error)
                    cursor = change.seq
                if not page.has_more:
                    cursor = int(page.next)
                    break

    def deliver(self, url: str, secret: str, change: Any) -> str | None:
        """POST one event, retrying; ``None`` on success, else the last error."""
        event_id, body = event_body(self.product, change)
        error = "not attempted"
        for attempt in range(self.max_attempts):
            headers = {"Content-Type": "application/json", **sign(secret, body, event_id=event_id)}
            try:
                response = self.client.post(url, content=body, headers=headers)
                if response.status_code < 300:
                    return None
                error = f"answered {response.status_code}"
            except httpx.HTTPError as exc:
                error = f"{type(exc).__name__}: {exc}"
            log.warning("webhook delivery failed", extra={
                "app": self.product.app, "event_id": event_id, "attempt": attempt + 1,
                "error": error})
            if attempt + 1 < self.max_attempts and self.stopping.wait(self.backoff * 2 ** attempt):
                break
        return error

    def _advance(self, subscription_id: int, seq: int, error: str | None) -> None:
        table = self.product.tables.subscriptions
        with Session(self.product.write_engine) as session, session.begin():
            row = session.get(table, subscription_id)
            if row is None:
                return
            row.last_seq = seq
            if error is None:
                row.delivered += 1
            else:
                row.failed += 1
                row.last_error = f"{datetime.now(timezone.utc).isoformat()} seq {seq}: {error}"
