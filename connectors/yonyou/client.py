"""Yonyou YonBIP open API client: gateway discovery, token cache, envelopes.

The token is one code path: fetched on first use, reused until ``margin`` seconds
before its ``expire``, and fetched again when it runs out or when the gateway says it
is not valid (``310001``/``310036``/plain ``非法token``) — then the call is replayed
once. Envelopes (HTTP 200 almost always) are read here and only here:

- ``"200"`` / ``"00000"`` (and ``100004``/``10004``, the MDD "already done" answer) → data
- ``310032/310039/310042/310046`` (rate limits), ``202``/``310504`` (still processing)
  → ``RetriableError``, retried by ``connectors.http.with_retries``
- anything else → ``YonyouError`` carrying Yonyou's code and message.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx

from connectors.http import send, with_retries
from connectors.yonyou.config import YonyouConfig
from connectors.yonyou.signing import token_signature
from hub.errors import AuthError, FatalError, RetriableError

log = logging.getLogger(__name__)

SUCCESS_CODES = frozenset({"200", "00000"})
IDEMPOTENT_DONE_CODES = frozenset({"100004", "10004"})
TOKEN_CODES = frozenset({"310001", "310036"})
RETRIABLE_CODES = frozenset({"310032", "310039", "310042", "310046", "202", "310504"})
NOT_FOUND_CODES = frozenset({"1002"})


class YonyouError(FatalError):
    """Yonyou refused the request; ``remote_code`` and ``message`` are Yonyou's own."""

    code = "yonyou-error"


@dataclass
class Gateway:
    gateway_url: str
    token_url: str


@dataclass
class Token:
    value: str
    expires_at: float


def envelope_code(payload: Any) -> str | None:
    if isinstance(payload, dict) and "code" in payload:
        return str(payload["code"])
    return None


class YonyouClient:
    def __init__(self, config: YonyouConfig, *, system: str,
                 transport: httpx.BaseTransport | None = None,
                 clock: Callable[[], float] = time.time) -> None:
        self.config = config
        self.system = system
        self._clock = clock
        self._http = httpx.Client(timeout=config.timeout_seconds, transport=transport)
        self._gateway: Gateway | None = None
        if config.gateway_url and config.token_url:
            self._gateway = Gateway(config.gateway_url.rstrip("/"), config.token_url.rstrip("/"))
        self._token: Token | None = None
        self.token_fetches = 0

    def close(self) -> None:
        self._http.close()

    def _retry(self, call: Callable[[], Any]) -> Any:
        return with_retries(call, max_retries=self.config.max_retries, system=self.system,
                            initial_wait=self.config.retry_initial_wait)

    def _json(self, response: httpx.Response) -> Any:
        try:
            return response.json()
        except ValueError:
            return response.text.strip()

    # -- gateway and token ------------------------------------------------------------
    def gateway(self) -> Gateway:
        """The tenant's data-centre addresses, asked once and remembered."""
        if self._gateway is None:
            def ask() -> Any:
                request = self._http.build_request(
                    "GET", self.config.gateway_discovery_url,
                    params={"tenantId": self.config.tenant_id})
                return self._json(send(self._http, request, system=self.system))
            payload = self._retry(ask)
            data = payload.get("data") if isinstance(payload, dict) else None
            if envelope_code(payload) != "00000" or not isinstance(data, dict):
                raise YonyouError(
                    f"{self.system}: no gateway for tenant {self.config.tenant_id}: "
                    f"{_message(payload)}", system=self.system,
                    remote_code=envelope_code(payload))
            self._gateway = Gateway(str(data["gatewayUrl"]).rstrip("/"),
                                    str(data["tokenUrl"]).rstrip("/"))
        return self._gateway

    def token(self) -> str:
        cached = self._token
        margin = self.config.token_refresh_margin_seconds
        if cached is not None and self._clock() < cached.expires_at - margin:
            return cached.value
        return self._fetch_token()

    def invalidate_token(self) -> None:
        self._token = None

    def _fetch_token(self) -> str:
        c = self.config
        url = self.gateway().token_url + c.token_path

        def fetch() -> Any:
            ts = int(self._clock() * 1000)
            signature = token_signature(c.app_key, c.app_secret.get_secret_value(), ts)
            query = (f"appKey={quote(c.app_key, safe='')}&timestamp={ts}"
                     f"&signature={quote(signature, safe='')}")
            request = self._http.build_request("GET", f"{url}?{query}")
            return self._json(send(self._http, request, system=self.system))

        payload = self._retry(fetch)
        data = payload.get("data") if isinstance(payload, dict) else None
        if envelope_code(payload) != "00000" or not isinstance(data, dict) or not data.get(
                "access_token"):
            raise AuthError(f"{self.system} refused the token request: {_message(payload)}",
                            system=self.system, remote_code=envelope_code(payload))
        expire = float(data.get("expire") or 7200)
        self._token = Token(str(data["access_token"]), self._clock() + expire)
        self.token_fetches += 1
        log.info("yonyou token fetched", extra={"system": self.system, "expire": expire})
        return self._token.value

    # -- business calls -----------------------------------------------------------------
    def _send_business(self, method: str, path: str, *, body: Any = None,
                       params: dict[str, Any] | None = None) -> Any:
        url = self.gateway().gateway_url + path
        token = self.token()
        query = "&".join(f"{quote(str(k), safe='')}={quote(str(v), safe='')}"
                         for k, v in (params or {}).items())
        headers = {"Content-Type": "application/json; charset=UTF-8"}
        if self.config.token_in == "header":
            headers["access_token"] = token
        else:
            query = f"access_token={quote(token, safe='')}" + (f"&{query}" if query else "")
        content = None if body is None else json.dumps(body, ensure_ascii=False).encode()
        request = self._http.build_request(method, f"{url}?{query}" if query else url,
                                           content=content, headers=headers)
        return self._json(send(self._http, request, system=self.system))

    def call(self, method: str, path: str, *, body: Any = None,
             params: dict[str, Any] | None = None) -> Any:
        """One business call; returns ``data`` of a successful envelope."""
        def attempt() -> Any:
            payload = self._send_business(method, path, body=body, params=params)
            if _token_rejected(payload):
                log.info("yonyou token rejected; refreshing", extra={"system": self.system})
                self.invalidate_token()
                payload = self._send_business(method, path, body=body, params=params)
                if _token_rejected(payload):
                    raise AuthError(f"{self.system} rejects a fresh token: "
                                    f"{_message(payload)}", system=self.system,
                                    remote_code=envelope_code(payload))
            return self._unwrap(path, payload)
        return self._retry(attempt)

    def _unwrap(self, path: str, payload: Any) -> Any:
        code = envelope_code(payload)
        if code is None:
            raise YonyouError(f"{self.system}: {path} answered without an envelope: "
                              f"{str(payload)[:200]}", system=self.system)
        if code in SUCCESS_CODES or code in IDEMPOTENT_DONE_CODES:
            if payload.get("success") is False:
                raise YonyouError(f"{self.system}: {path}: {_message(payload)}",
                                  system=self.system, remote_code=code)
            return payload.get("data")
        if code in RETRIABLE_CODES:
            raise RetriableError(f"{self.system} asks us to slow down ({code}): "
                                 f"{_message(payload)}", system=self.system, remote_code=code)
        raise YonyouError(f"{self.system}: {path} failed ({code}): {_message(payload)}",
                          system=self.system, remote_code=code)


def _message(payload: Any) -> str:
    if isinstance(payload, dict):
        return str(payload.get("message") or payload.get("msg") or "no message")
    return str(payload)[:200]


def _token_rejected(payload: Any) -> bool:
    if isinstance(payload, str):
        return "非法token" in payload
    return envelope_code(payload) in TOKEN_CODES
