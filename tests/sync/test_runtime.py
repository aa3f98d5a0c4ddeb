"""``build_context``: lead intake goes on a context whose systems include a lead
channel, and only there (the intake brings the channels' libraries)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import yaml

from hub.leads.intake import intake_loader
from hub.sync.context import load_system_mappings
from hub.sync.hubfile import load_hub_config
from hub.sync.runtime import build_context

ROOT = Path(__file__).resolve().parents[2]


def hub_yaml(tmp_path: Path, *connectors: str) -> Path:
    systems = {name: {"connector": name, "mappings": str(ROOT / "mappings/builtin/crm"),
                      "settings": {}} for name in connectors}
    path = tmp_path / "hub.yaml"
    path.write_text(yaml.safe_dump({"systems": systems, "pipelines": {}}))
    return path


def test_a_context_with_a_lead_channel_puts_intake_on_its_mappings(tmp_path: Path) -> None:
    config = load_hub_config(hub_yaml(tmp_path, "builtin", "whatsapp"))
    ctx = build_context(config, store_url=f"sqlite:///{tmp_path / 'hub.db'}")
    try:
        assert ctx.mapping_loader is not load_system_mappings
        assert ctx.mapping_loader.__qualname__ == intake_loader(ctx.sessions).__qualname__
    finally:
        ctx.close()


def test_a_context_without_one_loads_mappings_plainly_and_never_imports_intake(
        tmp_path: Path) -> None:
    path = hub_yaml(tmp_path, "builtin")
    store = f"sqlite:///{tmp_path / 'hub.db'}"
    probe = ("import sys; from hub.sync.hubfile import load_hub_config; "
             "from hub.sync.runtime import build_context; "
             "from pathlib import Path; "
             f"ctx = build_context(load_hub_config(Path({str(path)!r})), store_url={store!r}); "
             "print(ctx.mapping_loader.__name__, 'hub.leads.intake' in sys.modules)")
    answer = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                            check=True, cwd=tmp_path).stdout.split()
    assert answer == [load_system_mappings.__name__, "False"]
