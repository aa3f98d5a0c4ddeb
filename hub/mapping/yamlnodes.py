"""YAML → plain data, remembering where every key and value was written.

``yaml.safe_load`` throws locations away (Airbyte's weakness); we compose the node
graph instead and keep each node's start mark, indexed by the same JSON path that
jsonschema reports in ``absolute_path``. Duplicate keys, which PyYAML would silently
collapse, are reported too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

import yaml

from hub.errors import LocatedIssue, Location

__all__ = ["Document", "JsonPath", "load_document"]

JsonPath = tuple[str | int, ...]
_FLOAT = "tag:yaml.org,2002:float"
_TIMESTAMP = "tag:yaml.org,2002:timestamp"


@dataclass
class Document:
    """A parsed YAML file: its data and the location of every node in it."""

    path: str
    data: Any
    values: dict[JsonPath, tuple[int, int]] = field(default_factory=dict)
    keys: dict[JsonPath, tuple[int, int]] = field(default_factory=dict)
    yaml11_bools: set[JsonPath] = field(default_factory=set)  # e.g. no, yes, on, off
    issues: list[LocatedIssue] = field(default_factory=list)

    def at(self, json_path: JsonPath, *, key: bool = False) -> Location:
        """The location of a value (or of its key), falling back to the nearest parent."""
        probe = tuple(json_path)
        if key and probe in self.keys:
            line, col = self.keys[probe]
            return Location(self.path, line, col)
        while probe not in self.values and probe:
            probe = probe[:-1]
        line, col = self.values.get(probe, (1, 1))
        return Location(self.path, line, col)

    def issue(self, json_path: JsonPath, code: str, message: str, *, key: bool = False) -> None:
        self.issues.append(LocatedIssue(self.at(json_path, key=key), code, message))


_LIBYAML_LOADER: type[Any] | None = getattr(yaml, "CSafeLoader", None)
"""PyYAML's loader on libyaml, when PyYAML was built with it: it composes our mapping
files 13 times faster, the same nodes at the same marks. Every sync process loads its
systems' mappings at start, the part processes of a split run included."""


def _compose(text: str) -> yaml.Node | None:
    if _LIBYAML_LOADER is not None:
        try:
            return yaml.compose(text, Loader=_LIBYAML_LOADER)  # type: ignore[no-any-return]
        except yaml.YAMLError:
            pass            # composed again below, for PyYAML's own message and mark
    return yaml.compose(text, Loader=yaml.SafeLoader)  # type: ignore[no-any-return]


def load_document(text: str, path: str) -> Document:
    doc = Document(path, None)
    try:
        root = _compose(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        what = " ".join(p for p in (exc.context, exc.problem) if p)
        if "flow mapping" in what and "got '['" in what:
            what += " (inside {…}, quote a path that has [ ]: \"lines[].sku\")"
        doc.issues.append(LocatedIssue(Location(path, line, col), "yaml-syntax",
                                       f"invalid YAML: {what}"))
        return doc
    except yaml.YAMLError as exc:  # e.g. a reader error on bad bytes
        doc.issues.append(LocatedIssue(Location(path, 1, 1), "yaml-syntax",
                                       f"invalid YAML: {exc}"))
        return doc
    if root is None:
        doc.values[()] = (1, 1)
        doc.data = None
        return doc
    constructor = yaml.SafeLoader("")
    doc.data = _convert(root, (), doc, constructor)
    return doc


def _mark(node: yaml.Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


def _convert(node: yaml.Node, at: JsonPath, doc: Document, constructor: yaml.SafeLoader) -> Any:
    doc.values[at] = _mark(node)
    if isinstance(node, yaml.MappingNode):
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = _convert(key_node, at + ("<key>",), doc, constructor)
            if isinstance(key, bool):
                key = "true" if key else "false"
            if not isinstance(key, (str, int)) or isinstance(key, bool):
                doc.issues.append(LocatedIssue(Location(doc.path, *_mark(key_node)), "yaml-key",
                                               "keys must be plain strings"))
                continue
            key = str(key)
            if key in out:
                first = doc.keys[at + (key,)]
                doc.issues.append(LocatedIssue(
                    Location(doc.path, *_mark(key_node)), "duplicate-key",
                    f"'{key}' is written twice in this mapping (first at line {first[0]})"))
                continue
            doc.keys[at + (key,)] = _mark(key_node)
            out[key] = _convert(value_node, at + (key,), doc, constructor)
        doc.values.pop(at + ("<key>",), None)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_convert(item, at + (n,), doc, constructor) for n, item in enumerate(node.value)]
    if node.tag == _FLOAT:
        try:
            return Decimal(node.value.replace("_", ""))
        except InvalidOperation:
            return constructor.construct_object(node)
    if node.tag == _TIMESTAMP:
        return node.value
    value = constructor.construct_object(node)
    if isinstance(value, bool) and node.value not in ("true", "false", "True", "False"):
        doc.yaml11_bools.add(at)
    return value
