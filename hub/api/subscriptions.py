"""Admin endpoints for outbound subscriptions: CRUD, test delivery, delivery log, dead
letters (list, replay)."""

from __future__ import annotations

import time
import uuid
from datetime import datetime, timezone
from typing import Annotated

import httpx
from fastapi import APIRouter, Depends, Path, Query, Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from hub.api.admin import Limit, BeforeId, _page
from hub.api.delivery_replay import replay_delivery_dead_letter
from hub.api.outbound import HubEvent, Sender, encode
from hub.api.problems import InvalidRequest, RecordNotFound, problem_responses
from hub.api.runtime import HubRuntime, get_runtime
from hub.api.schemas import (
    DeliveryDeadLetterView,
    DeliveryReplay,
    DeliveryView,
    Page,
    SubscriptionIn,
    SubscriptionPatch,
    SubscriptionView,
    TestDelivery,
)
from hub.api.security import check_target_url, require_admin
from hub.models import ENTITIES
from hub.store.base import utcnow
from hub.store.tables import Delivery, DeliveryDeadLetter, OutboxEvent, Subscription

router = APIRouter(prefix="/admin/subscriptions", tags=["subscriptions"],
                   dependencies=[Depends(require_admin)], responses=problem_responses(401, 503))

Runtime = Annotated[HubRuntime, Depends(get_runtime)]
SubId = Annotated[int, Path(ge=1, le=2**31 - 1)]
DeadLetterId = Annotated[int, Path(ge=1, le=2**31 - 1)]


def _check_entities(entities: list[str]) -> list[str]:
    unknown = sorted(set(entities) - set(ENTITIES))
    if unknown:
        raise InvalidRequest(f"unknown entities {unknown}; known: {', '.join(sorted(ENTITIES))}",
                             field="entities")
    return sorted(set(entities))


def _get(session: Session, subscription_id: int) -> Subscription:
    sub = session.get(Subscription, subscription_id)
    if sub is None:
        raise RecordNotFound(f"no subscription {subscription_id}")
    return sub


@router.post("", status_code=201, response_model=SubscriptionView,
             responses=problem_responses(422),
             summary="Subscribe a URL to signed change events")
def create_subscription(body: SubscriptionIn, runtime: Runtime) -> SubscriptionView:
    url = str(body.url)
    check_target_url(url, allow_private=runtime.api.allow_private_targets)
    entities = _check_entities(body.entities)
    with runtime.context().sessions() as session, session.begin():
        start = 0 if body.from_start else int(
            session.scalar(select(func.max(OutboxEvent.id))) or 0)
        sub = Subscription(url=url, secret=body.secret, entities=entities,
                           description=body.description, active=body.active,
                           last_outbox_id=start)
        session.add(sub)
        session.flush()
        view = SubscriptionView.model_validate(sub)
    runtime.outbox_wakeup.set()
    return view


@router.get("", response_model=list[SubscriptionView])
def list_subscriptions(runtime: Runtime) -> list[SubscriptionView]:
    with runtime.context().sessions() as session:
        return [SubscriptionView.model_validate(s)
                for s in session.scalars(select(Subscription).order_by(Subscription.id))]


@router.get("/{subscription_id}", response_model=SubscriptionView,
            responses=problem_responses(404))
def get_subscription(subscription_id: SubId, runtime: Runtime) -> SubscriptionView:
    with runtime.context().sessions() as session:
        return SubscriptionView.model_validate(_get(session, subscription_id))


@router.patch("/{subscription_id}", response_model=SubscriptionView,
              responses=problem_responses(404, 422))
def update_subscription(subscription_id: SubId, body: SubscriptionPatch,
                        runtime: Runtime) -> SubscriptionView:
    if body.url is not None:
        check_target_url(str(body.url), allow_private=runtime.api.allow_private_targets)
    with runtime.context().sessions() as session, session.begin():
        sub = _get(session, subscription_id)
        if body.url is not None:
            sub.url = str(body.url)
        if body.secret is not None:
            sub.secret = body.secret
        if body.entities is not None:
            sub.entities = _check_entities(body.entities)
        if body.description is not None:
            sub.description = body.description
        if body.active is not None:
            sub.active = body.active
        sub.updated_at = utcnow()
        session.flush()
        view = SubscriptionView.model_validate(sub)
    runtime.outbox_wakeup.set()
    return view


@router.delete("/{subscription_id}", status_code=204, response_class=Response,
               responses=problem_responses(404))
def delete_subscription(subscription_id: SubId, runtime: Runtime) -> Response:
    with runtime.context().sessions() as session, session.begin():
        session.delete(_get(session, subscription_id))
    runtime.outbox_wakeup.set()
    return Response(status_code=204)


@router.post("/{subscription_id}/test", response_model=TestDelivery,
             responses=problem_responses(404),
             summary="Send one signed 'ping' event now and report what the URL answered")
async def test_delivery(subscription_id: SubId, runtime: Runtime) -> TestDelivery:
    with runtime.context().sessions() as session:
        sub = _get(session, subscription_id)
        url, secret = sub.url, sub.secret
    event = HubEvent(event_id=f"test-{uuid.uuid4().hex[:12]}", type="ping", entity="ping",
                     op="ping", hub_id=None, pipeline=None, sequence=None,
                     occurred_at=datetime.now(timezone.utc), data=None)
    started = time.perf_counter()

    def send() -> TestDelivery:
        with httpx.Client(timeout=runtime.api.delivery_timeout_seconds) as client:
            outcome = Sender(runtime, client).send(url, secret, event.event_id, encode(event),
                                                   attempts=1)
        with runtime.context().sessions() as session, session.begin():
            session.add(Delivery(subscription_id=subscription_id, outbox_id=None,
                                 event_id=event.event_id,
                                 status="delivered" if outcome.ok else "failed",
                                 attempts=1, response_status=outcome.status,
                                 error=outcome.error))
        return TestDelivery(delivered=outcome.ok, status=outcome.status, error=outcome.error,
                            event_id=event.event_id, seconds=time.perf_counter() - started)

    return await run_in_threadpool(send)


@router.get("/{subscription_id}/deliveries", response_model=Page[DeliveryView],
            responses=problem_responses(404), summary="The delivery log, newest first")
def list_deliveries(subscription_id: SubId, runtime: Runtime, limit: Limit = 50,
                    before_id: BeforeId = None,
                    status: Annotated[str | None, Query(pattern="^(delivered|failed)$")] = None,
                    ) -> Page[DeliveryView]:
    with runtime.context().sessions() as session:
        _get(session, subscription_id)
        query = select(Delivery).where(Delivery.subscription_id == subscription_id)
        if status:
            query = query.where(Delivery.status == status)
        return _page(session, query, Delivery.id, DeliveryView, limit, before_id)


@router.get("/{subscription_id}/dead-letters", response_model=Page[DeliveryDeadLetterView],
            responses=problem_responses(404),
            summary="Events the subscriber never accepted after the last try")
def list_delivery_dead_letters(subscription_id: SubId, runtime: Runtime, limit: Limit = 50,
                               before_id: BeforeId = None) -> Page[DeliveryDeadLetterView]:
    with runtime.context().sessions() as session:
        _get(session, subscription_id)
        query = select(DeliveryDeadLetter).where(
            DeliveryDeadLetter.subscription_id == subscription_id)
        return _page(session, query, DeliveryDeadLetter.id, DeliveryDeadLetterView, limit,
                     before_id)


@router.post("/{subscription_id}/dead-letters/{dead_letter_id}/replay",
             response_model=DeliveryReplay, responses=problem_responses(404, 409),
             summary="Send a dead-lettered event to the subscriber once more")
async def replay_delivery(subscription_id: SubId, dead_letter_id: DeadLetterId,
                          runtime: Runtime) -> DeliveryReplay:
    """One signed try with the subscription's current URL and secret, logged in the
    delivery log. 200 either way: ``delivered`` says whether the subscriber took it
    (the letter is then ``replayed``; otherwise it stays ``open``). 409 when the letter
    is not open (already replayed, or being replayed right now)."""
    return await run_in_threadpool(replay_delivery_dead_letter, runtime, subscription_id,
                                   dead_letter_id, transport=runtime.delivery_transport)
