"""Find connectors through the ``tradehub.connectors`` entry-point group."""

from __future__ import annotations

from functools import cache
from importlib.metadata import entry_points

from connectors.base import Connector
from hub.errors import ConfigError

GROUP = "tradehub.connectors"


@cache
def available() -> dict[str, type[Connector]]:
    found: dict[str, type[Connector]] = {}
    for ep in entry_points(group=GROUP):
        cls = ep.load()
        if not (isinstance(cls, type) and issubclass(cls, Connector)):
            raise ConfigError(f"entry point '{ep.name}' in {GROUP} is not a Connector subclass")
        found[ep.name] = cls
    return found


def get_connector_class(name: str) -> type[Connector]:
    connectors = available()
    try:
        return connectors[name]
    except KeyError:
        raise ConfigError(
            f"unknown connector '{name}'; available: {', '.join(sorted(connectors)) or 'none'}"
        ) from None
