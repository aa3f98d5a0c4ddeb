"""``tradehub mappings …``: what an integrator runs while editing mapping files."""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from pathlib import Path
from typing import Any

import typer
from pydantic import ValidationError

from hub.errors import MappingError
from hub.mapping.errors import RecordMappingError
from hub.mapping.load import check_paths, load_mapping
from hub.mapping.schema import mapping_schema
from hub.models import ENTITIES

app = typer.Typer(help="Check, try out and describe YAML field mappings.", no_args_is_help=True)


class Direction(str, Enum):
    inbound = "inbound"
    outbound = "outbound"


@app.command("check")
def check(paths: list[Path] = typer.Argument(None, help="Files or folders; default mappings/.")
          ) -> None:
    """Validate mapping files; print every error as path:line:col and exit 1 if any."""
    targets = paths or [Path("mappings")]
    missing = [p for p in targets if not p.exists()]
    for p in missing:
        typer.echo(f"{p}: error[not-found]: no such file or folder", err=True)
    count, issues = check_paths([p for p in targets if p.exists()])
    for issue in issues:
        typer.echo(str(issue))
    if issues or missing:
        n = len(issues) + len(missing)
        typer.echo(f"{n} error{'s' if n != 1 else ''} in {count} file(s)", err=True)
        raise typer.Exit(1)
    typer.echo(f"{count} file(s) OK")


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


@app.command("test")
def test(
    file: Path = typer.Argument(..., help="The mapping file."),
    record: Path = typer.Option(..., "--record", help="A JSON file holding one record."),
    direction: Direction = typer.Option(Direction.inbound, "--direction",
                                        help="inbound: remote → canonical; outbound: back."),
) -> None:
    """Map one record and print the result as JSON (or the errors, exit 1)."""
    try:
        mapping = load_mapping(file)
    except MappingError as exc:
        for issue in exc.issues:
            typer.echo(str(issue))
        raise typer.Exit(1) from None
    try:
        data = json.loads(record.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        typer.echo(f"{record}: error[bad-record]: cannot read a JSON record: {exc}", err=True)
        raise typer.Exit(1) from None
    if not isinstance(data, dict):
        typer.echo(f"{record}: error[bad-record]: the record must be a JSON object", err=True)
        raise typer.Exit(1)
    if direction is Direction.outbound:
        try:  # the engine hands to_remote a model dump; do the same
            data = ENTITIES[mapping.entity].model_validate(data).model_dump()
        except ValidationError as exc:
            for err in exc.errors():
                where = ".".join(str(p) for p in err["loc"])
                typer.echo(f"{record}: error[bad-record]: '{where}': {err['msg']}")
            raise typer.Exit(1) from None
    try:
        out = (mapping.to_canonical(data) if direction is Direction.inbound
               else mapping.to_remote(data))
    except RecordMappingError as exc:
        typer.echo(f"{exc.rule}: error[{exc.code}]: {exc.direction} '{exc.field}': "
                   f"{exc.reason}")
        raise typer.Exit(1) from None
    typer.echo(json.dumps(out, ensure_ascii=False, indent=2, default=_json_default))


@app.command("schema")
def schema() -> None:
    """Print the JSON Schema of mapping files (mappings/schema.json is this output)."""
    typer.echo(json.dumps(mapping_schema(), indent=2, ensure_ascii=False))
