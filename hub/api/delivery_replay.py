"""Replaying a delivery dead letter: send the stored event to its subscriber once more.

Used after the subscriber was fixed (it was down, refused the signature, answered
5xx). The body sent is the one stored when the event was given up on, signed anew
with the subscription's current URL and secret and the same event id, so a
subscriber that did get it after all can drop the duplicate; its ``sequence`` still
orders it among the record's other events. One try, logged in the delivery log like
any other; success marks the letter ``replayed``, failure leaves it ``open`` with the
new error and one more attempt counted.

The letter is taken (``open`` → ``replaying``, ``replayed_at`` = when the try began)
in its own transaction first, so two administrators pressing replay at once send it
once; the second gets a 409. A letter left ``replaying`` by a process that died
mid-try can be taken again once that try would long have timed out.
"""

from __future__ import annotations

import logging
from datetime import timedelta

import httpx
from sqlalchemy import and_, or_, update

from hub.api.outbound import Sender
from hub.api.problems import Conflicting, RecordNotFound
from hub.api.runtime import HubRuntime
from hub.api.schemas import DeliveryDeadLetterView, DeliveryReplay, DeliveryView
from hub.store.base import utcnow
from hub.store.tables import Delivery, DeliveryDeadLetter, Subscription

log = logging.getLogger(__name__)


def replay_delivery_dead_letter(runtime: HubRuntime, subscription_id: int, dead_letter_id: int,
                                *, transport: httpx.BaseTransport | None = None
                                ) -> DeliveryReplay:
    """Blocking (an HTTP call): the endpoint runs it in the thread pool."""
    ctx = runtime.context()
    with ctx.sessions() as session, session.begin():
        sub = session.get(Subscription, subscription_id)
        if sub is None:
            raise RecordNotFound(f"no subscription {subscription_id}")
        letter = session.get(DeliveryDeadLetter, dead_letter_id)
        if letter is None or letter.subscription_id != subscription_id:
            raise RecordNotFound(f"subscription {subscription_id} has no dead letter "
                                 f"{dead_letter_id}")
        now = utcnow()
        abandoned = now - timedelta(seconds=runtime.api.delivery_timeout_seconds * 2 + 30)
        taken = session.execute(
            update(DeliveryDeadLetter).where(
                DeliveryDeadLetter.id == dead_letter_id,
                or_(DeliveryDeadLetter.status == "open",
                    and_(DeliveryDeadLetter.status == "replaying",
                         DeliveryDeadLetter.replayed_at < abandoned)))
            .values(status="replaying", replayed_at=now)
            .execution_options(synchronize_session=False)).rowcount
        if taken != 1:
            raise Conflicting(f"delivery dead letter {dead_letter_id} is {letter.status}, "
                              f"not open")
        url, secret = sub.url, sub.secret
        event_id, body, outbox_id = letter.event_id, letter.body, letter.outbox_id
    try:
        with httpx.Client(timeout=runtime.api.delivery_timeout_seconds, transport=transport,
                          follow_redirects=False) as client:
            outcome = Sender(runtime, client).send(url, secret, event_id, body, attempts=1)
    except BaseException:
        _give_back(runtime, dead_letter_id)
        raise
    with ctx.sessions() as session, session.begin():
        delivery = Delivery(subscription_id=subscription_id, outbox_id=outbox_id,
                            event_id=event_id, status="delivered" if outcome.ok else "failed",
                            attempts=1, response_status=outcome.status, error=outcome.error)
        session.add(delivery)
        letter = session.get(DeliveryDeadLetter, dead_letter_id)
        assert letter is not None
        letter.attempts += 1
        if outcome.ok:
            letter.status, letter.replayed_at = "replayed", utcnow()
        else:
            letter.status, letter.error = "open", outcome.error or "failed"
            letter.replayed_at = None
        session.flush()
        result = DeliveryReplay(delivered=outcome.ok, status=outcome.status,
                                error=outcome.error,
                                delivery=DeliveryView.model_validate(delivery),
                                dead_letter=DeliveryDeadLetterView.model_validate(letter))
    log.info("delivery dead letter replayed", extra={
        "subscription_id": subscription_id, "dead_letter_id": dead_letter_id,
        "event_id": event_id, "delivered": outcome.ok, "status": outcome.status})
    return result


def _give_back(runtime: HubRuntime, dead_letter_id: int) -> None:
    with runtime.context().sessions() as session, session.begin():
        session.execute(update(DeliveryDeadLetter)
                        .where(DeliveryDeadLetter.id == dead_letter_id,
                               DeliveryDeadLetter.status == "replaying")
                        .values(status="open", replayed_at=None)
                        .execution_options(synchronize_session=False))
