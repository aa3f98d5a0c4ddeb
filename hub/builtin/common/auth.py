"""Bearer-token auth, as a product with API keys would have it."""

from __future__ import annotations

import hmac

from fastapi import Request

from hub.builtin.common.errors import ApiError


def require_token(request: Request) -> None:
    """FastAPI dependency: 401 unless ``Authorization: Bearer <token>`` matches."""
    expected: str = request.app.state.builtin_token
    header = request.headers.get("authorization", "")
    scheme, _, supplied = header.partition(" ")
    if scheme.lower() != "bearer" or not supplied:
        raise ApiError(401, "unauthorized", "missing 'Authorization: Bearer <token>' header")
    if not hmac.compare_digest(supplied.strip().encode(), expected.encode()):
        raise ApiError(401, "unauthorized", "invalid bearer token")
