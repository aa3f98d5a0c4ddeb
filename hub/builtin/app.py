"""The reference CRM, ERP and OA in one ASGI app: ``/crm``, ``/erp``, ``/oa``.

Each product is its own FastAPI sub-application (own OpenAPI document at
``/{app}/docs``) over its own tables, so it looks to the hub exactly like a
third-party product reached over HTTP.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import httpx
from fastapi import APIRouter, FastAPI

from hub.builtin.common.errors import install_error_handlers
from hub.builtin.common.product import Product, use_immediate_transactions
from hub.builtin.common.routes import product_router
from hub.builtin.common.webhooks import WebhookWorker, subscription_router
from hub.builtin.crm import make_crm
from hub.builtin.erp import erp_routes, make_erp
from hub.builtin.oa import make_oa, oa_routes
from hub.gctune import settle_for_serving
from hub.store.db import make_engine

APPS = ("crm", "erp", "oa")


def _sub_app(product: Product, token: str,
             extra: Callable[[Product], APIRouter] | None) -> FastAPI:
    sub = FastAPI(title=product.title, version="1.0",
                  description=f"Reference {product.app.upper()} shipped with TradeHub. "
                              "Every call needs 'Authorization: Bearer <token>'.")
    sub.state.builtin_token = token
    install_error_handlers(sub)
    if extra is not None:
        sub.include_router(extra(product))
    sub.include_router(subscription_router(product))
    sub.include_router(product_router(product))
    return sub


def make_products() -> dict[str, Product]:
    """The three products, unbound: their tables and resources, keyed by URL prefix."""
    return {"crm": make_crm(), "erp": make_erp(), "oa": make_oa()}


def create_app(database_url: str, token: str, *, webhook_max_attempts: int = 5,
               webhook_backoff_seconds: float = 0.5,
               webhook_transport: httpx.BaseTransport | None = None) -> FastAPI:
    """All three products on one database; webhook workers run while the app is served."""
    engine = make_engine(database_url)
    use_immediate_transactions(engine)
    products = make_products()
    extras: dict[str, Callable[[Product], APIRouter] | None] = {
        "crm": None, "erp": erp_routes, "oa": oa_routes}
    for product in products.values():
        product.bind(engine)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        workers = [WebhookWorker(p, max_attempts=webhook_max_attempts,
                                 backoff_seconds=webhook_backoff_seconds,
                                 transport=webhook_transport) for p in products.values()]
        for worker in workers:
            worker.start()
        settle_for_serving()
        try:
            yield
        finally:
            for worker in workers:
                worker.stop()
            engine.dispose()

    app = FastAPI(title="TradeHub reference systems", lifespan=lifespan)
    install_error_handlers(app)
    app.state.products = products
    app.state.engine = engine
    for name, product in products.items():
        app.mount(f"/{name}", _sub_app(product, token, extras[name]))

    @app.get("/", include_in_schema=False)
    def index() -> dict[str, object]:
        return {"products": {n: {"api": f"/{n}", "docs": f"/{n}/docs"} for n in products}}

    return app
