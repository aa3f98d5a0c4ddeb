"""Every refusal is a JSON body naming the problem: ``{"error": code, "message": ...}``.

Products answer 401/403/404/409/422 with that shape, never a bare 500: pydantic
errors, unknown routes and database integrity errors are all translated here.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError
from starlette.exceptions import HTTPException as StarletteHTTPException

log = logging.getLogger(__name__)


class ApiError(Exception):
    """A refusal the client can act on; ``status`` is the HTTP status."""

    def __init__(self, status: int, code: str, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.extra = extra

    def body(self) -> dict[str, Any]:
        return {"error": self.code, "message": self.message, **self.extra}


def not_found(resource: str, ident: object) -> ApiError:
    return ApiError(404, "not_found", f"{resource} {ident} does not exist")


def conflict(message: str) -> ApiError:
    return ApiError(409, "conflict", message)


def rule(message: str) -> ApiError:
    """A business rule refused the change (e.g. an order moving backwards)."""
    return ApiError(409, "rule_violation", message)


def unprocessable(message: str) -> ApiError:
    return ApiError(422, "validation_error", message)


def describe_errors(errors: list[Any]) -> list[dict[str, str]]:
    """pydantic's error list, reduced to where and what (no echoed input)."""
    return [{"loc": ".".join(str(p) for p in e["loc"]), "message": str(e["msg"])} for e in errors]


def summarise(exc: ValidationError) -> str:
    return "; ".join(f"{f['loc'] or '(item)'}: {f['message']}" for f in describe_errors(exc.errors()))


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def _api_error(_: Request, exc: ApiError) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
        return JSONResponse(exc.body(), status_code=exc.status, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        fields = describe_errors(list(exc.errors()))
        return JSONResponse({"error": "validation_error", "message": "the request is invalid",
                             "fields": fields}, status_code=422)

    @app.exception_handler(IntegrityError)
    async def _integrity(_: Request, exc: IntegrityError) -> JSONResponse:
        log.info("integrity error", extra={"detail": str(exc.orig)[:200]})
        return JSONResponse({"error": "conflict",
                             "message": "the change conflicts with an existing record"},
                            status_code=409)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        return JSONResponse({"error": code, "message": str(exc.detail)},
                            status_code=exc.status_code, headers=exc.headers)
