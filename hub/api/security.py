"""Admin authentication (a bearer token) and the subscriber-URL guard.

The URL guard keeps subscriptions from turning the hub into a proxy onto its own
network (SSRF): only http(s), and no loopback, private, link-local, multicast or
reserved address, checked on every address the host name resolves to, at
registration and again before each delivery (DNS can change in between).
"""

from __future__ import annotations

import hmac
import ipaddress
import socket
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import Depends
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from hub.api.problems import ApiError, Unauthorized
from hub.api.runtime import HubRuntime, get_runtime

bearer = HTTPBearer(auto_error=False, description="TRADEHUB_ADMIN_TOKEN")


async def require_admin(
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    runtime: Annotated[HubRuntime, Depends(get_runtime)],
) -> None:
    if credentials is None:
        raise Unauthorized("this endpoint needs 'Authorization: Bearer <admin token>'")
    expected = runtime.settings.admin_token.get_secret_value().encode()
    if not hmac.compare_digest(credentials.credentials.encode(), expected):
        raise Unauthorized("the admin token is not valid")


class RefusedUrl(ApiError):
    code = "refused-url"
    http_status = 422


def _forbidden_address(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return not ip.is_global or ip.is_multicast


def check_target_url(url: str, *, allow_private: bool) -> None:
    """Raise ``RefusedUrl`` unless ``url`` is http(s) to public addresses (or allowed)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise RefusedUrl(f"only http and https URLs can be subscribed, not '{parts.scheme}:'",
                         field="url")
    host = parts.hostname
    if not host:
        raise RefusedUrl("the URL has no host", field="url")
    if allow_private:
        return
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
        infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    except (OSError, ValueError) as exc:
        raise RefusedUrl(f"the host '{host}' does not resolve", field="url",
                         detail=str(exc)) from None
    for info in infos:
        address = str(info[4][0])
        if _forbidden_address(address):
            raise RefusedUrl(f"'{host}' resolves to {address}, a loopback, private or reserved "
                             "address; subscriptions must target public addresses",
                             field="url")
