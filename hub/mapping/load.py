"""Loading mapping files: parse, check everything, compile once."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from hub.errors import LocatedIssue, Location, MappingError
from hub.mapping.compile import compile_direction
from hub.mapping.lookups import LookupTable
from hub.mapping.paths import parse_path
from hub.mapping.spec import MappingSpec
from hub.mapping.validate import check_document
from hub.mapping.yamlnodes import load_document

__all__ = ["CompiledMapping", "check_paths", "load_mapping", "load_mapping_dir"]

log = logging.getLogger(__name__)
Record = dict[str, Any]


@dataclass(frozen=True)
class CompiledMapping:
    """One entity's mapping for one connector, compiled for both directions."""

    path: str
    entity: str
    connector: str
    remote_object: str
    canonical_key: str
    """The canonical natural-key path; composite keys are joined with '@' (sku@warehouse)."""
    remote_key: str
    canonical_key_fields: tuple[str, ...]
    remote_key_fields: tuple[str, ...]
    inbound_fields: frozenset[str]
    outbound_fields: frozenset[str]
    inbound_paths: frozenset[str]
    """Full canonical paths written inbound, e.g. ``lines[].sku`` (finer than fields)."""
    outbound_paths: frozenset[str]
    to_canonical: Callable[[Record], Record]
    """Remote JSON → canonical field dict (Decimal, date, aware datetime values).

    The compiled function itself (no wrapper call); raises ``RecordMappingError``."""
    to_remote: Callable[[Record], Record]
    """Canonical dict (``model_dump()``, python mode) → JSON-ready remote dict."""

    def canonical_key_of(self, canonical: Record) -> str | None:
        """The natural key value of a canonical dict (parts joined with '@'); None if unset."""
        return _key_of(canonical, self.canonical_key_fields)

    def remote_key_of(self, remote: Record) -> str | None:
        """The natural key value of a remote record, as the remote builds it."""
        return _key_of(remote, self.remote_key_fields)


@lru_cache(maxsize=1024)
def _steps(text: str) -> tuple[str | int, ...]:
    return tuple(parse_path(text).steps())


@lru_cache(maxsize=1024)
def _key_steps(paths: tuple[str, ...]) -> str | tuple[tuple[str | int, ...], ...]:
    """Each key path's steps; for the usual key, one top-level field, just its name."""
    steps = tuple(_steps(text) for text in paths)
    if len(steps) == 1 and len(steps[0]) == 1 and isinstance(steps[0][0], str):
        return steps[0][0]
    return steps


def _key_of(record: Record, paths: tuple[str, ...]) -> str | None:
    steps = _key_steps(paths)
    if isinstance(steps, str) and record.__class__ is dict:
        # One top-level field, the usual key: a sync asks this of every record it reads.
        value = record.get(steps)
        return None if value is None or value == "" else str(value).strip()
    parts = []
    for path in steps:
        value: Any = record
        for step in path:
            if isinstance(value, dict):
                value = value.get(step)
            elif isinstance(value, list) and isinstance(step, int) and len(value) > step:
                value = value[step]
            else:
                value = None
        if value is None or value == "":
            return None
        parts.append(str(value).strip())
    return "@".join(parts)


def _compile(spec: MappingSpec) -> CompiledMapping:
    rules = spec.rules
    inbound = frozenset(r.canonical[0].top for r in rules
                        if r.applies("inbound") and r.canonical)
    outbound = frozenset(p.top for r in rules if r.applies("outbound") for p in r.canonical)
    in_paths = frozenset(r.canonical[0].text for r in rules
                         if r.applies("inbound") and r.canonical)
    out_paths = frozenset(p.text for r in rules if r.applies("outbound") for p in r.canonical)
    return CompiledMapping(spec.path, spec.entity, spec.connector, spec.remote_object,
                           "@".join(spec.canonical_key), "@".join(spec.remote_key),
                           spec.canonical_key, spec.remote_key, inbound, outbound,
                           in_paths, out_paths,
                           compile_direction(rules, "inbound"),
                           compile_direction(rules, "outbound"))


def _load(path: Path, cache: dict[str, LookupTable | None]
          ) -> tuple[CompiledMapping | None, list[LocatedIssue]]:
    display = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        why = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
        return None, [LocatedIssue(Location(display, 1, 1), "unreadable",
                                   f"cannot read mapping file: {why}")]
    doc = load_document(text, display)
    if doc.issues:
        return None, sorted(doc.issues)
    spec = check_document(doc, path.parent, cache)
    issues = sorted(set(doc.issues))
    if issues or spec is None:
        return None, issues
    return _compile(spec), []


def _raise(issues: list[LocatedIssue], what: str) -> None:
    n = len(issues)
    raise MappingError(f"{what}: {n} error{'s' if n != 1 else ''}", issues=issues)


def load_mapping(path: Path) -> CompiledMapping:
    """Load, check and compile one file; ``MappingError`` lists all its problems."""
    mapping, issues = _load(Path(path), {})
    if mapping is None:
        _raise(issues, str(path))
    assert mapping is not None
    log.debug("mapping loaded", extra={"mapping": str(path), "entity": mapping.entity})
    return mapping


def _is_lookup_file(path: Path) -> bool:
    return path.parent.name == "lookups"


def load_mapping_dir(folder: Path) -> dict[str, CompiledMapping]:
    """Every mapping in ``folder`` by canonical entity; all errors of all files at once."""
    folder = Path(folder)
    found: dict[str, CompiledMapping] = {}
    issues: list[LocatedIssue] = []
    cache: dict[str, LookupTable | None] = {}
    files = sorted(p for p in folder.glob("*.y*ml") if not _is_lookup_file(p))
    if not files:
        _raise([LocatedIssue(Location(str(folder), 1, 1), "no-mappings",
                             "no mapping files (*.yaml) in this folder")], str(folder))
    for file in files:
        mapping, file_issues = _load(file, cache)
        issues.extend(file_issues)
        if mapping is None:
            continue
        if mapping.entity in found:
            issues.append(LocatedIssue(Location(str(file), 1, 1), "duplicate-entity",
                                       f"entity '{mapping.entity}' is already mapped by "
                                       f"{found[mapping.entity].path}"))
            continue
        found[mapping.entity] = mapping
    if issues:
        _raise(sorted(set(issues)), str(folder))
    return found


def check_paths(paths: list[Path]) -> tuple[int, list[LocatedIssue]]:
    """Check files and folders (recursively): (files checked, every issue found)."""
    cache: dict[str, LookupTable | None] = {}
    issues: list[LocatedIssue] = []
    files: list[Path] = []
    for p in paths:
        if p.is_dir():
            files.extend(sorted(q for q in p.rglob("*.y*ml")))
        else:
            files.append(p)
    for file in files:
        if _is_lookup_file(file):
            from hub.mapping.lookup_files import load_lookup_file
            load_lookup_file(file, str(file), file.stem, issues)
            continue
        _, file_issues = _load(file, cache)
        issues.extend(file_issues)
    return len(files), sorted(set(issues))
