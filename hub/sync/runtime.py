"""Building a ready-to-run SyncContext from the process settings and hub.yaml."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from sqlalchemy import Engine

from hub.config import get_settings
from hub.leads.channels import has_channels
from hub.store.db import session_factory
from hub.sync.config import HubConfig
from hub.sync.context import SyncContext
from hub.sync.hubfile import load_hub_config


def hub_file() -> Path:
    return get_settings().hub_file


@lru_cache(maxsize=4)
def _engine(url: str) -> Engine:
    from hub.store.migrate import create_store_engine  # alembic: only where it migrates

    return create_store_engine(url)


def build_context(config: HubConfig | None = None, *, store_url: str | None = None,
                  engine: Engine | None = None) -> SyncContext:
    """A context on the configured store (migrated on first use) and hub.yaml.

    ``engine``: an engine on a store someone else has migrated already (a part
    process's parent did): no schema check, and no alembic to import for it.
    """
    settings = get_settings()
    engine = engine or _engine(store_url or settings.store_url())
    ctx = SyncContext(config=config or load_hub_config(settings.hub_file),
                      sessions=session_factory(engine))
    if has_channels(ctx.config):        # channel leads find their lead before the engine
        from hub.leads.intake import install_intake

        install_intake(ctx)
    return ctx


def clear_cache() -> None:
    """Forget cached engines (tests that switch databases)."""
    _engine.cache_clear()
