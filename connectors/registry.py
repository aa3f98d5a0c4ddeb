"""Find connectors through the ``tradehub.connectors`` entry-point group."""

from __future__ import annotations

from functools import cache
from importlib.metadata import EntryPoint, entry_points

from connectors.base import Connector
from hub.errors import ConfigError

GROUP = "tradehub.connectors"


@cache
def get_connector_class(name: str) -> type[Connector]:
    """Only the named connector is imported: each brings its own protocol libraries,
    and a process that syncs one pipeline (a part process, a flow run) starts faster
    without the others."""
    for ep in entry_points(group=GROUP, name=name):
        return _load(ep)
    names = sorted(ep.name for ep in entry_points(group=GROUP))
    raise ConfigError(
        f"unknown connector '{name}'; available: {', '.join(names) or 'none'}")


def _load(ep: EntryPoint) -> type[Connector]:
    cls = ep.load()
    if not (isinstance(cls, type) and issubclass(cls, Connector)):
        raise ConfigError(f"entry point '{ep.name}' in {GROUP} is not a Connector subclass")
    return cls  # type: ignore[no-any-return]
