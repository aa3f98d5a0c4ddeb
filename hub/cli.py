"""The ``tradehub`` command. Sub-commands live beside the code they drive."""

from __future__ import annotations

import importlib

import typer

app = typer.Typer(name="tradehub", help="TradeHub: keep CRM, ERP, OA and finance in step.",
                  no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False)

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


@app.command()
def serve(
    port: int = typer.Option(8000, help="Port of the hub API."),
    builtin_port: int = typer.Option(8100, help="Port of the reference CRM/ERP/OA."),
) -> None:
    """Serve the hub API and the reference CRM, ERP and OA on 127.0.0.1 until Ctrl-C."""
    from hub.services import wait_forever

    with _servers(port, builtin_port) as (hub_url, builtin_url):
        _print_urls(hub_url, builtin_url)
        wait_forever()


@app.command()
def seed(
    url: str = typer.Option("http://127.0.0.1:8100", help="Base URL of the reference systems."),
) -> None:
    """Fill the reference CRM, ERP and OA with realistic demo data (over their HTTP APIs)."""
    from hub.builtin.seed import seed as seed_systems
    from hub.config import get_settings

    summary = seed_systems(url, get_settings().builtin_token.get_secret_value())
    typer.echo(summary.model_dump_json(indent=2))


@app.command()
def sync(
    name: str = typer.Argument(..., help="Pipeline name from hub.yaml."),
    prefect: bool = typer.Option(
        None, "--prefect/--no-prefect",
        help="Run as a Prefect flow (default when PREFECT_API_URL is set)."),
) -> None:
    """Run one pipeline now and print what it did."""
    import os

    from hub.sync.cli import run_with_progress

    use_prefect = bool(os.environ.get("PREFECT_API_URL")) if prefect is None else prefect
    summary = run_with_progress(name, use_prefect=use_prefect)
    typer.echo(summary.model_dump_json(indent=2))


@app.command()
def up(
    serve: bool = typer.Option(True, "--serve/--no-serve",
                               help="Keep serving the pipeline deployments until Ctrl-C."),
    prefect_port: int = typer.Option(4200, help="Port of the local Prefect server."),
    builtin_port: int = typer.Option(8100, help="Port of the reference CRM/ERP/OA."),
) -> None:
    """Start Prefect, the reference systems, the hub API and the scheduled pipelines."""
    from hub.launch import up as launch_up

    launch_up(serve=serve, echo=typer.echo, prefect_port=prefect_port,
              builtin_port=builtin_port)


@app.command()
def demo(
    serve: bool = typer.Option(True, "--serve/--no-serve",
                               help="Keep everything running after the story until Ctrl-C."),
) -> None:
    """The end-to-end demo: everything up, seeded, every pipeline run once, URLs printed."""
    from hub.launch import demo as launch_demo

    launch_demo(serve=serve, echo=typer.echo)


def _servers(port: int, builtin_port: int):  # type: ignore[no-untyped-def]
    from hub.services import hub_servers

    return hub_servers(port=port, builtin_port=builtin_port)


def _print_urls(hub_url: str, builtin_url: str) -> None:
    typer.echo(f"Hub API          {hub_url}/docs")
    for name in ("crm", "erp", "oa"):
        typer.echo(f"Reference {name.upper():<6} {builtin_url}/{name}/docs")


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


def main() -> None:
    """Entry point: TradeHub errors are printed for people, not as tracebacks."""
    from hub.errors import ConfigError, TradeHubError

    try:
        app()
    except ConfigError as exc:
        typer.echo(str(exc), err=True)
        raise SystemExit(2) from None
    except TradeHubError as exc:
        typer.echo(f"error[{exc.code}]: {exc.message}", err=True)
        raise SystemExit(1) from None


if __name__ == "__main__":
    main()
