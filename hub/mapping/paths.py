"""Field paths: ``name``, ``credit.limit``, ``contacts[0].email``, ``lines[].sku``.

One grammar for both sides so an integrator learns it once. A path is a list of
segments; ``[n]`` addresses one list item, ``[]`` every item (at most one per path,
which is what documents with lines need and keeps compiled code a single loop).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["EACH", "Path", "PathSyntaxError", "parse_path"]

EACH = -1
"""The index value standing for ``[]`` (every item)."""

_SEGMENT = re.compile(r"([^.\[\]\s](?:[^.\[\]]*[^.\[\]\s])?)((?:\[\d*\])*)")
_INDEX = re.compile(r"\[(\d*)\]")


class PathSyntaxError(ValueError):
    pass


@dataclass(frozen=True)
class Segment:
    key: str
    indexes: tuple[int, ...] = ()   # EACH for []

    def __str__(self) -> str:
        return self.key + "".join("[]" if i == EACH else f"[{i}]" for i in self.indexes)


@dataclass(frozen=True)
class Path:
    text: str
    segments: tuple[Segment, ...]

    @property
    def top(self) -> str:
        return self.segments[0].key

    @property
    def has_each(self) -> bool:
        return any(EACH in s.indexes for s in self.segments)

    def split_each(self) -> tuple[Path, Path | None]:
        """``lines[].sku`` → (``lines``, ``sku``); ``tags[]`` → (``tags``, None)."""
        for n, seg in enumerate(self.segments):
            if EACH in seg.indexes:
                at = seg.indexes.index(EACH)
                head_seg = Segment(seg.key, seg.indexes[:at])
                head = (*self.segments[:n], head_seg)
                rest_idx = seg.indexes[at + 1:]
                tail: list[Segment] = []
                if rest_idx:
                    raise PathSyntaxError("a list item cannot itself be indexed after []")
                tail.extend(self.segments[n + 1:])
                head_path = _make(head)
                return head_path, (_make(tuple(tail)) if tail else None)
        return self, None

    def steps(self) -> list[str | int]:
        """Flat access steps: dict keys as str, list positions as int (no EACH)."""
        out: list[str | int] = []
        for seg in self.segments:
            out.append(seg.key)
            out.extend(seg.indexes)
        return out

    def __str__(self) -> str:
        return self.text


def _make(segments: tuple[Segment, ...]) -> Path:
    return Path(".".join(str(s) for s in segments), segments)


def parse_path(text: str) -> Path:
    if not isinstance(text, str) or not text.strip():
        raise PathSyntaxError("a path cannot be empty")
    segments: list[Segment] = []
    for part in text.split("."):
        match = _SEGMENT.fullmatch(part)
        if match is None:
            raise PathSyntaxError(
                f"'{text}' is not a valid path (write names joined by '.', with [n] or [] "
                f"after a list, e.g. contacts[0].email or lines[].sku)")
        indexes = tuple(EACH if m == "" else int(m) for m in _INDEX.findall(match.group(2)))
        segments.append(Segment(match.group(1), indexes))
    path = Path(text, tuple(segments))
    if sum(s.indexes.count(EACH) for s in segments) > 1:
        raise PathSyntaxError(f"'{text}' has more than one [] (only one list level per rule)")
    return path
