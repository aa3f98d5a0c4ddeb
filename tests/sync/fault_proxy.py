"""A reverse proxy on loopback that makes a product misbehave the way networks do.

It forwards everything to the real product, but answers a share of the write calls
with a 500, a 429 with Retry-After, or a timeout that happens *after* the product
applied the write (so only idempotent writes survive it). Seeded, so a failing run
can be reproduced.
"""

from __future__ import annotations

import asyncio
import random
from collections import Counter

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route


class FaultProxy:
    def __init__(self, upstream: str, *, rate: float, seed: int = 7,
                 timeout_delay: float = 1.5) -> None:
        self.upstream = upstream.rstrip("/")
        self.rate = rate
        self.random = random.Random(seed)
        self.timeout_delay = timeout_delay
        self.injected: Counter[str] = Counter()
        self.app = Starlette(routes=[Route("/{path:path}", self.forward,
                                           methods=["GET", "POST", "PUT", "PATCH", "DELETE"])])

    def _is_write(self, request: Request) -> bool:
        return request.method in ("POST", "PUT", "PATCH") and "batch-upsert" in request.url.path

    async def forward(self, request: Request) -> Response:
        fault = None
        if self._is_write(request) and self.random.random() < self.rate:
            fault = self.random.choice(["500", "429", "timeout"])
            self.injected[fault] += 1
        if fault == "500":
            return Response('{"detail":"injected"}', status_code=500,
                            media_type="application/json")
        if fault == "429":
            return Response('{"detail":"slow down"}', status_code=429,
                            headers={"Retry-After": "0.1"}, media_type="application/json")
        async with httpx.AsyncClient(timeout=30) as client:
            upstream = await client.request(
                request.method, f"{self.upstream}{request.url.path}",
                params=request.query_params, content=await request.body(),
                headers={k: v for k, v in request.headers.items()
                         if k.lower() not in ("host", "content-length")})
        if fault == "timeout":
            await asyncio.sleep(self.timeout_delay)   # the write happened; the answer is late
        return Response(upstream.content, status_code=upstream.status_code,
                        media_type=upstream.headers.get("content-type"))
