"""HTTP plumbing every HTTP connector shares: status → error translation and retries.

Retries live here and only here: only ``RetriableError`` is retried (connection
errors, timeouts, 429 honouring Retry-After, 5xx), with exponential backoff and
jitter; 4xx validation errors are ``FatalError`` and never retried.
"""

from __future__ import annotations

import email.utils
import logging
from collections.abc import Callable
from datetime import datetime, timezone
from typing import TypeVar

import httpx
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception_type,
    stop_after_attempt,
    wait_exponential_jitter,
)

from hub.errors import AuthError, FatalError, RetriableError

log = logging.getLogger(__name__)
T = TypeVar("T")

MAX_RETRY_AFTER_SECONDS = 120.0


def parse_retry_after(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP date)."""
    if not value:
        return None
    value = value.strip()
    try:
        return min(max(float(value), 0.0), MAX_RETRY_AFTER_SECONDS)
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    delta = (when - datetime.now(timezone.utc)).total_seconds()
    return min(max(delta, 0.0), MAX_RETRY_AFTER_SECONDS)


def raise_for_status(response: httpx.Response, *, system: str) -> None:
    """Translate an HTTP error status into the TradeHub error a caller can act on."""
    status = response.status_code
    if status < 400:
        return
    text = response.text[:500]
    if status == 429:
        raise RetriableError(f"{system} is rate limiting (429)", system=system,
                             retry_after=parse_retry_after(response.headers.get("retry-after")),
                             remote_code="429", detail=text)
    if status >= 500:
        raise RetriableError(f"{system} answered {status}", system=system,
                             retry_after=parse_retry_after(response.headers.get("retry-after")),
                             remote_code=str(status), detail=text)
    if status in (401, 403):
        raise AuthError(f"{system} refused our credentials ({status})", system=system,
                        remote_code=str(status), detail=text)
    raise FatalError(f"{system} refused the request ({status}): {text}", system=system,
                     remote_code=str(status), detail=text)


def _wait(base: Callable[[RetryCallState], float]) -> Callable[[RetryCallState], float]:
    def wait(state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        if isinstance(exc, RetriableError) and exc.retry_after is not None:
            return exc.retry_after
        return base(state)
    return wait


def with_retries(call: Callable[[], T], *, max_retries: int, system: str,
                 initial_wait: float = 0.2, max_wait: float = 10.0) -> T:
    """Run ``call``; retry it on ``RetriableError`` only, honouring Retry-After."""
    retrying = Retrying(
        retry=retry_if_exception_type(RetriableError),
        stop=stop_after_attempt(max_retries + 1),
        wait=_wait(wait_exponential_jitter(initial=initial_wait, max=max_wait, jitter=initial_wait)),
        reraise=True,
        before_sleep=lambda state: log.warning(
            "retrying call", extra={"system": system, "attempt": state.attempt_number,
                                    "error": str(state.outcome.exception()) if state.outcome else None}),
    )
    return retrying(call)


def send(client: httpx.Client, request: httpx.Request, *, system: str) -> httpx.Response:
    """Send once; transport failures become ``RetriableError``, statuses are checked."""
    try:
        response = client.send(request)
    except (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError) as exc:
        raise RetriableError(f"{system} did not answer: {type(exc).__name__}",
                             system=system) from exc
    raise_for_status(response, system=system)
    return response


def request_with_retries(client: httpx.Client, method: str, url: str, *, system: str,
                         max_retries: int, **kwargs: object) -> httpx.Response:
    def call() -> httpx.Response:
        return send(client, client.build_request(method, url, **kwargs), system=system)  # type: ignore[arg-type]
    return with_retries(call, max_retries=max_retries, system=system)
