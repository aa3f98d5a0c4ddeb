"""Problem bodies (RFC 9457 style) for every error the API answers.

Each refusal is a ``TradeHubError`` with its own ``code`` and status, so the body an
API client sees is built in one place: ``{type, title, status, detail?, field?,
errors?}``. Starlette's and FastAPI's own errors (unknown route, invalid query) are
turned into the same shape, so clients parse one format.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from hub.errors import NotFoundError, TradeHubError

PROBLEM_MEDIA_TYPE = "application/problem+json"


class ProblemItem(BaseModel):
    loc: str = Field(description="Where in the request, e.g. 'query.limit'.")
    message: str


class Problem(BaseModel):
    """What went wrong, for a person: ``type`` is a stable code, ``title`` says what to do."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "type": "malformed-json", "title": "the body is not valid JSON", "status": 400,
        "detail": "Expecting ',' delimiter: line 1 column 17 (char 16)"}]})

    type: str
    title: str
    status: int
    detail: str | None = None
    field: str | None = Field(None, description="The record field an unreadable event fails on.")
    errors: list[ProblemItem] | None = None


class ApiError(TradeHubError):
    """An API refusal with an optional detail and field shown to the client."""

    def __init__(self, message: str, *, detail: str | None = None,
                 field: str | None = None) -> None:
        super().__init__(message, detail=detail)
        self.field = field

    def to_problem(self) -> dict[str, object]:
        body = super().to_problem()
        if self.detail is not None:
            body["detail"] = self.detail
        if self.field is not None:
            body["field"] = self.field
        return body


class UnknownSystem(NotFoundError):
    code = "unknown-system"


class RecordNotFound(NotFoundError):
    code = "not-found"


class PayloadTooLarge(ApiError):
    code = "payload-too-large"
    http_status = 413


class MalformedJson(ApiError):
    code = "malformed-json"
    http_status = 400


class UnreadableBody(ApiError):
    code = "unreadable-body"
    http_status = 400


class InvalidSignature(ApiError):
    code = "invalid-signature"
    http_status = 401


class UnreadableEvent(ApiError):
    code = "unreadable-event"
    http_status = 422


class Unauthorized(ApiError):
    code = "unauthorized"
    http_status = 401


class Forbidden(ApiError):
    code = "forbidden"
    http_status = 403


class InvalidRequest(ApiError):
    code = "invalid-request"
    http_status = 422


class Conflicting(ApiError):
    code = "conflict"
    http_status = 409


class NotConfigured(ApiError):
    code = "hub-not-configured"
    http_status = 503


def problem_response(body: dict[str, object], headers: dict[str, str] | None = None
                     ) -> JSONResponse:
    return JSONResponse(body, status_code=int(str(body["status"])), headers=headers,
                        media_type=PROBLEM_MEDIA_TYPE)


def error_response(exc: TradeHubError) -> JSONResponse:
    headers = {"WWW-Authenticate": "Bearer"} if isinstance(exc, Unauthorized) else None
    return problem_response(exc.to_problem(), headers)


_HTTP_CODES: dict[int, str] = {404: "not-found", 405: "method-not-allowed",
                               401: "unauthorized", 403: "forbidden"}


def install_problem_handlers(app: FastAPI) -> None:
    async def on_tradehub(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, TradeHubError)
        return error_response(exc)

    async def on_http(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        headers = dict(exc.headers or {})
        if exc.status_code == 405:
            headers["Allow"] = ", ".join(allowed_methods(request))
        code = _HTTP_CODES.get(exc.status_code, "http-error")
        if exc.status_code == 400 and "parsing the body" in str(exc.detail):
            code = "malformed-json"
        return problem_response({"type": code, "title": str(exc.detail),
                                 "status": exc.status_code}, headers=headers or None)

    async def on_validation(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        items = [{"loc": ".".join(str(p) for p in e["loc"]), "message": e["msg"]}
                 for e in exc.errors()]
        return problem_response({"type": "invalid-request", "status": 422,
                                 "title": "the request is not valid; see errors",
                                 "errors": items})

    app.add_exception_handler(TradeHubError, on_tradehub)
    app.add_exception_handler(StarletteHTTPException, on_http)
    app.add_exception_handler(RequestValidationError, on_validation)


def allowed_methods(request: Request) -> list[str]:
    """Every method any route serves at this path (Starlette names only the first route's)."""
    methods: set[str] = set()
    scope = {"type": "http", "path": request.url.path, "method": "__none__",
             "root_path": request.scope.get("root_path", "")}
    for route in request.app.routes:
        match, _ = route.matches(scope)
        if match != Match.NONE:
            methods.update(getattr(route, "methods", None) or ())
    return sorted(methods)


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` entries documenting problem bodies for these statuses."""
    return {status: {"model": Problem, "description": _DESCRIPTIONS.get(status, "Problem")}
            for status in statuses}


_DESCRIPTIONS: dict[int, str] = {
    400: "Malformed request body", 401: "Missing or invalid credentials or signature",
    403: "Refused", 404: "Not found", 409: "Conflicts with the current state",
    413: "Body larger than the limit", 422: "Request or event cannot be read",
    503: "The hub is not configured"}
