"""A protocol-faithful K3Cloud WebAPI emulator (FastAPI), for tests and for trying mappings.

It checks auth as protocols.md 1.4/1.5 documents: every X-Api-*/X-Kd-* header of the
sdk 8.2.0 signature scheme, or a session opened by LoginByAppSecret / LoginBySign /
ValidateUser and carried as the ``kdservice-sessionid`` cookie (or header). Anything
else gets what Kingdee answers for a missing context: HTTP 200, MsgCode 1,
"会话信息已丢失，请重新登录". A stale session id fails the same way even on a signed
call, which is what makes "drop the session id and replay" necessary in practice.

Faults are injected through ``POST /__emulator__/faults`` (or ``Faults`` in
``create_app``): expire every session now or after N more calls, answer the next N
calls with MsgCode 14 (call limit) or 13 (network control), and delay every answer.
``/__emulator__/seed`` loads read-only documents (inventory, deliveries, receipts).
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hashlib
import hmac
import json
import logging
import secrets
import threading
import time
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from connectors.kingdee import protocol as p
from connectors.kingdee import signing as s
from connectors.kingdee.emulator_filter import FilterSyntaxError
from connectors.kingdee.emulator_store import StoreError, Store

log = logging.getLogger(__name__)
CONTROL = "/__emulator__"


class Credentials(BaseModel):
    acct_id: str = "tradehub-demo"
    username: str = "api-user"
    app_id: str = "218224_" + base64.b64encode(b"TradeHubEmulatorAppSecretPart123").decode()[:32]
    app_secret: str = "7f0c1d2e3a4b5c6d7e8f90a1b2c3d4e5"
    password: str = "tradehub"
    timestamp_window: int = Field(900, ge=0, description="0 disables the clock check")


class Faults(BaseModel):
    expire_sessions: bool = False
    expire_sessions_after_calls: int | None = None
    call_limit_calls: int = 0
    network_control_calls: int = 0
    delay_seconds: float = Field(0.0, ge=0, le=30)
    delay_services: list[str] = Field(default_factory=list,
                                      description="Only these services are slow (empty: all)")
    delay_calls: int | None = Field(None, ge=0, description="Only the next N slow calls")


class SeedRequest(BaseModel):
    form_id: str
    documents: list[dict[str, Any]]


class Emulator:
    def __init__(self, credentials: Credentials, faults: Faults, *,
                 clock: Callable[[], float] = time.time) -> None:
        self.credentials = credentials
        self.faults = faults
        self.store = Store()
        self.sessions: set[str] = set()
        self.lock = threading.RLock()
        self.clock = clock
        self.logins = 0
        self.calls: dict[str, int] = {}

    # -- auth ---------------------------------------------------------------------
    def signed_ok(self, request: Request) -> bool | None:
        """None: no signed headers; True/False: they verify or not."""
        h = request.headers
        if s.H_SIGNATURE not in h and s.H_KD_SIGNATURE not in h:
            return None
        c = self.credentials
        try:
            client_id, _ = s.split_app_id(c.app_id)
            secret = s.client_secret(c.app_id)
            ts, nonce = h.get(s.H_TIMESTAMP, ""), h.get(s.H_NONCE, "")
            acct, user, _lcid, _org = base64.b64decode(h.get(s.H_APP_DATA, ""),
                                                        validate=True).decode().split(",")
        except (ValueError, binascii.Error, UnicodeDecodeError):
            return False
        path = request.scope.get("raw_path", b"").decode() or request.url.path
        plain = base64.b64decode(h[s.H_APP_DATA]).decode()
        checks = [
            h.get(s.H_CLIENT_ID) == client_id,
            h.get(s.H_AUTH_VERSION) == s.AUTH_VERSION,
            (h.get(s.H_SIGN_HEADERS) or "").lower().replace(" ", "") == s.SIGN_HEADERS,
            ts.isdigit() and (not c.timestamp_window
                              or abs(self.clock() - int(ts)) <= c.timestamp_window),
            hmac.compare_digest(h.get(s.H_SIGNATURE, ""),
                                s.kd_hmac(s.api_signature_message(path, nonce, ts), secret)),
            h.get(s.H_APP_KEY) == c.app_id,
            acct == c.acct_id and user == c.username,
            hmac.compare_digest(h.get(s.H_KD_SIGNATURE, ""),
                                s.kd_hmac(c.app_id + plain, c.app_secret)),
        ]
        return all(checks)

    def session_of(self, request: Request) -> str | None:
        return request.cookies.get(s.SESSION_COOKIE) or request.headers.get(s.SESSION_COOKIE)

    def new_session(self) -> str:
        sid = secrets.token_hex(16)
        self.sessions.add(sid)
        return sid

    def take_delay(self, service: str) -> float:
        """Seconds to stall this call; the work still happens after a client gave up."""
        with self.lock:
            f = self.faults
            if not f.delay_seconds or (f.delay_services and service not in f.delay_services):
                return 0.0
            if f.delay_calls is not None:
                if f.delay_calls <= 0:
                    return 0.0
                f.delay_calls -= 1
            return f.delay_seconds

    def expire_all(self) -> None:
        self.sessions.clear()

    def count_call(self) -> p.ResponseStatus | None:
        """Apply injected faults to one business call; a status means "answer this"."""
        f = self.faults
        if f.expire_sessions:
            self.expire_all()
            f.expire_sessions = False
        if f.expire_sessions_after_calls is not None:
            if f.expire_sessions_after_calls <= 0:
                self.expire_all()
                f.expire_sessions_after_calls = None
            else:
                f.expire_sessions_after_calls -= 1
        if f.call_limit_calls > 0:
            f.call_limit_calls -= 1
            return p.failure(p.MsgCode.CALL_LIMIT, "接口调用次数超过限制，请稍后再试")
        if f.network_control_calls > 0:
            f.network_control_calls -= 1
            return p.failure(p.MsgCode.NETWORK_CONTROL, "网络互斥：该数据正在被其他用户操作")
        return None

    # -- logins ---------------------------------------------------------------------
    def login(self, method: str, body: dict[str, Any]) -> tuple[dict[str, Any], str | None]:
        c = self.credentials
        params = body.get("parameters")
        if isinstance(params, str):
            try:
                params = json.loads(params)
            except ValueError:
                params = None
        ok = False
        if method == "LoginByAppSecret":
            values = params if isinstance(params, list) else [
                body.get("acctID"), body.get("username"), body.get("appid"),
                body.get("appsecret"), body.get("lcid")]
            ok = len(values) >= 4 and [str(v) for v in values[:4]] == [
                c.acct_id, c.username, c.app_id, c.app_secret]
        elif method == "LoginBySign" and isinstance(params, list) and len(params) >= 5:
            acct, user, app_id, ts, sign = (str(v) for v in params[:5])
            joined = "".join(sorted([c.acct_id, c.username, c.app_id, c.app_secret, ts]))
            fresh = ts.isdigit() and (not c.timestamp_window
                                      or abs(self.clock() - int(ts)) <= c.timestamp_window)
            ok = fresh and [acct, user, app_id] == [c.acct_id, c.username, c.app_id] and (
                sign in (hashlib.sha256(joined.encode()).hexdigest(),
                         hashlib.sha1(joined.encode()).hexdigest()))
        elif method == "ValidateUser":
            values = params if isinstance(params, list) else [
                body.get("acctID"), body.get("username"), body.get("password"), body.get("lcid")]
            ok = len(values) >= 3 and [str(v) for v in values[:3]] == [
                c.acct_id, c.username, c.password]
        if not ok:
            return {"Message": "用户名或密码错误，或第三方系统登录授权无效", "MessageCode": None,
                    "LoginResultType": -1, "Context": None, "KDSVCSessionId": None,
                    "IsSuccessByAPI": False}, None
        self.logins += 1
        sid = self.new_session()
        return {"Message": None, "MessageCode": "CheckPasswordPolicy", "LoginResultType": 1,
                "Context": {"UserName": c.username, "DBid": c.acct_id, "SessionId": sid,
                            "UserToken": secrets.token_hex(16)},
                "KDSVCSessionId": sid, "IsSuccessByAPI": True}, sid

    # -- services ----------------------------------------------------------------------
    @staticmethod
    def unwrap_legacy(service: str, body: dict[str, Any]) -> dict[str, Any]:
        """The older envelope: ``parameters`` = JSON string of [formid, (opNumber), data]."""
        params = body.get("parameters")
        if "data" in body or params is None:
            return body
        if isinstance(params, str):
            params = json.loads(params)
        if not isinstance(params, list) or not params:
            raise StoreError(p.MsgCode.BAD_PARAMETER, "parameters 必须是数组")
        if service in ("ExecuteBillQuery", "BillQuery"):
            return {"data": params[0]}
        if service == "ExcuteOperation" and len(params) >= 3:
            return {"formid": params[0], "opNumber": params[1], "data": params[2]}
        return {"formid": params[0], "data": params[1] if len(params) > 1 else {}}

    def run(self, service: str, body: dict[str, Any]) -> Any:
        body = self.unwrap_legacy(service, body)
        data = body.get("data")
        if isinstance(data, str):
            data = json.loads(data)
        if not isinstance(data, dict):
            raise StoreError(p.MsgCode.BAD_PARAMETER, "参数 data 必须是 JSON 对象")
        form_id = str(body.get("formid") or data.get("FormId") or "")
        st = self.store
        if service == "ExecuteBillQuery":
            return st.query(data)
        if service == "BillQuery":
            keys = [k.strip() for k in str(data.get("FieldKeys", "")).split(",")]
            return [dict(zip(keys, row)) for row in st.query(data)]
        if service in ("Save", "BatchSave"):
            models = data.get("Model")
            if service == "Save":
                models = [models]
            if not isinstance(models, list) or not models:
                raise StoreError(p.MsgCode.BAD_PARAMETER, "Model 不能为空")
            status = st.batch_save(form_id, models,
                                   need_update=list(data.get("NeedUpDateFields") or []),
                                   delete_entry=bool(data.get("IsDeleteEntry", True)))
            first = status.SuccessEntitys[0] if status.SuccessEntitys else None
            return p.status_envelope(status, Id=first.Id if first else "",
                                     Number=first.Number if first else "", NeedReturnData=[])
        if service in ("Submit", "Audit", "Delete", "ExcuteOperation"):
            op = str(body.get("opNumber") or "") if service == "ExcuteOperation" else service
            ids = [i.strip() for i in str(data.get("Ids") or "").split(",") if i.strip()]
            numbers = [str(n) for n in data.get("Numbers") or []]
            return p.status_envelope(st.bill_operation(form_id, op, ids, numbers))
        if service == "View":
            doc = st.find(form_id, id=data.get("Id"), number=data.get("Number"))
            if doc is None:
                raise StoreError(p.MsgCode.NOT_FOUND, "单据不存在或已被删除")
            return p.status_envelope(p.ResponseStatus(IsSuccess=True), Result=doc)
        raise StoreError(p.MsgCode.BAD_PARAMETER, f"服务“{service}”不受支持")


def create_app(credentials: Credentials | None = None, faults: Faults | None = None, *,
               clock: Callable[[], float] = time.time) -> FastAPI:
    emu = Emulator(credentials or Credentials(), faults or Faults(), clock=clock)
    app = FastAPI(title="Kingdee K3Cloud WebAPI emulator", docs_url=None, redoc_url=None)
    app.state.emulator = emu

    def session_lost(query: bool) -> JSONResponse:
        envelope = p.status_envelope(p.failure(p.MsgCode.SESSION_LOST, p.SESSION_LOST_MESSAGE))
        return JSONResponse([[envelope]] if query else envelope)

    @app.post(CONTROL + "/faults")
    def set_faults(faults: Faults) -> Faults:
        with emu.lock:
            emu.faults = faults
        return faults

    @app.post(CONTROL + "/seed")
    def seed(request: SeedRequest) -> JSONResponse:
        with emu.lock:
            try:
                docs = [emu.store.save(request.form_id, dict(d), need_update=[],
                                       delete_entry=True) for d in request.documents]
            except StoreError as exc:
                return JSONResponse({"detail": exc.message}, status_code=422)
            meta = emu.store.meta(request.form_id)
        return JSONResponse({"ids": [d[meta.pk] for d in docs]})

    @app.get(CONTROL + "/state")
    def state() -> dict[str, Any]:
        with emu.lock:
            return {"counts": {f: len(d) for f, d in emu.store.docs.items()},
                    "logins": emu.logins, "calls": dict(emu.calls),
                    "sessions": len(emu.sessions)}

    @app.post("/{site}/{service_path}")
    async def service(site: str, service_path: str, request: Request) -> Response:
        if not service_path.endswith(p.SERVICE_SUFFIX):
            return Response("Not Found", status_code=404)
        full = service_path.removesuffix(p.SERVICE_SUFFIX)
        namespace, _, name = full.rpartition(".")
        try:
            body = json.loads(await request.body() or b"{}")
        except ValueError:
            return JSONResponse(p.status_envelope(p.failure(p.MsgCode.BAD_PARAMETER,
                                                            "请求内容不是有效的 JSON")))
        if not isinstance(body, dict):
            body = {}
        delay = emu.take_delay(name)
        if delay:
            await asyncio.sleep(delay)
        with emu.lock:
            emu.calls[name] = emu.calls.get(name, 0) + 1
            if namespace + "." == p.AUTH_SERVICE:
                reply, sid = emu.login(name, body)
                response = JSONResponse(reply)
                if sid:
                    response.set_cookie(s.SESSION_COOKIE, sid, path="/", httponly=True)
                return response
            if namespace + "." != p.FORM_SERVICE:
                return Response("Not Found", status_code=404)
            query = name in ("ExecuteBillQuery", "BillQuery")
            fault = emu.count_call()
            signed = emu.signed_ok(request)
            sid = emu.session_of(request)
            if signed is False or (sid is not None and sid not in emu.sessions) or (
                    signed is None and sid is None):
                return session_lost(query)
            if fault is not None:
                envelope = p.status_envelope(fault)
                return JSONResponse([[envelope]] if query else envelope)
            try:
                result = emu.run(name, body)
            except (StoreError, FilterSyntaxError, ValueError) as exc:
                code = exc.msg_code if isinstance(exc, StoreError) else p.MsgCode.BAD_PARAMETER
                envelope = p.status_envelope(p.failure(code, str(getattr(exc, "message", exc))))
                return JSONResponse([[envelope]] if query else envelope)
            except (TypeError, AttributeError, KeyError) as exc:
                # K3Cloud answers an exception inside an operation as MsgCode 4, HTTP 200
                log.info("emulated operation raised", extra={"service": name,
                                                             "error": type(exc).__name__})
                envelope = p.status_envelope(p.failure(p.MsgCode.EXCEPTION,
                                                       f"服务端异常：{type(exc).__name__}"))
                return JSONResponse([[envelope]] if query else envelope)
            response = JSONResponse(result)
            if sid is None:
                response.set_cookie(s.SESSION_COOKIE, emu.new_session(), path="/",
                                    httponly=True)
            return response

    return app
