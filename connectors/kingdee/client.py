"""Kingdee K3Cloud WebAPI client: auth, one service call, and the operations.

Every call is ``POST {server_url}{Service}.common.kdsvc`` with a JSON body. Failures
come back as HTTP 200 envelopes, so the client reads ``MsgCode`` and turns the ones a
caller must act on into the hub's errors:

- MsgCode 1 / 会话信息已丢失: the server lost our context. Log in again (session mode)
  or drop the stale session id (signed mode) and replay once; the server did not run
  the operation, so the replay cannot double it.
- MsgCode 13 (network-control conflict) and 14 (call limit): ``RetriableError``,
  retried with backoff in ``connectors.http.with_retries`` — the one retry loop.
- MsgCode 2, 7, 15: ``AuthError``. Everything else is returned to the caller, which
  decides whether it is one record's failure (Save) or the whole call's (View, query).
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import httpx
from pydantic import BaseModel, Field

from connectors.http import send, with_retries
from connectors.kingdee import protocol as p
from connectors.kingdee.config import KingdeeConfig
from connectors.kingdee.signing import SESSION_COOKIE, SigningIdentity, build_headers, login_sign
from hub.errors import AuthError, FatalError, RetriableError

log = logging.getLogger(__name__)


class BillQuery(BaseModel):
    """ExecuteBillQuery's ``data``; field names are Kingdee's own."""

    FormId: str
    FieldKeys: str
    FilterString: str = ""
    OrderString: str = ""
    TopRowCount: int = 0
    StartRow: int = Field(0, ge=0)
    Limit: int = Field(2000, ge=0, le=10000)
    SubSystemId: str = ""


class KingdeeClient:
    def __init__(self, config: KingdeeConfig, *, system: str,
                 transport: httpx.BaseTransport | None = None,
                 clock: Callable[[], float] = time.time) -> None:
        self.config = config
        self.system = system
        self._clock = clock
        self._http = httpx.Client(timeout=config.timeout_seconds, transport=transport,
                                  verify=config.verify_tls,
                                  headers={"Content-Type": "application/json; charset=UTF-8"})
        self._session_id: str | None = None
        self._logged_in = False
        secret_override = config.secret_override
        self._identity = SigningIdentity(
            acct_id=config.acct_id, username=config.username, app_id=config.app_id,
            app_secret=config.app_secret.get_secret_value(), lcid=config.lcid,
            org_num=config.org_num,
            secret_override=secret_override.get_secret_value() if secret_override else None)

    def close(self) -> None:
        self._http.close()

    # -- transport -------------------------------------------------------------
    def _url(self, service: str) -> str:
        return self.config.server_url + p.service_path(service)

    def _post(self, service: str, body: dict[str, Any], *, sign: bool) -> Any:
        url = self._url(service)
        headers: dict[str, str] = {}
        if sign:
            headers.update(build_headers(self._identity, httpx.URL(url).raw_path.decode(),
                                         timestamp=int(self._clock())))
        if self._session_id:
            headers[SESSION_COOKIE] = self._session_id
            headers["Cookie"] = f"Theme=standard; {SESSION_COOKIE}={self._session_id}"
        request = self._http.build_request("POST", url, content=json.dumps(body),
                                           headers=headers)
        response = send(self._http, request, system=self.system)
        sid = response.cookies.get(SESSION_COOKIE)
        self._http.cookies.clear()
        if sid:
            self._session_id = sid
        text = response.text
        if text.startswith("response_error:"):
            raise FatalError(f"{self.system}: {text.removeprefix('response_error:').strip()}",
                             system=self.system, detail=text[:500])
        try:
            return response.json()
        except ValueError:
            raise FatalError(f"{self.system} answered something that is not JSON",
                             system=self.system, detail=text[:500]) from None

    # -- session -----------------------------------------------------------------
    def login(self) -> p.LoginReply:
        """Open a session (LoginByAppSecret or LoginBySign); its cookie is kept."""
        c = self.config
        secret = c.app_secret.get_secret_value()
        if c.login_method == "sign":
            ts = int(self._clock())
            sign = login_sign(c.acct_id, c.username, c.app_id, secret, ts)
            service = p.AUTH_SERVICE + "LoginBySign"
            body: dict[str, Any] = {"parameters": [c.acct_id, c.username, c.app_id, ts, sign,
                                                   c.lcid]}
        else:
            service = p.AUTH_SERVICE + "LoginByAppSecret"
            body = {"parameters": [c.acct_id, c.username, c.app_id, secret, c.lcid]}
        self._session_id = None
        reply = p.LoginReply.model_validate(self._post(service, body, sign=False))
        if not reply.ok():
            raise AuthError(f"{self.system} refused the login (LoginResultType "
                            f"{reply.LoginResultType}): {reply.Message or 'no message'}",
                            system=self.system, remote_code=str(reply.LoginResultType))
        if reply.KDSVCSessionId and not self._session_id:
            self._session_id = reply.KDSVCSessionId
        self._logged_in = True
        log.info("kingdee login", extra={"system": self.system, "method": c.login_method})
        return reply

    def _forget_session(self) -> None:
        self._session_id = None
        self._logged_in = False

    # -- one call -------------------------------------------------------------------
    def call(self, service: str, body: dict[str, Any]) -> Any:
        """Run one service call with auth, one replay on session loss, and retries."""
        return with_retries(lambda: self._attempt(service, body),
                            max_retries=self.config.max_retries, system=self.system,
                            initial_wait=self.config.retry_initial_wait)

    def _attempt(self, service: str, body: dict[str, Any]) -> Any:
        session_mode = self.config.auth_mode == "session"
        if session_mode and not self._logged_in:
            self.login()
        payload = self._post(service, body, sign=not session_mode)
        status = _status_of(payload)
        if status is not None and status.session_lost():
            log.warning("kingdee session lost; replaying once",
                        extra={"system": self.system, "service": service})
            self._forget_session()
            if session_mode:
                self.login()
            payload = self._post(service, body, sign=not session_mode)
            status = _status_of(payload)
            if status is not None and status.session_lost():
                raise AuthError(f"{self.system} keeps answering '{status.message()}'; check "
                                "acct_id, the app authorisation and the integration user",
                                system=self.system, remote_code="1")
        if status is not None and not status.IsSuccess:
            self._raise_for_call(status)
        return payload

    def _raise_for_call(self, status: p.ResponseStatus) -> None:
        if status.MsgCode in p.RETRIABLE_CODES:
            raise RetriableError(f"{self.system} asks us to back off (MsgCode "
                                 f"{status.MsgCode}): {status.message()}",
                                 system=self.system, remote_code=str(status.MsgCode))
        if status.MsgCode in p.AUTH_CODES:
            raise AuthError(f"{self.system}: {status.message()}", system=self.system,
                            remote_code=str(status.MsgCode))

    def _operation(self, service: str, form_id: str | None,
                   data: dict[str, Any]) -> p.ResponseStatus:
        body: dict[str, Any] = {"data": data}
        if form_id is not None:
            body = {"formid": form_id, "data": data}
        payload = self.call(p.FORM_SERVICE + service, body)
        status = _status_of(payload)
        if status is None:
            raise FatalError(f"{self.system}: {service} answered without a ResponseStatus",
                             system=self.system, detail=str(payload)[:500])
        return status

    # -- operations -------------------------------------------------------------------
    def batch_save(self, form_id: str, models: Sequence[dict[str, Any]], *,
                   need_update_fields: Sequence[str] | None = None,
                   is_delete_entry: bool = False, **options: Any) -> list[p.RowResult]:
        """Save many documents in one call; one result per model, matched by DIndex."""
        if not models:
            return []
        data: dict[str, Any] = {"Model": list(models), "IsDeleteEntry": is_delete_entry,
                                "NeedUpDateFields": list(need_update_fields or []),
                                "NumberSearch": True, **options}
        if len(models) == 1:
            single = dict(data, Model=models[0])
            status = self._operation("Save", form_id, single)
        else:
            status = self._operation("BatchSave", form_id, data)
        return p.row_results(status, len(models))

    def save(self, form_id: str, model: dict[str, Any], **kwargs: Any) -> p.RowResult:
        return self.batch_save(form_id, [model], **kwargs)[0]

    def _bill_operation(self, service: str, form_id: str, *, ids: Sequence[str] = (),
                        numbers: Sequence[str] = (), **options: Any) -> list[p.RowResult]:
        data: dict[str, Any] = {"CreateOrgId": 0, "Numbers": list(numbers),
                                "Ids": ",".join(ids), **options}
        if self.config.org_number:
            data["UseOrgId"] = self.config.org_number
        status = self._operation(service, form_id, data)
        return p.row_results(status, len(ids) or len(numbers))

    def submit(self, form_id: str, *, ids: Sequence[str] = (),
               numbers: Sequence[str] = ()) -> list[p.RowResult]:
        return self._bill_operation("Submit", form_id, ids=ids, numbers=numbers)

    def audit(self, form_id: str, *, ids: Sequence[str] = (),
              numbers: Sequence[str] = ()) -> list[p.RowResult]:
        return self._bill_operation("Audit", form_id, ids=ids, numbers=numbers,
                                    IsVerifyProcInst=True)

    def delete(self, form_id: str, *, ids: Sequence[str] = (),
               numbers: Sequence[str] = ()) -> list[p.RowResult]:
        return self._bill_operation("Delete", form_id, ids=ids, numbers=numbers)

    def execute_operation(self, form_id: str, op_number: str, *, ids: Sequence[str] = (),
                          numbers: Sequence[str] = ()) -> list[p.RowResult]:
        """ExcuteOperation (sic, Kingdee's spelling): Forbid, Enable and other named ops."""
        data: dict[str, Any] = {"CreateOrgId": 0, "Numbers": list(numbers), "Ids": ",".join(ids)}
        payload = self.call(p.FORM_SERVICE + "ExcuteOperation",
                            {"formid": form_id, "opNumber": op_number, "data": data})
        status = _status_of(payload)
        if status is None:
            raise FatalError(f"{self.system}: {op_number} answered without a ResponseStatus",
                             system=self.system, detail=str(payload)[:500])
        return p.row_results(status, len(ids) or len(numbers))

    def view(self, form_id: str, *, number: str | None = None,
             id: str | None = None) -> dict[str, Any] | None:
        """One document as View shows it; ``None`` when Kingdee says it does not exist."""
        data: dict[str, Any] = {"CreateOrgId": 0, "Number": number or "", "Id": id or "",
                                "IsSortBySeq": True}
        status_payload = self.call(p.FORM_SERVICE + "View", {"formid": form_id, "data": data})
        status = _status_of(status_payload)
        if status is not None and not status.IsSuccess:
            if status.MsgCode == p.MsgCode.NOT_FOUND:
                return None
            raise FatalError(f"{self.system}: View {form_id}: {status.message()}",
                             system=self.system, remote_code=str(status.MsgCode))
        result = status_payload["Result"].get("Result")
        return result if isinstance(result, dict) else None

    def execute_bill_query(self, query: BillQuery) -> list[list[Any]]:
        """One page of rows, each in FieldKeys order."""
        payload = self.call(p.FORM_SERVICE + "ExecuteBillQuery",
                            {"data": query.model_dump()})
        status = _status_of(payload)
        if status is not None:
            raise FatalError(f"{self.system}: query on {query.FormId} refused: "
                             f"{status.message()}", system=self.system,
                             remote_code=str(status.MsgCode))
        if not isinstance(payload, list) or not all(isinstance(r, list) for r in payload):
            raise FatalError(f"{self.system}: ExecuteBillQuery answered an unexpected shape",
                             system=self.system, detail=str(payload)[:500])
        return payload

    def query_all(self, query: BillQuery) -> Iterator[list[list[Any]]]:
        """Pages of ``query``: StartRow += Limit until a short page (bounded)."""
        limit = query.Limit or self.config.page_size
        start = query.StartRow
        for _ in range(self.config.max_pages):
            rows = self.execute_bill_query(query.model_copy(update={"StartRow": start,
                                                                    "Limit": limit}))
            if rows:
                yield rows
            if len(rows) < limit:
                return
            start += limit
        raise FatalError(f"{self.system}: query on {query.FormId} exceeded "
                         f"{self.config.max_pages} pages", system=self.system)


def _status_of(payload: Any) -> p.ResponseStatus | None:
    if isinstance(payload, dict):
        result = payload.get("Result")
        if isinstance(result, dict) and isinstance(result.get("ResponseStatus"), dict):
            return p.ResponseStatus.model_validate(result["ResponseStatus"])
        return None
    return p.query_error(payload)
