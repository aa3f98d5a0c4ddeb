"""Compile a checked mapping into one plain Python function per direction.

We generate the function's source from a fixed template: the only text we emit is
our own identifiers, integer indexes and control flow. Every user-supplied value —
field names, constants, lookup tables, step functions, compiled expressions — is
passed in as a closure constant (``c0``, ``c1``…), never spliced into the code. The
result reads a record with straight-line ``dict.get`` calls and local variables, which
is why it runs close to what one would write by hand.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timezone
from typing import Any

from hub.mapping import convert as cv
from hub.mapping.errors import RecordMappingError
from hub.mapping.paths import Path
from hub.mapping.spec import MISSING, Rule, StepUse
from hub.mapping.steps import IDENTITY

__all__ = ["compile_direction"]

Record = dict[str, Any]
_TYPE_STEPS = frozenset({"decimal", "int", "date", "datetime", "string", "bool"})
_IMMUTABLE = (str, int, float, bool, type(None))
_RENDER = {"decimal": cv.decimal_to_string, "date": cv.date_renderer(None),
           "datetime": cv.datetime_renderer(None, timezone.utc)}


@dataclass
class _Item:
    """A rule as seen inside its list item (or at top level): source and target steps."""

    rule: Rule
    source: list[list[str | int]] | None   # None: no source; [[]]: the item itself
    many: bool
    target: list[str | int]                # []: the item itself is the result
    label: str                             # the field named in errors


def _steps(path: Path | None) -> list[str | int]:
    return [] if path is None else path.steps()


def _put(out: Record, steps: list[str | int], v: object) -> None:
    """Write through fixed list positions, creating objects and padding lists."""
    node: Any = out
    for n, key in enumerate(steps[:-1]):
        nxt = steps[n + 1]
        empty: Any = [] if isinstance(nxt, int) else {}
        if isinstance(key, int):
            while len(node) <= key:
                node.append({} if not isinstance(nxt, int) else [])
            node = node[key]
        else:
            node = node.setdefault(key, empty)
    last = steps[-1]
    if isinstance(last, int):
        while len(node) <= last:
            node.append(None)
        node[last] = v
    else:
        node[last] = v


def _compact(out: Record, steps: list[str | int]) -> None:
    node: Any = out
    for key in steps[:-1]:
        node = node.get(key) if isinstance(node, dict) else None
    if isinstance(node, dict) and isinstance(node.get(steps[-1]), list):
        node[steps[-1]] = [x for x in node[steps[-1]] if x not in (None, {}, [])]


class _Gen:
    def __init__(self, direction: str) -> None:
        self.direction = direction
        self.consts: list[object] = []
        self.lines: list[str] = []
        self.items: dict[tuple[str, ...], dict[int, str]] = {}  # list path → index → var

    def c(self, value: object) -> str:
        self.consts.append(value)
        return f"c{len(self.consts) - 1}"

    def emit(self, indent: int, text: str) -> None:
        self.lines.append("    " * indent + text)

    def read(self, source: list[str | int], var: str, base: str, indent: int) -> None:
        if not source:
            self.emit(indent, f"{var} = {base}")
            return
        first, rest = source[0], source[1:]
        self.emit(indent, f"{var} = {base}.get({self.c(first)})" if isinstance(first, str) else
                  f"{var} = {base}[{first}] if len({base}) > {first} else None")
        for key in rest:
            self.emit(indent, f"if {var} is not None:")
            indent += 1
            self.emit(indent, f"{var} = {var}.get({self.c(key)})" if isinstance(key, str) else
                      f"{var} = {var}[{key}] if len({var}) > {key} else None")

    def pipeline(self, rule: Rule, indent: int, base: str) -> None:
        inbound = self.direction == "inbound"
        uses: list[tuple[StepUse, Callable[..., Any], bool]] = []
        if inbound:
            uses += [(s, s.built.forward, s.built.src_forward) for s in rule.transform]
            uses += [(s, s.built.forward, s.built.src_forward) for s in rule.inbound]
        else:
            uses += [(s, s.built.inverse, s.built.src_inverse)  # type: ignore[misc]
                     for s in reversed(rule.transform)]
            uses += [(s, s.built.outbound, s.built.src_forward) for s in rule.outbound]
        if not inbound and rule.default is not MISSING:
            self._default(rule, indent)
        for step, fn, takes_src in uses:
            if fn is IDENTITY:
                continue
            if step.built.method is not None and fn is step.built.forward:
                # the fast path inline; anything but text goes to the checking function
                self.emit(indent, "if v is not None:")
                self.emit(indent + 1, f"v = v.{step.built.method}() if v.__class__ is str "
                                      f"else {self.c(fn)}(v)")
                continue
            call = f"v = {self.c(fn)}(v, {base})" if takes_src else f"v = {self.c(fn)}(v)"
            if step.built.null_aware:
                self.emit(indent, call)
            else:
                self.emit(indent, "if v is not None:")
                self.emit(indent + 1, call)
        if not inbound and rule.target_info is not None and \
                rule.target_info.kind in _RENDER and \
                not any(s.name in _TYPE_STEPS for s in rule.transform + rule.outbound):
            self.emit(indent, "if v is not None:")
            self.emit(indent + 1, f"v = {self.c(_RENDER[rule.target_info.kind])}(v)")
        if inbound and rule.default is not MISSING:
            self._default(rule, indent)

    def _default(self, rule: Rule, indent: int) -> None:
        self.emit(indent, "if v is None:")
        if isinstance(rule.default, (list, dict)):
            # Each record gets its own copy; a flat one is copied without deepcopy's cost.
            flat = all(isinstance(x, _IMMUTABLE) for x in (
                rule.default.values() if isinstance(rule.default, dict) else rule.default))
            copier = rule.default.copy if flat else lambda d=rule.default: copy.deepcopy(d)
            self.emit(indent + 1, f"v = {self.c(copier)}()")
        else:
            self.emit(indent + 1, f"v = {self.c(rule.default)}")

    def write(self, target: list[str | int], indent: int, compact: set[tuple[str | int, ...]]
              ) -> None:
        if not target:
            return
        if all(isinstance(k, str) for k in target):
            chain = "out"
            for key in target[:-1]:
                chain += f".setdefault({self.c(key)}, {{}})"
            self.emit(indent, f"{chain}[{self.c(target[-1])}] = v")
            return
        ints = [n for n, k in enumerate(target) if isinstance(k, int)]
        if ints == [len(target) - 2] and isinstance(target[-1], str):
            head = tuple(str(k) for k in target[:-2])
            slots = self.items.setdefault(head, {})
            var = slots.setdefault(int(target[-2]), f"i{sum(map(len, self.items.values()))}")
            self.emit(indent, "if v is not None:")
            self.emit(indent + 1, f"{var}[{self.c(target[-1])}] = v")
            return
        self.emit(indent, "if v is not None:")
        self.emit(indent + 1, f"{self.c(_put)}(out, {self.c(target)}, v)")
        last_list = max(n for n, k in enumerate(target) if isinstance(k, int))
        compact.add(tuple(target[:last_list]))


def _item_of(rule: Rule, direction: str, inside_list: bool) -> _Item:
    inbound = direction == "inbound"
    sources = rule.remote if inbound else rule.canonical
    target = (rule.canonical if inbound else rule.remote)[0]
    many = rule.remote_many if inbound else rule.canonical_many
    if inside_list:
        src = [_steps(sources[0].split_each()[1])] if sources else None
        named = (rule.canonical or rule.remote)[0].split_each()[1]
        return _Item(rule, src, False, _steps(target.split_each()[1]),
                     named.text if named else "")
    return _Item(rule, [p.steps() for p in sources] if sources else None, many, target.steps(),
                 rule.name)


def compile_direction(rules: list[Rule], direction: str) -> Callable[[Record], Record]:
    """The mapping function of one direction over the rules that apply to it."""
    active = [r for r in rules if r.applies(direction)]
    inbound = direction == "inbound"
    plain = [r for r in active if not (r.canonical and r.canonical[0].has_each)]
    groups: dict[tuple[str, str], list[Rule]] = {}
    for r in active:
        if r.canonical and r.canonical[0].has_each:
            src = (r.remote if inbound else r.canonical)[0].split_each()[0].text
            dst = (r.canonical if inbound else r.remote)[0].split_each()[0].text
            groups.setdefault((src, dst), []).append(r)
    items = [_item_of(r, direction, False) for r in plain]
    group_specs = []
    for (src, dst), members in groups.items():
        fn = _function([_item_of(r, direction, True) for r in members], direction)
        head = members[0].canonical[0].split_each()[0].text
        group_specs.append((src, dst, fn, head, members[0]))
    return _function(items, direction, group_specs)


def _function(items: list[_Item], direction: str,
              groups: list[tuple[str, str, Callable[..., Any], str, Rule]] = ()  # type: ignore[assignment]
              ) -> Callable[[Record], Record]:
    gen = _Gen(direction)
    labels: list[tuple[str, str]] = []
    compact: set[tuple[str | int, ...]] = set()
    returns_value = len(items) == 1 and not items[0].target
    if not returns_value:
        gen.emit(3, "out = {}")
    for item in items:
        gen.emit(3, f"f = {len(labels)}")
        labels.append((item.label, str(item.rule.location)))
        if item.source is None:
            gen.emit(3, "v = None")
        elif item.many:
            for n, src in enumerate(item.source):
                gen.read(src, f"t{n}", "r", 3)
            gen.emit(3, "v = [" + ", ".join(f"t{n}" for n in range(len(item.source))) + "]")
        else:
            gen.read(item.source[0], "v", "r", 3)
        gen.pipeline(item.rule, 3, "r")
        if returns_value:
            gen.emit(3, "return v")
        else:
            info = item.rule.target_info
            if direction == "inbound" and info is not None and not info.nullable \
                    and not info.required:
                gen.emit(3, "if v is not None:")  # absent: let the model's default apply
                gen.write(item.target, 4, compact)
            else:
                gen.write(item.target, 3, compact)
    for src, dst, fn, head, rule in groups:
        gen.emit(3, f"f = {len(labels)}")
        labels.append((head, str(rule.location)))
        gen.read(Path.steps(_parse(src)), "v", "r", 3)
        gen.emit(3, f"v = {gen.c(_items)}({gen.c(fn)}, v, {gen.c(head)})")
        gen.write(_parse(dst).steps(), 3, compact)
    for steps in sorted(compact, key=str):
        gen.emit(3, f"{gen.c(_compact)}(out, {gen.c(list(steps))})")
    for head, slots in gen.items.items():   # items written through fixed positions
        chain = "out" + "".join(f".setdefault({gen.c(k)}, {{}})" for k in head[:-1])
        names = ", ".join(slots[i] for i in sorted(slots))
        gen.emit(3, f"x = [d for d in ({names},) if d]")
        gen.emit(3, "if x:")
        gen.emit(4, f"{chain}[{gen.c(head[-1])}] = x")
    if gen.items:
        at = gen.lines.index("            out = {}") + 1
        gen.lines[at:at] = [f"            {var} = {{}}" for slots in gen.items.values()
                            for var in slots.values()]
    if not returns_value:
        gen.emit(3, "return out")
    fail = _failer(labels, direction)
    params = ", ".join(f"c{n}" for n in range(len(gen.consts)))
    source = "\n".join([
        f"def _make({params}{', ' if params else ''}_RecordMappingError, _fail):",
        "    def run(r):",
        "        f = -1",
        "        try:",
        *gen.lines,
        "        except _RecordMappingError:",
        "            raise",
        "        except Exception as e:",
        "            raise _fail(f, e) from e",
        "    return run",
    ])
    builtins = {"len": len, "str": str, "Exception": Exception}  # what our template uses
    namespace: dict[str, Any] = {"__builtins__": builtins}
    exec(compile(source, f"<mapping {direction}>", "exec"), namespace)  # noqa: S102
    return namespace["_make"](*gen.consts, RecordMappingError, fail)  # type: ignore[no-any-return]


def _parse(text: str) -> Path:
    from hub.mapping.paths import parse_path
    return parse_path(text)


def _items(fn: Callable[[Any], Any], seq: object, head: str) -> list[Any]:
    if seq is None:
        return []
    if type(seq) is not list:
        raise cv.StepError(f"expected a list, got {type(seq).__name__} {cv.describe(seq)}")
    try:
        return [fn(x) for x in seq]
    except RecordMappingError:
        for n, x in enumerate(seq):
            try:
                fn(x)
            except RecordMappingError as exc:
                raise exc.within(f"{head}[{n}]") from exc
        raise


def _failer(labels: list[tuple[str, str]], direction: str
            ) -> Callable[[int, BaseException], RecordMappingError]:
    def fail(f: int, exc: BaseException) -> RecordMappingError:
        field, rule = labels[f] if 0 <= f < len(labels) else ("", "")
        if isinstance(exc, cv.StepError):
            reason = str(exc)
        elif isinstance(exc, (AttributeError, TypeError, KeyError, IndexError)):
            reason = f"the record's shape does not fit this rule ({type(exc).__name__}: {exc})"
        else:
            reason = f"{type(exc).__name__}: {exc}"
        return RecordMappingError(reason, field=field, rule=rule, direction=direction)
    return fail
