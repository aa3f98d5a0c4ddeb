"""Semantic checks of a schema-shaped mapping, each issue at the line and column it is about.

Runs even when the schema found problems, skipping only the parts that are not
well-formed, so one ``check`` shows everything that is wrong with a file.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from pathlib import Path as FsPath
from typing import Any

from pydantic import BaseModel

from hub.errors import LocatedIssue
from hub.mapping.canonical import FieldInfo, compatible, resolve, suggest
from hub.mapping.lookup_files import document_lookups
from hub.mapping.lookups import LookupTable
from hub.mapping.paths import Path, PathSyntaxError, parse_path
from hub.mapping.schema import schema_issues
from hub.mapping.spec import MISSING, MappingSpec, Rule, StepUse
from hub.mapping.steps import STEPS, BuildContext
from hub.mapping.targets import check_targets
from hub.mapping.yamlnodes import Document, JsonPath
from hub.models import ENTITIES

__all__ = ["check_document"]

_KIND_WORDS = {"str": "text", "literal": "text", "decimal": "a decimal", "int": "a whole number",
               "bool": "a yes/no", "date": "a date", "datetime": "a date-time", "list": "a list",
               "object": "an object", "any": "any value"}


def _get(data: Any, at: JsonPath) -> Any:
    for k in at:
        data = data[k]
    return data


def check_document(doc: Document, base_dir: FsPath,
                   cache: dict[str, LookupTable | None] | None = None) -> MappingSpec | None:
    """Add every schema and semantic issue to ``doc.issues``; the spec if usable."""
    schema_issues(doc)
    data = doc.data
    if not isinstance(data, dict):
        return None
    cache = {} if cache is None else cache
    entity = data.get("entity")
    model = ENTITIES.get(entity) if isinstance(entity, str) else None
    lookups = document_lookups(doc, data.get("lookups"), base_dir, cache)
    ctx = BuildContext(lookups)
    rules = []
    raw_rules = data.get("fields")
    for n, raw in enumerate(raw_rules if isinstance(raw_rules, list) else []):
        if isinstance(raw, dict):
            rule = _rule(doc, n, raw, model, ctx)
            if rule is not None:
                rules.append(rule)
    if model is None:
        return None
    if isinstance(raw_rules, list):
        check_targets(doc, rules, model)
    ckey, rkey = _key(doc, data.get("key"), model)
    if doc.issues or ckey is None or rkey is None:
        return None
    return MappingSpec(doc.path, entity, model, str(data["connector"]),
                       str(data["remote_object"]), ckey, rkey, rules)


def _paths(doc: Document, at: JsonPath, raw: Any) -> tuple[list[Path], bool] | None:
    if raw is None:
        return [], False
    many = isinstance(raw, list)
    out = []
    for n, text in enumerate(raw if many else [raw]):
        if not isinstance(text, str):
            return None
        try:
            out.append(parse_path(text))
        except PathSyntaxError as exc:
            doc.issue(at + ((n,) if many else ()), "bad-path", str(exc))
            return None
    return out, many


def _rule(doc: Document, n: int, raw: dict[str, Any], model: type[BaseModel] | None,
          ctx: BuildContext) -> Rule | None:
    at: JsonPath = ("fields", n)
    direction = raw.get("direction", "both")
    if direction not in ("both", "inbound", "outbound"):
        direction = "both"  # the schema reported it; check the rest as if it were both
    can = _paths(doc, at + ("canonical",), raw.get("canonical"))
    rem = _paths(doc, at + ("remote",), raw.get("remote"))
    if can is None or rem is None:
        return None
    rule = Rule(n, doc.at(at), direction, can[0], rem[0], can[1], rem[1])
    if not _shape(doc, at, rule):
        return None
    ok = True
    if model is not None:
        for k, p in enumerate(rule.canonical):
            res = resolve(model, p)
            if res.info is None:
                doc.issue(at + ("canonical",) + ((k,) if rule.canonical_many else ()),
                          res.code, res.error or "")
                ok = False
            elif not rule.canonical_many:
                rule.target_info = res.info
    for part in ("transform", "inbound", "outbound"):
        steps = raw.get(part)
        if isinstance(steps, list):
            built = _steps(doc, at + (part,), steps, ctx)
            if built is None:
                ok = False
            else:
                setattr(rule, part, built)
    if "default" in raw:
        rule.default = raw["default"]
    ok = _direction_checks(doc, at, rule, ctx) and ok
    if ok and model is not None:
        _kinds(doc, at, rule, ctx)
    rule.valid = ok
    return rule


def _shape(doc: Document, at: JsonPath, rule: Rule) -> bool:
    d = rule.direction
    if d in ("both", "inbound") and (not rule.canonical or rule.canonical_many):
        doc.issue(at, "incomplete-rule", "an inbound rule needs one 'canonical' path to write"
                  if not rule.canonical else "an inbound rule writes one canonical path, "
                  "not a list (a list of sources belongs under 'remote')")
        return False
    if d in ("both", "outbound") and (not rule.remote or rule.remote_many):
        doc.issue(at, "incomplete-rule", "an outbound rule needs one 'remote' path to write"
                  if not rule.remote else "an outbound rule writes one remote path, not a list")
        return False
    for paths in (rule.canonical, rule.remote):
        for p in paths:
            try:
                p.split_each()
            except PathSyntaxError as exc:
                doc.issue(at, "bad-path", str(exc))
                return False
    if len(rule.canonical) == 1 and len(rule.remote) == 1 and \
            rule.canonical[0].has_each != rule.remote[0].has_each:
        doc.issue(at, "list-mismatch", "use [] on both sides or on neither: "
                  f"'{rule.canonical[0]}' ↔ '{rule.remote[0]}'")
        return False
    if (rule.canonical_many or rule.remote_many) and \
            any(p.has_each for p in rule.canonical + rule.remote):
        doc.issue(at, "list-mismatch", "a rule with several source paths cannot use []")
        return False
    return True


def _steps(doc: Document, at: JsonPath, raw: list[Any], ctx: BuildContext
           ) -> list[StepUse] | None:
    out = []
    ok = True
    for k, step in enumerate(raw):
        if isinstance(step, str):
            name, arg = step, None
        elif isinstance(step, dict) and len(step) == 1:
            name, arg = next(iter(step.items()))
        else:
            ok = False
            continue
        spec = STEPS.get(name)
        if spec is None or (arg is None and not spec.bare):
            ok = False  # the schema reported it
            continue
        try:
            built = spec.builder(arg, ctx)
        except (KeyError, TypeError, ValueError, ArithmeticError, AttributeError):
            ok = False  # malformed argument, reported by the schema
            continue
        if isinstance(built, str):
            code = "unknown-lookup" if name == "lookup" else "bad-transform"
            doc.issue(at + (k,) if arg is None else at + (k, name), code, built)
            ok = False
            continue
        out.append(StepUse(name, built, at + (k,)))
    return out if ok else None


def _direction_checks(doc: Document, at: JsonPath, rule: Rule, ctx: BuildContext) -> bool:
    ok = True
    for part, unused in (("inbound", "outbound"), ("outbound", "inbound")):
        if rule.direction == unused and getattr(rule, part):
            doc.issue(at + (part,), "unused-steps",
                      f"'{part}' steps never run on a rule with direction: {unused}")
            ok = False
    if rule.direction in ("both", "outbound"):
        for step in rule.transform:
            if step.built.inverse is None:
                doc.issue(step.at, "not-invertible",
                          f"'{step.name}' cannot be undone for outbound; move it under "
                          "'inbound:' or set direction: inbound")
                ok = False
        for step in rule.transform + rule.outbound:
            table = ctx.lookups.get(_arg(doc, step)) if step.name == "lookup" else None
            conflicts = table.reverse_conflicts() if table else {}
            for value, keys in list(conflicts.items())[:1]:
                doc.issue(step.at, "ambiguous-lookup",
                          f"lookup '{table.name}' cannot be reversed for outbound: {value!r} "  # type: ignore[union-attr]
                          f"comes from {', '.join(repr(k) for k in keys)}; add "
                          f"reverse: {{{value}: …}} to the table")
                ok = False
    if rule.direction == "inbound" and not rule.remote and rule.default is MISSING \
            and not any(s.name == "expr" for s in rule.transform + rule.inbound):
        doc.issue(at, "incomplete-rule", "an inbound rule needs a 'remote' path, a 'default' "
                  "or an expr step to produce its value")
        ok = False
    return ok


def _arg(doc: Document, step: StepUse) -> Any:
    raw = _get(doc.data, step.at)
    return next(iter(raw.values())) if isinstance(raw, dict) else None


def _kinds(doc: Document, at: JsonPath, rule: Rule, ctx: BuildContext) -> None:
    """Follow the value's kind through the inbound steps; report the first misfit."""
    if not rule.applies("inbound") or rule.target_info is None:
        return
    kind = "list" if rule.remote_many else "any"
    last: StepUse | None = None
    for step in rule.transform + rule.inbound:
        spec = STEPS[step.name]
        if spec.accepts is not None and kind != "any" and kind not in spec.accepts:
            need = " or ".join(_KIND_WORDS[k] for k in sorted(spec.accepts))
            doc.issue(step.at, "type-mismatch", f"'{step.name}' needs {need} but gets "
                      f"{_KIND_WORDS[kind]} here" + (" (add 'decimal' before it)"
                                                     if "decimal" in spec.accepts else ""))
            return
        if step.name == "lookup":
            table = ctx.lookups[_arg(doc, step)]
            kind = _value_kind(list(table.forward.values()))
        elif spec.produces is not None:
            kind = spec.produces
        last = step
    info = rule.target_info
    target = rule.canonical[0].text
    if not compatible(kind, info):
        where = last.at if last else at + ("canonical",)
        what = f"'{last.name}' produces {_KIND_WORDS[kind]}" if last else \
            f"the value is {_KIND_WORDS[kind]}"
        doc.issue(where, "type-mismatch", f"{what} but '{target}' is {_KIND_WORDS[info.kind]}")
        return
    if info.kind == "literal" and last is not None and last.name == "lookup":
        table = ctx.lookups[_arg(doc, last)]
        for key, value in table.forward.items():
            if str(value) not in info.literals:
                doc.issues.append(LocatedIssue(
                    table.value_locations.get(key, table.location), "bad-value",
                    f"lookup '{table.name}' maps {key!r} to {value!r}, which is not a valid "
                    f"'{target}'{suggest(str(value), info.literals)}"))
    if rule.default is not MISSING:
        _check_default(doc, at + ("default",), rule.default, info, target)


def _value_kind(values: list[Any]) -> str:
    kinds = {_scalar_kind(v) for v in values}
    return kinds.pop() if len(kinds) == 1 else "any"


def _scalar_kind(v: Any) -> str:
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, int):
        return "int"
    if isinstance(v, Decimal):
        return "decimal"
    return "str" if isinstance(v, str) else "any"


def _check_default(doc: Document, at: JsonPath, value: Any, info: FieldInfo, target: str) -> None:
    bad = False
    if value is None:
        return
    if info.kind == "literal":
        bad = str(value) not in info.literals
    elif info.kind in ("decimal", "int"):
        try:
            Decimal(str(value))
        except InvalidOperation:
            bad = True
        bad = bad or isinstance(value, bool)
    elif info.kind == "bool":
        bad = not isinstance(value, bool)
    elif info.kind == "str":
        bad = not isinstance(value, str)
    if bad:
        hint = suggest(str(value), info.literals) if info.literals else ""
        doc.issue(at, "bad-value", f"default {value!r} is not a valid value for "
                                   f"'{target}' ({_KIND_WORDS[info.kind]}){hint}")


def _key(doc: Document, raw: Any, model: type[BaseModel]
         ) -> tuple[tuple[str, ...] | None, tuple[str, ...] | None]:
    """The natural key's paths on each side; a composite key is a list on both."""
    if not isinstance(raw, dict):
        return None, None
    sides: dict[str, tuple[str, ...] | None] = {}
    for side in ("canonical", "remote"):
        value = raw.get(side)
        texts = value if isinstance(value, list) else [value]
        if not all(isinstance(t, str) for t in texts):
            sides[side] = None
            continue
        ok = True
        for n, text in enumerate(texts):
            at = ("key", side) + ((n,) if isinstance(value, list) else ())
            try:
                path = parse_path(text)
            except PathSyntaxError as exc:
                doc.issue(at, "bad-path", str(exc))
                ok = False
                continue
            if side == "remote":
                continue
            res = resolve(model, path)
            if res.info is None:
                doc.issue(at, res.code, res.error or "")
                ok = False
            elif res.info.kind in ("list", "object"):
                doc.issue(at, "bad-key", "a natural key part must be a single value, not "
                                         f"{_KIND_WORDS[res.info.kind]}")
                ok = False
        sides[side] = tuple(texts) if ok else None
    ckey, rkey = sides["canonical"], sides["remote"]
    if ckey is not None and rkey is not None and len(ckey) != len(rkey):
        doc.issue(("key",), "bad-key", f"the key has {len(ckey)} canonical part(s) but "
                                       f"{len(rkey)} remote part(s)")
        return None, None
    return ckey, rkey
