"""Mapping files read the same whichever YAML loader composes them: libyaml's (fast)
or PyYAML's own, which still reports syntax errors."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from hub.mapping import yamlnodes

ROOT = Path(__file__).resolve().parents[2]
FILES = sorted([*ROOT.glob("mappings/**/*.yaml"), *ROOT.glob("examples/**/*.yaml"),
                *(Path(__file__).parent / "broken").glob("*.yaml")])


def read(path: Path, loader: type | None, monkeypatch: pytest.MonkeyPatch) -> yamlnodes.Document:
    monkeypatch.setattr(yamlnodes, "_LIBYAML_LOADER", loader)
    return yamlnodes.load_document(path.read_text(encoding="utf-8"), str(path))


@pytest.mark.skipif(not hasattr(yaml, "CSafeLoader"), reason="PyYAML built without libyaml")
@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_both_loaders_give_the_same_document(path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    fast = read(path, yaml.CSafeLoader, monkeypatch)
    own = read(path, None, monkeypatch)
    assert (fast.data, fast.values, fast.keys, fast.yaml11_bools, fast.issues) == \
        (own.data, own.values, own.keys, own.yaml11_bools, own.issues)


def test_a_syntax_error_keeps_pyyamls_message_and_place() -> None:
    doc = yamlnodes.load_document("entity: customer\nfields: [a, b\n", "m.yaml")
    [issue] = doc.issues
    assert issue.code == "yaml-syntax"
    assert (issue.location.line, issue.location.column) == (3, 1)
    assert "expected ',' or ']', but got '<stream end>'" in issue.message   # PyYAML's words


def test_there_are_files_to_compare() -> None:
    assert len(FILES) > 20
