"""Checks across rules: duplicated or overlapping targets, list pairing, required fields.

These need every rule at once, so they run after each rule was checked on its own.
"""

from __future__ import annotations

from pydantic import BaseModel

from hub.mapping.canonical import fields_of, resolve
from hub.mapping.paths import EACH, Path, Segment
from hub.mapping.spec import Rule
from hub.mapping.yamlnodes import Document

__all__ = ["check_targets"]


def _steps(path: Path) -> list[str | int]:
    out: list[str | int] = []
    for seg in path.segments:
        out.append(seg.key)
        out.extend(seg.indexes)
    return out


def _clash(a: list[str | int], b: list[str | int]) -> str | None:
    for x, y in zip(a, b):
        if x == y:
            continue
        if isinstance(x, int) and isinstance(y, int) and EACH in (x, y):
            return "conflict"
        return None
    return "duplicate" if len(a) == len(b) else "conflict"


def check_targets(doc: Document, rules: list[Rule], model: type[BaseModel]) -> None:
    for direction in ("inbound", "outbound"):
        _duplicates(doc, rules, direction)
        _list_pairs(doc, rules, direction)
    _required(doc, rules, model)


def _target(rule: Rule, direction: str) -> Path | None:
    paths = rule.canonical if direction == "inbound" else rule.remote
    return paths[0] if len(paths) == 1 else None


def _duplicates(doc: Document, rules: list[Rule], direction: str) -> None:
    seen: list[tuple[list[str | int], Rule]] = []
    side = "canonical" if direction == "inbound" else "remote"
    for rule in rules:
        target = _target(rule, direction)
        if target is None or not rule.applies(direction) or not rule.valid:
            continue
        steps = _steps(target)
        for other_steps, other in seen:
            clash = _clash(steps, other_steps)
            if clash is None:
                continue
            other_path = _target(other, direction)
            if clash == "duplicate":
                msg = (f"'{target}' is already written {direction} by the rule at line "
                       f"{other.location.line}")
                doc.issue(("fields", rule.index, side), "duplicate-target", msg)
            else:
                msg = (f"'{target}' overlaps '{other_path}' written {direction} by the rule at "
                       f"line {other.location.line}")
                doc.issue(("fields", rule.index, side), "conflicting-target", msg)
            break
        seen.append((steps, rule))


def _list_pairs(doc: Document, rules: list[Rule], direction: str) -> None:
    pairs: dict[str, tuple[str, Rule]] = {}
    back: dict[str, tuple[str, Rule]] = {}
    for rule in rules:
        if not rule.applies(direction) or len(rule.canonical) != 1 or len(rule.remote) != 1 \
                or not rule.valid:
            continue
        if not rule.canonical[0].has_each:
            continue
        c_head = rule.canonical[0].split_each()[0].text
        r_head = rule.remote[0].split_each()[0].text
        for table, mine, theirs in ((pairs, c_head, r_head), (back, r_head, c_head)):
            if mine in table and table[mine][0] != theirs:
                first, other = table[mine]
                doc.issue(("fields", rule.index), "list-mismatch",
                          f"'{mine}[]' is paired with '{first}[]' by the rule at line "
                          f"{other.location.line}, so it cannot be paired with '{theirs}[]' here")
                break
            table.setdefault(mine, (theirs, rule))


def _required(doc: Document, rules: list[Rule], model: type[BaseModel]) -> None:
    inbound = [r for r in rules if r.applies("inbound") and len(r.canonical) == 1]
    written = {r.canonical[0].top for r in inbound}
    for name, info in fields_of(model).items():
        if info.required and name not in written:
            doc.issue(("fields",), "missing-required",
                      f"required field '{name}' of {model.__name__} has no inbound rule",
                      key=True)
    groups: dict[str, list[Rule]] = {}
    for rule in inbound:
        path = rule.canonical[0]
        first = path.segments[0]
        if not first.indexes or len(path.segments) < 2 and EACH not in first.indexes:
            continue
        groups.setdefault(str(first), []).append(rule)
    for head, members in groups.items():
        first = members[0].canonical[0].segments[0]
        res = resolve(model, Path(first.key, (Segment(first.key, ()),)))
        item = res.info.item if res.info is not None else None
        if not isinstance(item, type):
            continue
        covered = {r.canonical[0].segments[1].key for r in members
                   if len(r.canonical[0].segments) > 1}
        for name, info in fields_of(item).items():
            if info.required and name not in covered:
                doc.issue(("fields", members[0].index), "missing-required",
                          f"required field '{name}' of {item.__name__} in '{head}' has no "
                          "inbound rule")
