"""Connectors are found by name through their entry points, and only the one named is
imported: each brings its protocol's libraries, which a process syncing other systems
(a part process, a flow run) would otherwise load for nothing."""

from __future__ import annotations

import subprocess
import sys

import pytest

from connectors.base import Connector
from connectors.registry import get_connector_class
from hub.errors import ConfigError


def test_a_connector_is_found_by_its_name() -> None:
    found = get_connector_class("builtin")
    assert issubclass(found, Connector) and found.__name__ == "BuiltinConnector"


def test_an_unknown_name_is_refused_with_the_names_there_are() -> None:
    with pytest.raises(ConfigError) as raised:
        get_connector_class("salesforce")
    message = raised.value.message
    assert "unknown connector 'salesforce'" in message
    for name in ("builtin", "kingdee", "yonyou", "email", "whatsapp", "webhook", "customs"):
        assert name in message


def test_only_the_named_connector_is_imported() -> None:
    probe = ("import sys; from connectors.registry import get_connector_class; "
             "get_connector_class('builtin'); "
             "print(sorted(m for m in sys.modules if m.startswith('connectors.')))")
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                            check=True).stdout
    assert "connectors.builtin" in loaded
    for other in ("kingdee", "yonyou", "email", "whatsapp", "customs", "webhook"):
        assert f"connectors.{other}" not in loaded, loaded
