"""Building a ready-to-run SyncContext from the process settings and hub.yaml."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from hub.config import get_settings
from hub.store.db import session_factory
from hub.store.migrate import create_store_engine
from hub.sync.config import HubConfig
from hub.sync.context import SyncContext
from hub.sync.hubfile import load_hub_config


def hub_file() -> Path:
    return get_settings().hub_file


@lru_cache(maxsize=4)
def _engine(url: str):  # type: ignore[no-untyped-def]
    return create_store_engine(url)


def build_context(config: HubConfig | None = None, *, store_url: str | None = None) -> SyncContext:
    """A context on the configured store (migrated on first use) and hub.yaml."""
    from hub.leads.intake import install_intake

    settings = get_settings()
    engine = _engine(store_url or settings.store_url())
    ctx = SyncContext(config=config or load_hub_config(settings.hub_file),
                      sessions=session_factory(engine))
    return install_intake(ctx)          # channel leads find their lead before the engine


def clear_cache() -> None:
    """Forget cached engines (tests that switch databases)."""
    _engine.cache_clear()
