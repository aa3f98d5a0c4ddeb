"""Lookup tables as written in files: inline under ``lookups:`` or shared lookup files.

Shared files are read once per load (the cache) and checked against the same schema,
with their own file:line:col, so a typo in ``mappings/lookups/countries.yaml`` is
reported where it is.
"""

from __future__ import annotations

import os
from pathlib import Path as FsPath
from typing import Any

from hub.errors import LocatedIssue
from hub.mapping.lookups import NO_DEFAULT, LookupTable
from hub.mapping.schema import schema_issues
from hub.mapping.yamlnodes import Document, JsonPath, load_document

__all__ = ["document_lookups", "load_lookup_file"]


def _get(data: Any, at: JsonPath) -> Any:
    for k in at:
        data = data[k]
    return data


def load_lookup_file(path: FsPath, display: str, name: str,
                     issues: list[LocatedIssue]) -> LookupTable | None:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        issues.append(LocatedIssue(Document(display, None).at(()), "unknown-lookup",
                                   f"cannot read lookup file: {exc.strerror}"))
        return None
    doc = load_document(text, display)
    if not doc.issues:
        schema_issues(doc)
        if isinstance(doc.data, dict) and "lookup" not in doc.data and not doc.issues:
            doc.issue((), "missing-key", "a lookup file needs 'lookup' (its name)")
    issues.extend(doc.issues)
    if doc.issues:
        return None
    return _table(doc, (), name)


def _table(doc: Document, at: JsonPath, name: str) -> LookupTable:
    data: dict[str, Any] = doc.data if at == () else _get(doc.data, at)
    values = data.get("values", {})
    return LookupTable(
        name=name, forward=dict(values), location=doc.at(at),
        value_locations={k: doc.at(at + ("values", k)) for k in values},
        reverse_overrides=dict(data.get("reverse", {})),
        default=data["default"] if "default" in data else NO_DEFAULT,
        ignore_case=bool(data.get("ignore_case", False)))


def _get(data: Any, at: JsonPath) -> Any:
    for k in at:
        data = data[k]
    return data


def document_lookups(doc: Document, raw: Any, base_dir: FsPath,
             cache: dict[str, LookupTable | None]) -> dict[str, LookupTable]:
    out: dict[str, LookupTable] = {}
    if not isinstance(raw, dict):
        return out
    for name, spec in raw.items():
        if not isinstance(spec, dict):
            continue
        if "file" in spec and isinstance(spec["file"], str):
            ref = spec["file"]
            if os.path.isabs(ref):
                doc.issue(("lookups", name, "file"), "unknown-lookup",
                          "lookup files are given relative to the mapping file")
                continue
            target = (base_dir / ref).resolve()
            display = os.path.normpath(os.path.join(os.path.dirname(doc.path), ref))
            if not target.is_file():
                doc.issue(("lookups", name, "file"), "unknown-lookup",
                          f"lookup file '{ref}' does not exist (looked for {display})")
                continue
            key = str(target)
            if key not in cache:
                file_issues: list[LocatedIssue] = []
                cache[key] = load_lookup_file(target, display, name, file_issues)
                doc.issues.extend(file_issues)
            table = cache[key]
            if table is not None:
                out[name] = LookupTable(name, table.forward, table.location,
                                        table.value_locations, table.reverse_overrides,
                                        table.default, table.ignore_case)
        elif isinstance(spec.get("values"), dict):
            out[name] = _table(doc, ("lookups", name), name)
    return out


