"""A protocol-faithful YonBIP open-platform emulator (FastAPI).

- ``GET /open-auth/dataCenter/getGatewayAddress?tenantId=`` → gateway and token URLs
  (``"00000"``), or ``"500"`` for an unknown tenant.
- ``GET /iuap-api-auth/open-auth/selfAppAuth[/base/v1]/getAccessToken`` verifies appKey,
  the millisecond timestamp and the signature (HMAC-SHA256 of the sorted parameters,
  Base64, URL-decoded once by the web framework as a real server would). Tokens are
  Base64 with ``+``/``/``/``=`` in them, like the newer long tokens, so a client that
  does not URL-encode them is caught.
- ``/iuap-api-gateway/yonbip/...`` answers ``310001`` without a token, ``310036`` for an
  unknown or expired one, HTTP 404 ``310404`` for an unregistered path.
- Faults (``POST /__emulator__/faults``): expire every token now, a short token
  lifetime, rate-limit answers (``310046``) for the next N calls, slow answers.
- Sales-outs and receipt bills (read-only over the API, ``emulator_documents.py``)
  are made with ``POST /__emulator__/seed`` ``{"document": "salesout"|"receivebill",
  "documents": [...]}``; a document given with its ``id`` is changed instead.
- Every change to a merchant or order is also queued as a signed, encrypted event (``GET
  /__emulator__/events``) and POSTed to ``event_callback_url`` when one is given.
"""

from __future__ import annotations

import asyncio
import base64
import hmac
import json
import logging
import secrets
import threading
import time
from collections.abc import Callable
from typing import Any
from uuid import uuid4

import httpx
from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from connectors.yonyou.emulator_documents import DocumentStore, Kind, SeedError
from connectors.yonyou.emulator_store import ApiError, YonStore
from connectors.yonyou.signing import make_event, token_signature

log = logging.getLogger(__name__)
CONTROL = "/__emulator__"
GATEWAY = "/iuap-api-gateway"


class Credentials(BaseModel):
    tenant_id: str = "tradehub-tenant"
    app_key: str = "41832a3d2df94989b500da6a22268747"
    app_secret: str = "c3a8e2f1-5b7d-4e90-a1c2-d3e4f5a6b7c8-tradehub-emulator"
    timestamp_window_ms: int = Field(600_000, ge=0, description="0 disables the clock check")


class Faults(BaseModel):
    expire_tokens: bool = False
    token_ttl_seconds: int = Field(7200, ge=1)
    rate_limit_calls: int = 0
    delay_seconds: float = Field(0.0, ge=0, le=30)
    delay_paths: list[str] = Field(default_factory=list,
                                   description="Only these API paths are slow (empty: all)")
    delay_calls: int | None = Field(None, ge=0, description="Only the next N slow calls")


class StockSeed(BaseModel):
    rows: list[dict[str, Any]]


class DocumentSeed(BaseModel):
    """Documents ERP users make (or change, when given with their ``id``)."""

    document: Kind
    documents: list[dict[str, Any]] = Field(min_length=1, max_length=1000)


class Emulator:
    def __init__(self, credentials: Credentials, faults: Faults, base_url: str, *,
                 clock: Callable[[], float] = time.time,
                 event_callback_url: str | None = None) -> None:
        self.credentials = credentials
        self.faults = faults
        self.base_url = base_url.rstrip("/")
        self.clock = clock
        self.lock = threading.RLock()
        self.tokens: dict[str, float] = {}
        self.token_requests = 0
        self.events: list[dict[str, Any]] = []
        self.callback = event_callback_url
        self.reset_store()

    def reset_store(self) -> None:
        self.store = YonStore(clock=self.clock)
        self.store.on_change = self.emit
        self.documents = DocumentStore(self.store.new_id, self.store.pubts)

    def emit(self, kind: str, entity: str, record: dict[str, Any]) -> None:
        c = self.credentials
        payload: dict[str, Any] = {"type": kind, "eventId": str(uuid4()),
                                   "timestamp": int(self.clock() * 1000),
                                   "tenantId": c.tenant_id}
        if entity == "sales_order":
            payload["BILL_INFO"] = {"billId": record["id"], "billCode": record.get("code"),
                                    "billNo": "voucher_order"}
        else:
            payload.update({k: v for k, v in record.items() if k in ("id", "code", "name")})
        body = make_event(payload, c.app_secret, c.app_key, timestamp_ms=payload["timestamp"])
        self.events.append(body)
        if self.callback:
            threading.Thread(target=self._push, args=(body,), daemon=True).start()

    def _push(self, body: dict[str, Any]) -> None:
        try:
            httpx.post(self.callback or "", json=body, timeout=5)
        except httpx.HTTPError as exc:
            log.warning("event push failed", extra={"error": type(exc).__name__})

    def take_delay(self, path: str) -> float:
        """Seconds to stall this call; the work still happens after a client gave up."""
        with self.lock:
            f = self.faults
            if not f.delay_seconds or (f.delay_paths and path not in f.delay_paths):
                return 0.0
            if f.delay_calls is not None:
                if f.delay_calls <= 0:
                    return 0.0
                f.delay_calls -= 1
            return f.delay_seconds

    def issue_token(self) -> tuple[str, int]:
        token = base64.b64encode(secrets.token_bytes(45)).decode()[:58] + "+/=="
        ttl = self.faults.token_ttl_seconds
        self.tokens[token] = self.clock() + ttl
        return token, ttl

    def token_ok(self, token: str) -> bool:
        if self.faults.expire_tokens:
            self.tokens.clear()
            self.faults.expire_tokens = False
        expires = self.tokens.get(token)
        return expires is not None and self.clock() < expires


def _err(code: str | int, message: str, status: int = 200) -> JSONResponse:
    return JSONResponse({"code": code, "message": message}, status_code=status)


def create_app(credentials: Credentials | None = None, faults: Faults | None = None, *,
               base_url: str = "http://127.0.0.1:8852", clock: Callable[[], float] = time.time,
               event_callback_url: str | None = None) -> FastAPI:
    """``base_url`` is where this app is reachable; discovery hands it out."""
    emu = Emulator(credentials or Credentials(), faults or Faults(), base_url, clock=clock,
                   event_callback_url=event_callback_url)
    app = FastAPI(title="Yonyou YonBIP open API emulator", docs_url=None, redoc_url=None)
    app.state.emulator = emu

    @app.get("/open-auth/dataCenter/getGatewayAddress")
    def gateway_address(tenantId: str = "") -> JSONResponse:
        if tenantId != emu.credentials.tenant_id:
            return _err("500", "根据租户id获取网关地址出现异常")
        return JSONResponse({"code": "00000", "message": "成功！", "data": {
            "gatewayUrl": emu.base_url + GATEWAY, "tokenUrl": emu.base_url + "/iuap-api-auth"}})

    @app.get("/iuap-api-auth/open-auth/selfAppAuth/getAccessToken")
    @app.get("/iuap-api-auth/open-auth/selfAppAuth/base/v1/getAccessToken")
    def access_token(appKey: str = "", timestamp: str = "", signature: str = "") -> JSONResponse:
        c = emu.credentials
        with emu.lock:
            emu.token_requests += 1
            if appKey != c.app_key:
                return _err("10018", "应用不存在或appKey已停用")
            if not timestamp.isdigit() or (c.timestamp_window_ms and abs(
                    emu.clock() * 1000 - int(timestamp)) > c.timestamp_window_ms):
                return _err("10023", "时间戳不合法或已过期")
            expected = token_signature(appKey, c.app_secret, int(timestamp))
            if not hmac.compare_digest(expected.encode(), signature.encode()):
                return _err("10024", "签名校验失败")
            token, ttl = emu.issue_token()
        return JSONResponse({"code": "00000", "message": "成功！",
                             "data": {"access_token": token, "expire": ttl}})

    @app.post(CONTROL + "/faults")
    def set_faults(new: Faults) -> Faults:
        with emu.lock:
            emu.faults = new
        return new

    @app.post(CONTROL + "/stock")
    def seed_stock(seed: StockSeed) -> dict[str, int]:
        with emu.lock:
            emu.store.stock.extend(seed.rows)
            return {"rows": len(emu.store.stock)}

    @app.post(CONTROL + "/seed")
    def seed_documents(seed: DocumentSeed) -> JSONResponse:
        with emu.lock:
            try:
                ids = emu.documents.seed(seed.document, seed.documents)
            except SeedError as exc:
                return JSONResponse({"detail": str(exc)}, status_code=422)
        return JSONResponse({"ids": ids})

    @app.get(CONTROL + "/events")
    def outbox() -> list[dict[str, Any]]:
        with emu.lock:
            return list(emu.events)

    @app.get(CONTROL + "/state")
    def state() -> dict[str, Any]:
        with emu.lock:
            return {"merchants": len(emu.store.merchants), "orders": len(emu.store.orders),
                    "salesouts": len(emu.documents.tables["salesout"]),
                    "receivebills": len(emu.documents.tables["receivebill"]),
                    "token_requests": emu.token_requests, "events": len(emu.events)}

    routes: dict[tuple[str, str], Callable[[dict[str, Any], Request], dict[str, Any]]] = {
        ("POST", "/yonbip/digitalModel/merchant/newlist"):
            lambda b, r: {"code": 200, "message": "操作成功", "data": emu.store.merchant_list(b)},
        ("GET", "/yonbip/digitalModel/merchant/detail"):
            lambda b, r: _detail(emu.store.merchants, r.query_params.get("id")),
        ("POST", "/yonbip/digitalModel/merchant/idempotent/newinsert"):
            lambda b, r: emu.store.idempotent(
                "merchant", (b.get("data") or {}).get("resubmitCheckKey"),
                lambda: emu.store.merchant_insert(b.get("data"))),
        ("POST", "/yonbip/digitalModel/batch/merchant/save"):
            lambda b, r: emu.store.merchant_batch_save(b.get("data")),
        ("POST", "/yonbip/sd/voucherorder/list"):
            lambda b, r: {"code": "200", "message": "操作成功", "data": emu.store.order_list(b)},
        ("GET", "/yonbip/sd/voucherorder/detail"):
            lambda b, r: _detail(emu.store.orders, r.query_params.get("id")),
        ("POST", "/yonbip/sd/voucherorder/singleSave"):
            lambda b, r: emu.store.idempotent(
                "voucherorder", (b.get("data") or {}).get("resubmitCheckKey"),
                lambda: emu.store.order_save(b.get("data"))),
        ("POST", "/yonbip/sd/voucherorder/delete"):
            lambda b, r: emu.store.idempotent(
                "voucherorder-delete", (b.get("data") or {}).get("resubmitCheckKey"),
                lambda: emu.store.order_delete(b.get("data"))),
        ("POST", "/yonbip/scm/stock/QueryCurrentStocksByCondition"):
            lambda b, r: {"code": "200", "message": "操作成功", "data": emu.store.stock_query(b)},
        ("POST", "/yonbip/scm/salesout/list"): lambda b, r: emu.documents.salesout_list(b),
        ("GET", "/yonbip/scm/salesout/detail"):
            lambda b, r: emu.documents.detail("salesout", r.query_params.get("id")),
        ("POST", "/yonbip/fi/receivebill/list/v2"):
            lambda b, r: emu.documents.receivebill_list(b),
        ("GET", "/yonbip/fi/receivebill/detail"):
            lambda b, r: emu.documents.detail("receivebill", r.query_params.get("id")),
    }

    @app.api_route(GATEWAY + "/{path:path}", methods=["GET", "POST"])
    async def business(path: str, request: Request) -> Response:
        handler = routes.get((request.method, "/" + path))
        if handler is None:
            return _err("310404", f"网关上没有注册此API[/{path}]，请确认后重新调用", 404)
        token = request.query_params.get("access_token") or request.headers.get("access_token")
        raw = await request.body()
        delay = emu.take_delay("/" + path)
        if delay:
            await asyncio.sleep(delay)
        with emu.lock:
            if not token:
                return _err("310001", "access_token不能为空。")
            if not emu.token_ok(token):
                return _err("310036", "非法token")
            if emu.faults.rate_limit_calls > 0:
                emu.faults.rate_limit_calls -= 1
                return _err("310046", "API级流量控制，请稍后再试")
            try:
                body = json.loads(raw) if raw else {}
                if not isinstance(body, dict):
                    raise ApiError("999", "请求体必须是 JSON 对象")
                return JSONResponse(handler(body, request))
            except ValueError:
                return _err("999", "请求体不是有效的 JSON")
            except ApiError as exc:
                return JSONResponse({"code": exc.code, "message": exc.message, "data": None})
            except (TypeError, AttributeError, KeyError) as exc:
                # what YonBIP answers for an exception in a business service
                log.info("emulated API raised", extra={"path": path,
                                                       "error": type(exc).__name__})
                return JSONResponse({"code": "999", "message": "服务端逻辑异常", "data": None})

    return app


def _detail(table: dict[str, dict[str, Any]], record_id: str | None) -> dict[str, Any]:
    record = table.get(str(record_id))
    if record is None:
        raise ApiError("1002", "数据不存在")
    return {"code": "200", "message": "操作成功", "data": record}
