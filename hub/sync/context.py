"""Everything a pipeline run needs, built once from hub.yaml: store, connectors, mappings."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

import httpx
from sqlalchemy.orm import Session, sessionmaker

from connectors.base import Connector
from connectors.registry import get_connector_class
from hub.errors import ConfigError
from hub.sync.config import HubConfig, PipelineConfig


class RecordMapping(Protocol):
    """What the engine needs of a compiled mapping (``hub.mapping.CompiledMapping``)."""

    entity: str
    canonical_key: str
    canonical_key_fields: tuple[str, ...]
    inbound_fields: frozenset[str]
    outbound_fields: frozenset[str]

    def canonical_key_of(self, canonical: dict[str, Any]) -> str | None: ...

    def to_canonical(self, remote: dict[str, Any]) -> dict[str, Any]: ...

    def to_remote(self, canonical: dict[str, Any]) -> dict[str, Any]: ...


MappingLoader = Callable[[HubConfig, str], dict[str, RecordMapping]]


def load_system_mappings(config: HubConfig, system: str) -> dict[str, RecordMapping]:
    from hub.mapping import load_mapping_dir

    return dict(load_mapping_dir(config.mapping_dir(system)))


@dataclass
class SyncContext:
    config: HubConfig
    sessions: sessionmaker[Session]
    transports: dict[str, httpx.BaseTransport] = field(default_factory=dict)
    mapping_loader: MappingLoader = load_system_mappings
    _connectors: dict[str, Connector] = field(default_factory=dict, init=False)
    _mappings: dict[str, dict[str, RecordMapping]] = field(default_factory=dict, init=False)

    def pipeline(self, name: str) -> PipelineConfig:
        try:
            return self.config.pipelines[name]
        except KeyError:
            raise ConfigError(f"unknown pipeline '{name}'; pipelines: "
                              f"{', '.join(sorted(self.config.pipelines)) or 'none'}") from None

    def connector(self, system: str) -> Connector:
        if system not in self._connectors:
            spec = self.config.systems[system]
            cls = get_connector_class(spec.connector)
            self._connectors[system] = cls.from_settings(
                spec.settings, system=system, transport=self.transports.get(system))
        return self._connectors[system]

    def mapping(self, system: str, entity: str) -> RecordMapping:
        if system not in self._mappings:
            self._mappings[system] = self.mapping_loader(self.config, system)
        try:
            return self._mappings[system][entity]
        except KeyError:
            raise ConfigError(
                f"system '{system}' has no mapping for '{entity}' in "
                f"{self.config.mapping_dir(system)}") from None

    def reload_mappings(self) -> None:
        self._mappings.clear()

    def close(self) -> None:
        for connector in self._connectors.values():
            connector.close()
        self._connectors.clear()
