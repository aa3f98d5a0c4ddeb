"""What the API's handlers and workers share: the sync context, settings, wake-ups.

The context (hub.yaml, store, connectors, mappings) is built once per app. When
hub.yaml cannot be loaded the API still serves health and says why everything else
is unavailable, instead of refusing to start.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from typing import Protocol

import httpx
from fastapi import Request
from sqlalchemy import Engine

from hub.api.inbox import InboxWriter
from hub.api.problems import NotConfigured, UnknownSystem
from hub.api.settings import ApiSettings
from hub.config import Settings
from hub.errors import ConfigError
from hub.sync.context import SyncContext

log = logging.getLogger(__name__)


class Wakeup(Protocol):
    """A ``threading.Event`` or, when the workers run in their own process, a
    ``multiprocessing`` one: the handlers only set it, the workers wait on it."""

    def set(self) -> None: ...
    def clear(self) -> None: ...
    def is_set(self) -> bool: ...
    def wait(self, timeout: float | None = None) -> bool: ...


@dataclass
class HubRuntime:
    settings: Settings
    api: ApiSettings
    ctx: SyncContext | None
    config_error: str | None = None
    inbox_wakeup: Wakeup = field(default_factory=threading.Event)
    outbox_wakeup: Wakeup = field(default_factory=threading.Event)
    delivery_transport: httpx.BaseTransport | None = None
    """Tests route outbound HTTP through a mock transport; None in production."""
    _inbox: InboxWriter | None = field(default=None, init=False, repr=False)

    def context(self) -> SyncContext:
        if self.ctx is None:
            raise NotConfigured("the hub has no usable hub.yaml; fix it and restart",
                                detail=self.config_error)
        return self.ctx

    def inbox(self) -> InboxWriter:
        """The one writer of inbox rows for this app (built on first use)."""
        if self._inbox is None:
            bind = self.context().sessions.kw.get("bind")
            assert isinstance(bind, Engine), "the sync context's sessions need a bound engine"
            self._inbox = InboxWriter(bind, synchronous=self.api.inbox_synchronous)
        return self._inbox

    def wake_inbox(self) -> None:
        """Tell the inbox worker there is work (a no-op while it is already told)."""
        if not self.inbox_wakeup.is_set():
            self.inbox_wakeup.set()

    def close(self) -> None:
        if self._inbox is not None:
            self._inbox.close()

    def require_system(self, system: str) -> SyncContext:
        ctx = self.context()
        if system not in ctx.config.systems:
            raise UnknownSystem(f"unknown system '{system}'; systems: "
                                f"{', '.join(sorted(ctx.config.systems))}")
        return ctx


def build_runtime(settings: Settings, api: ApiSettings, ctx: SyncContext | None) -> HubRuntime:
    if ctx is not None:
        return HubRuntime(settings=settings, api=api, ctx=ctx)
    from hub.sync.runtime import build_context

    try:
        return HubRuntime(settings=settings, api=api, ctx=build_context())
    except ConfigError as exc:
        log.error("hub.yaml could not be loaded; only /health is served",
                  extra={"hub_file": str(settings.hub_file), "error": str(exc)})
        return HubRuntime(settings=settings, api=api, ctx=None, config_error=str(exc))


async def get_runtime(request: Request) -> HubRuntime:
    runtime = request.app.state.hub
    assert isinstance(runtime, HubRuntime)
    return runtime
