"""The ``tradehub`` command. Sub-commands live beside the code they drive."""

from __future__ import annotations

import importlib

import typer

app = typer.Typer(name="tradehub", help="TradeHub: keep CRM, ERP, OA and finance in step.",
                  no_args_is_help=True, add_completion=False)

db_app = typer.Typer(help="The hub store's database.", no_args_is_help=True)
app.add_typer(db_app, name="db")


@db_app.command("upgrade")
def db_upgrade(
    url: str = typer.Option(None, "--url", help="SQLAlchemy URL; default TRADEHUB_DATABASE_URL "
                                                "or SQLite under .tradehub/."),
) -> None:
    """Apply the store's migrations up to the newest."""
    from hub.config import get_settings
    from hub.store.migrate import upgrade

    target = url or get_settings().store_url()
    upgrade(target)
    typer.echo(f"store is up to date: {_redact(target)}")


def _redact(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


# Sub-applications owned by other packages: (name, "module:attribute").
SUBCOMMANDS: list[tuple[str, str]] = [
    ("mappings", "hub.mapping.cli:app"),
    ("emulate", "connectors.emulate:app"),
]

for _name, _target in SUBCOMMANDS:
    _module, _, _attr = _target.partition(":")
    try:
        _sub = getattr(importlib.import_module(_module), _attr)
    except ModuleNotFoundError as _exc:
        if _exc.name != _module:
            raise
        continue
    app.add_typer(_sub, name=_name)
