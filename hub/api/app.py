"""The hub's HTTP face: health now; webhooks and admin endpoints join it (hub/api/*)."""

from __future__ import annotations

from fastapi import FastAPI
from pydantic import BaseModel

from hub import __version__


class Health(BaseModel):
    status: str
    version: str


def create_app() -> FastAPI:
    app = FastAPI(title="TradeHub", version=__version__,
                  description="Integration hub for B2B foreign trade: webhooks in and out, "
                              "pipelines, links, conflicts and dead letters.")

    @app.get("/health", response_model=Health, tags=["admin"])
    def health() -> Health:
        return Health(status="ok", version=__version__)

    return app
