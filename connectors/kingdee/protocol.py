"""Kingdee WebAPI wire shapes: service names, reply envelopes and MsgCodes.

Parsed into pydantic models at the boundary so the client and connector reason about
``IsSuccess``/``MsgCode``/``DIndex`` with types, not by poking at nested dicts.
"""

from __future__ import annotations

from enum import IntEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

FORM_SERVICE = "Kingdee.BOS.WebApi.ServicesStub.DynamicFormService."
AUTH_SERVICE = "Kingdee.BOS.WebApi.ServicesStub.AuthService."
SERVICE_SUFFIX = ".common.kdsvc"

SESSION_LOST_TEXT = "会话信息已丢失"
SESSION_LOST_MESSAGE = "会话信息已丢失，请重新登录"


class MsgCode(IntEnum):
    DEFAULT = 0
    SESSION_LOST = 1
    NO_PERMISSION = 2
    EMPTY_OPERATION = 3
    EXCEPTION = 4
    EMPTY_BILL_ID = 5
    DB_FAILURE = 6
    LICENCE = 7
    BAD_PARAMETER = 8
    MISSING_VALUE = 9
    NOT_FOUND = 10
    VALIDATION_FAILED = 11
    NOT_OPERABLE = 12
    NETWORK_CONTROL = 13
    CALL_LIMIT = 14
    ADMIN_LOGIN_FORBIDDEN = 15


RETRIABLE_CODES = frozenset({MsgCode.NETWORK_CONTROL, MsgCode.CALL_LIMIT})
AUTH_CODES = frozenset({MsgCode.NO_PERMISSION, MsgCode.LICENCE, MsgCode.ADMIN_LOGIN_FORBIDDEN})


class _Loose(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True)


class KdError(_Loose):
    FieldName: str | None = None
    Message: str = ""
    DIndex: int = 0


class KdSuccessEntity(_Loose):
    Id: int | str | None = None
    Number: str | None = None
    DIndex: int = 0


class ResponseStatus(_Loose):
    ErrorCode: int = 0
    IsSuccess: bool = False
    Errors: list[KdError] = Field(default_factory=list)
    SuccessEntitys: list[KdSuccessEntity] = Field(default_factory=list)
    SuccessMessages: list[Any] = Field(default_factory=list)
    MsgCode: int = 0

    def message(self) -> str:
        texts = [e.Message for e in self.Errors if e.Message]
        return "; ".join(texts) or f"Kingdee refused the call (MsgCode {self.MsgCode})"

    def session_lost(self) -> bool:
        return self.MsgCode == MsgCode.SESSION_LOST or any(
            SESSION_LOST_TEXT in e.Message for e in self.Errors)


class OperationResult(_Loose):
    ResponseStatus: ResponseStatus
    Id: int | str | None = None
    Number: str | None = None
    NeedReturnData: list[Any] | None = None
    Result: Any = None


class RowResult(BaseModel):
    """One row of a (Batch)Save/Delete/Submit/Audit, matched by DIndex."""

    index: int
    ok: bool
    id: str | None = None
    number: str | None = None
    msg_code: int = 0
    message: str | None = None


class LoginReply(_Loose):
    Message: str | None = None
    MessageCode: str | int | None = None
    LoginResultType: int = -1
    KDSVCSessionId: str | None = None
    IsSuccessByAPI: bool | None = None

    def ok(self) -> bool:
        """1 is success; -5 (an administrator's warning) is treated as success too."""
        return self.LoginResultType in (1, -5)


def service_path(service: str) -> str:
    return f"{service}{SERVICE_SUFFIX}"


def status_envelope(status: ResponseStatus, **extra: Any) -> dict[str, Any]:
    """The ``{"Result": {"ResponseStatus": ...}}`` shape every operation answers."""
    body: dict[str, Any] = {"ResponseStatus": status.model_dump(mode="json")}
    body.update(extra)
    return {"Result": body}


def failure(msg_code: int, message: str, *, field: str | None = None,
            index: int = 0) -> ResponseStatus:
    return ResponseStatus(ErrorCode=500, IsSuccess=False, MsgCode=msg_code,
                          Errors=[KdError(FieldName=field, Message=message, DIndex=index)])


def query_error(payload: Any) -> ResponseStatus | None:
    """ExecuteBillQuery reports errors as ``[[{"Result": {"ResponseStatus": ...}}]]``."""
    if (isinstance(payload, list) and len(payload) == 1 and isinstance(payload[0], list)
            and len(payload[0]) == 1 and isinstance(payload[0][0], dict)):
        result = payload[0][0].get("Result")
        if isinstance(result, dict) and "ResponseStatus" in result:
            return ResponseStatus.model_validate(result["ResponseStatus"])
    return None


def row_results(status: ResponseStatus, count: int) -> list[RowResult]:
    """Spread one reply over ``count`` rows by DIndex; a row never named failed unnamed."""
    rows: list[RowResult | None] = [None] * count
    for entity in status.SuccessEntitys:
        if 0 <= entity.DIndex < count:
            rows[entity.DIndex] = RowResult(
                index=entity.DIndex, ok=True,
                id=None if entity.Id in (None, "", 0) else str(entity.Id),
                number=entity.Number)
    errors_by_row: dict[int, list[str]] = {}
    for error in status.Errors:
        text = f"{error.FieldName}: {error.Message}" if error.FieldName else error.Message
        errors_by_row.setdefault(error.DIndex, []).append(text)
    for index in range(count):
        if rows[index] is not None:
            continue
        messages = errors_by_row.get(index) or (
            [status.message()] if status.Errors or not status.IsSuccess else
            ["Kingdee reported no result for this row"])
        rows[index] = RowResult(index=index, ok=False, msg_code=status.MsgCode,
                                message="; ".join(messages))
    return [r for r in rows if r is not None]
