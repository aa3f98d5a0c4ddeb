"""Value lookup tables: inline in a mapping or shared files under ``mappings/lookups/``.

A table maps remote values to canonical ones; outbound uses the reverse. A reverse
is only derived when it is unambiguous: if two remote values map to one canonical
value, the table must say which to send back (``reverse:``), or using it outbound
is an error at load time rather than a coin toss at run time.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from hub.errors import Location
from hub.mapping.convert import StepError, describe

__all__ = ["NO_DEFAULT", "LookupTable", "lookup_function"]

NO_DEFAULT: object = object()
_MISSING = NO_DEFAULT


@dataclass
class LookupTable:
    name: str
    forward: dict[object, object]
    location: Location
    value_locations: dict[object, Location] = field(default_factory=dict)
    reverse_overrides: dict[object, object] = field(default_factory=dict)
    default: object = _MISSING
    ignore_case: bool = False

    @property
    def has_default(self) -> bool:
        return self.default is not _MISSING

    def reverse_conflicts(self) -> dict[object, list[object]]:
        """Canonical values reached from several remote values with no ``reverse:`` entry."""
        seen: dict[object, list[object]] = {}
        for key, value in self.forward.items():
            seen.setdefault(_hashable(value), []).append(key)
        return {v: ks for v, ks in seen.items()
                if len(ks) > 1 and v not in self.reverse_overrides}

    def reverse(self) -> dict[object, object]:
        table = {_hashable(v): k for k, v in self.forward.items()}
        table.update(self.reverse_overrides)
        return table


def _hashable(v: object) -> object:
    return tuple(v) if isinstance(v, list) else v


def lookup_function(table: LookupTable, *, outbound: bool) -> Callable[[object], object]:
    """The compiled lookup: a dict get, with int/str tolerance and optional case folding."""
    name = table.name
    if outbound:
        mapping = table.reverse()
        default = _MISSING
        fold = False
    else:
        fold = table.ignore_case
        mapping = {(k.casefold() if fold and isinstance(k, str) else k): v
                   for k, v in table.forward.items()}
        default = table.default
    get = mapping.get

    def lookup(v: object) -> object:
        key = v.casefold() if fold and type(v) is str else v  # type: ignore[union-attr]
        found = get(key, _MISSING)
        if found is _MISSING and type(v) is int:
            found = get(str(v), _MISSING)
        if found is _MISSING:
            if default is not _MISSING:
                return default
            way = "reverse of lookup" if outbound else "lookup"
            raise StepError(f"{describe(v)} is not in {way} '{name}'")
        return found
    return lookup
