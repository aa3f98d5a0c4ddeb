"""Comparing canonical records path by path (shared by the round-trip tests)."""

from __future__ import annotations

from typing import Any

from hub.mapping.paths import EACH, parse_path


def value_at(record: Any, path: str) -> Any:
    """The value(s) at a canonical path; ``[]`` yields the list of every item's value."""
    def walk(node: Any, steps: list[str | int]) -> Any:
        for n, step in enumerate(steps):
            if node is None:
                return None
            if step == EACH:
                return [walk(item, steps[n + 1:]) for item in node]
            if isinstance(step, int):
                node = node[step] if len(node) > step else None
            else:
                node = node.get(step) if isinstance(node, dict) else getattr(node, step)
        return node

    steps: list[str | int] = []
    for seg in parse_path(path).segments:
        steps.append(seg.key)
        steps.extend(seg.indexes)
    return walk(record, steps)
