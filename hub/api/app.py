"""The hub's HTTP face: inbound webhooks, the admin API, outbound delivery, health.

``create_app()`` with no arguments reads the process settings and hub.yaml (that is
how ``tradehub serve`` and uvicorn start it); tests pass a ready ``SyncContext`` and
their own settings. The inbox and delivery workers start and stop with the app: in
a process of their own when the app loads hub.yaml itself (``hub.api.worker_process``),
in threads when handed a context (``TRADEHUB_API_INBOX_WORKER`` overrides).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Protocol

import httpx
from fastapi import FastAPI

from hub import __version__
from hub.api import admin, subscriptions, webhooks
from hub.api.inbox_worker import InboxWorker, Reporter
from hub.api.openapi import install_openapi
from hub.api.outbound import DeliveryWorker
from hub.api.problems import install_problem_handlers
from hub.api.runtime import HubRuntime, build_runtime
from hub.api.schemas import Health
from hub.api.settings import ApiSettings, get_api_settings
from hub.api.worker_process import WorkerProcess
from hub.config import Settings, get_settings
from hub.gctune import settle_for_serving
from hub.sync.context import SyncContext

log = logging.getLogger(__name__)


class Worker(Protocol):
    def start(self) -> None: ...
    def stop(self, timeout: float = ...) -> None: ...
    def is_alive(self) -> bool: ...

DESCRIPTION = """Integration hub for B2B foreign trade.

* `POST /webhooks/{system}` receives a product's signed change events (the generic
  `X-TradeHub-Signature` scheme, or the system's own, e.g. WhatsApp's).
* `/admin/…` (bearer admin token): pipelines, runs, links, conflicts, dead letters,
  inbox, outbound subscriptions.
* Subscribers receive every change as a signed JSON event (same scheme).
"""


def create_app(ctx: SyncContext | None = None, *, settings: Settings | None = None,
               api_settings: ApiSettings | None = None,
               delivery_transport: httpx.BaseTransport | None = None,
               reporter: Reporter | None = None) -> FastAPI:
    settings = settings or get_settings()
    api = api_settings or get_api_settings()
    runtime = build_runtime(settings, api, ctx)
    runtime.delivery_transport = delivery_transport

    served = ctx is None            # uvicorn / tradehub serve, not a test handing a context
    in_process = api.inbox_worker == "thread" or (api.inbox_worker == "auto" and not served)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        workers: dict[str, Worker | None] = {"inbox": None, "delivery": None}
        if api.run_workers and runtime.ctx is not None:
            if in_process:
                workers["inbox"] = InboxWorker(runtime, reporter=reporter or
                                               _default_reporter(api),
                                               on_batch=runtime.outbox_wakeup.set)
                workers["delivery"] = DeliveryWorker(runtime, transport=delivery_transport)
            else:
                process = WorkerProcess()
                runtime.inbox_wakeup = process.wakeups.inbox
                runtime.outbox_wakeup = process.wakeups.outbox
                workers = {"inbox": process, "delivery": process}
            for worker in {id(w): w for w in workers.values() if w is not None}.values():
                worker.start()
        if served:      # the start-up heap out of the collector's walks (p99 spikes)
            settle_for_serving()
        app.state.workers = workers
        try:
            yield
        finally:
            for worker in {id(w): w for w in workers.values() if w is not None}.values():
                worker.stop()
            runtime.close()

    app = FastAPI(title="TradeHub", version=__version__, description=DESCRIPTION,
                  lifespan=lifespan)
    app.state.hub = runtime
    app.state.workers = {}
    install_problem_handlers(app)
    install_openapi(app)
    app.add_middleware(webhooks.WebhookFastPath)
    app.include_router(webhooks.router)
    app.include_router(admin.router)
    app.include_router(subscriptions.router)

    @app.get("/health", response_model=Health, tags=["admin"],
             summary="Liveness, and whether hub.yaml loaded and the workers run")
    def health() -> Health:
        return _health(runtime, app)

    return app


def _health(runtime: HubRuntime, app: FastAPI) -> Health:
    workers = {name: bool(worker is not None and worker.is_alive())
               for name, worker in getattr(app.state, "workers", {}).items()}
    ok = runtime.ctx is not None and (not runtime.api.run_workers or all(workers.values()))
    return Health(status="ok" if ok else "degraded", version=__version__,
                  configured=runtime.ctx is not None, workers=workers)


def _default_reporter(api: ApiSettings) -> Reporter | None:
    from hub.api.prefect_report import reporter_from_settings

    return reporter_from_settings(api)
