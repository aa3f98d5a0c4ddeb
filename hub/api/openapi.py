"""The OpenAPI document as the API really answers: every error is a problem body.

FastAPI documents its own validation errors as ``application/json``
``HTTPValidationError``; this API answers every error, validation included, as
``application/problem+json`` ``Problem``. The document is rewritten once to say so,
and every operation that takes input documents its 422.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from hub.api.problems import PROBLEM_MEDIA_TYPE, Problem

PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}


def install_openapi(app: FastAPI) -> None:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = get_openapi(title=app.title, version=app.version,
                                   description=app.description, routes=app.routes)
            app.openapi_schema = problem_document(document)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def problem_document(document: dict[str, Any]) -> dict[str, Any]:
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    schemas.setdefault("Problem", Problem.model_json_schema(
        ref_template="#/components/schemas/{model}"))
    for name in ("HTTPValidationError", "ValidationError"):
        schemas.pop(name, None)
    for operations in document.get("paths", {}).values():
        for operation in operations.values():
            responses: dict[str, Any] = operation.setdefault("responses", {})
            takes_input = bool(operation.get("parameters") or operation.get("requestBody"))
            if takes_input and "422" not in responses:
                responses["422"] = {"description": "Request or event cannot be read"}
            if operation.get("requestBody") and "400" not in responses:
                responses["400"] = {"description": "The body is not valid JSON"}
            for status, response in responses.items():
                if status[0] in "45":
                    response["content"] = {PROBLEM_MEDIA_TYPE: {"schema": PROBLEM_REF}}
    return document
