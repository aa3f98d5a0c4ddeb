"""Loading hub.yaml: locations for every error, ``${ENV}`` for every secret.

Errors come out like mapping errors, all at once: ``hub.yaml:12:7:
error[invalid-value]: pipelines.customers.conflict_policy: Input should be
'owner_wins', 'newest_wins' or 'manual'``. Environment references are resolved after
parsing, so a missing variable is reported where it is written; its value is never
echoed back in an error or a log.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from hub.errors import ConfigError, LocatedIssue
from hub.mapping.yamlnodes import Document, JsonPath, load_document
from hub.sync.config import HubConfig

_ENV = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")


def load_hub_config(path: Path, environ: Mapping[str, str] | None = None) -> HubConfig:
    environ = os.environ if environ is None else environ
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror}") from exc
    doc = load_document(text, str(path))
    if doc.issues:
        raise ConfigError(f"{path} is not valid YAML", issues=doc.issues)
    if not isinstance(doc.data, dict):
        doc.issue((), "invalid-file", "hub.yaml must be a mapping with 'systems' and 'pipelines'")
        raise ConfigError(f"{path} is not a hub configuration", issues=doc.issues)
    data = _interpolate(doc.data, (), doc, environ)
    if doc.issues:
        raise ConfigError(f"{path} refers to missing environment variables", issues=doc.issues)
    try:
        return HubConfig.model_validate({**data, "root": path.parent})
    except ValidationError as exc:
        raise ConfigError(f"{path} has {exc.error_count()} error(s)",
                          issues=_located(exc, doc)) from None


def _interpolate(value: Any, at: JsonPath, doc: Document, environ: Mapping[str, str]) -> Any:
    if isinstance(value, dict):
        return {k: _interpolate(v, at + (k,), doc, environ) for k, v in value.items()}
    if isinstance(value, list):
        return [_interpolate(v, at + (i,), doc, environ) for i, v in enumerate(value)]
    if isinstance(value, str) and "${" in value:
        def substitute(match: re.Match[str]) -> str:
            name, default = match.group(1), match.group(2)
            if name in environ:
                return environ[name]
            if default is not None:
                return default
            doc.issue(at, "missing-env", f"environment variable {name} is not set")
            return ""
        return _ENV.sub(substitute, value)
    return value


def _located(exc: ValidationError, doc: Document) -> list[LocatedIssue]:
    issues = []
    for error in exc.errors():
        loc = tuple(error["loc"])
        where = ".".join(str(p) for p in loc) or "(file)"
        message = error["msg"]
        if error["type"] == "extra_forbidden":
            code, message = "unknown-key", f"'{loc[-1]}' is not a known setting here"
        elif error["type"] == "missing":
            code, message = "missing-key", f"'{loc[-1]}' is required"
            loc = loc[:-1]
        else:
            code = "invalid-value"
        issues.append(LocatedIssue(doc.at(loc, key=error["type"] == "extra_forbidden"),
                                   code, f"{where}: {message}"))
    return issues
