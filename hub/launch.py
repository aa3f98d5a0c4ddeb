"""``tradehub up`` and ``tradehub demo``: everything on one machine, on loopback.

A local Prefect server on SQLite under the data folder (unless PREFECT_API_URL names
one), the reference CRM/ERP/OA, the hub API, and the pipelines of hub.yaml served as
Prefect deployments with their schedules. The demo seeds the reference systems and
runs every pipeline once as a flow run, so the UI has something to show at once.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from typing import Any
from pathlib import Path

import httpx

from hub.config import Settings, get_settings
from hub.services import PrefectServer, hub_servers, prefect_environment
from hub.story import Story, tell
from hub.sync.hubfile import load_hub_config

log = logging.getLogger(__name__)
Echo = Callable[[str], None]


@dataclass(frozen=True)
class Stack:
    prefect_ui: str
    hub_api: str
    builtin: str


@contextmanager
def running_stack(settings: Settings, *, echo: Echo, prefect_port: int = 4200,
                  builtin_port: int = 8100) -> Iterator[Stack]:
    """Start (or reuse) Prefect, then the reference systems and the hub API."""
    with ExitStack() as stack:
        api_url = os.environ.get("PREFECT_API_URL")
        if api_url:
            ui = api_url.removesuffix("/api")
            echo(f"Using the Prefect server at {ui}")
        else:
            home = (settings.data_dir / "prefect").resolve()
            echo(f"Starting a local Prefect server (data in {home}) ...")
            server = PrefectServer(home, port=prefect_port).start()
            stack.callback(server.stop)
            stack.callback(_flush_prefect_logs)
            os.environ.update(prefect_environment(home, server.api_url))
            ui = server.url
        builtin_url = f"http://127.0.0.1:{builtin_port}"
        os.environ.setdefault("TRADEHUB_BUILTIN_URL", builtin_url)
        hub_url, builtin_url = stack.enter_context(
            hub_servers(port=settings.port, builtin_port=builtin_port, host=settings.host))
        yield Stack(prefect_ui=ui, hub_api=hub_url, builtin=builtin_url)


def _flush_prefect_logs() -> None:
    """Send buffered run logs before the server they go to stops."""
    from prefect.logging.handlers import APILogWorker

    APILogWorker.drain_all(timeout=10)


def print_urls(stack: Stack, echo: Echo) -> None:
    echo("")
    echo(f"  Prefect UI         {stack.prefect_ui}")
    echo(f"  Hub API            {stack.hub_api}/docs")
    for app in ("crm", "erp", "oa"):
        echo(f"  Reference {app.upper():<8} {stack.builtin}/{app}/docs")
    echo("")


def serve_pipelines(hub_file: Path, echo: Echo) -> None:
    """Serve every enabled pipeline as a deployment until Ctrl-C."""
    from prefect import serve

    from flows.deploy import build_deployments

    config = load_hub_config(hub_file)
    deployments = build_deployments(config)
    echo(f"Serving {len(deployments)} pipeline deployments from {hub_file} (Ctrl-C stops).")
    with _sigterm_as_interrupt():
        serve(*deployments, print_starting_message=False)


@contextmanager
def _sigterm_as_interrupt() -> Iterator[None]:
    """Stop on SIGTERM (docker stop, systemd) as on Ctrl-C.

    Prefect 3.8's runner installs a SIGTERM handler that calls its async ``stop()``
    without awaiting it, so the process keeps serving; raising KeyboardInterrupt
    instead takes the same shutdown path as Ctrl-C.
    """
    from prefect.runner import Runner

    def interrupt(_self: Runner, *_args: Any, **_kwargs: Any) -> None:
        raise KeyboardInterrupt

    original = Runner.handle_sigterm
    Runner.handle_sigterm = interrupt  # type: ignore[method-assign]
    try:
        yield
    finally:
        Runner.handle_sigterm = original  # type: ignore[method-assign]


def builtin_is_empty(builtin_url: str, token: str) -> bool:
    response = httpx.get(f"{builtin_url}/erp/customers", params={"limit": 1}, timeout=10,
                         headers={"Authorization": f"Bearer {token}"})
    response.raise_for_status()
    body = response.json()
    items = body["items"] if isinstance(body, dict) else body
    return not items


def flow_runner(hub_file: Path, echo: Echo) -> Callable[[str], None]:
    """Run one pipeline as a Prefect flow run (tags, artifact) and print its counts."""
    from flows.sync import run_as_flow

    config = load_hub_config(hub_file)

    def run(name: str) -> None:
        counts = run_as_flow(name, config.pipelines[name]).counts
        echo(f"  [flow run: sync {name}] read {counts.read}, created {counts.created}, "
             f"updated {counts.updated}, unchanged {counts.unchanged}, conflicts "
             f"{counts.conflicts}, dead-lettered {counts.dead_lettered}")
    return run


def run_every_pipeline(hub_file: Path, echo: Echo) -> None:
    """Each enabled pipeline once, as a Prefect flow run with its tags and table artifact."""
    run = flow_runner(hub_file, echo)
    for name, pipeline in load_hub_config(hub_file).pipelines.items():
        if pipeline.enabled:
            run(name)


def _customs_import(csv_file: Path) -> str:
    """Run the customs-import flow on one AMS file (a flow run in the Prefect UI)."""
    from flows.customs import customs_import

    os.environ["TRADEHUB_CUSTOMS_CSV"] = str(csv_file)
    summary = customs_import()
    return (f"[flow run: customs import] {summary.records} bills of lading, "
            f"{summary.customers_enriched} customer(s) enriched, "
            f"{summary.prospects_created} prospect lead(s)")


def _whatsapp_secret(hub_file: Path) -> str | None:
    """The app secret of the first WhatsApp system, to sign the story's inquiry."""
    for system in load_hub_config(hub_file).systems.values():
        if system.connector == "whatsapp":
            return str(system.settings.get("app_secret") or "") or None
    return None


def up(*, serve: bool = True, echo: Echo, prefect_port: int = 4200,
       builtin_port: int = 8100) -> None:
    settings = get_settings()
    with running_stack(settings, echo=echo, prefect_port=prefect_port,
                       builtin_port=builtin_port) as stack:
        print_urls(stack, echo)
        if serve:
            serve_pipelines(settings.hub_file, echo)


def clear_last_demo(settings: Settings, echo: Echo) -> None:
    """The story needs the products as seeded: told a second time, it found the lamps
    shipped and the order paid, and failed half way. So each demo starts from the
    seed again, clearing the hub store and the reference systems it left, but only
    the embedded SQLite files: databases given by URL are never cleared. Prefect's
    run history stays."""
    if settings.database_url or settings.builtin_database_url:
        return
    databases = [settings.data_dir / name for name in ("hub.db", "builtin.db")]
    if not any(path.exists() for path in databases):
        return
    echo(f"Clearing the last demo's hub store and reference systems in {settings.data_dir}, "
         "so that the story starts afresh (Prefect's run history stays) ...")
    for path in databases:
        for suffix in ("", "-wal", "-shm", "-journal"):
            path.with_name(path.name + suffix).unlink(missing_ok=True)


def demo(*, serve: bool = True, echo: Echo) -> None:
    from hub.builtin.seed import seed

    settings = get_settings()
    token = settings.builtin_token.get_secret_value()
    clear_last_demo(settings, echo)
    with running_stack(settings, echo=echo) as stack:
        if builtin_is_empty(stack.builtin, token):
            echo("Seeding the reference CRM, ERP and OA with demo data ...")
            summary = seed(stack.builtin, token)
            echo(f"  {summary.crm_accounts} CRM accounts, {summary.erp_customers} ERP customers "
                 f"in {summary.countries} countries, {summary.products} products, "
                 f"{summary.sales_orders} orders in {', '.join(summary.order_currencies)}")
        echo("Running every pipeline once (each run is a flow run in the Prefect UI):")
        run_every_pipeline(settings.hub_file, echo)
        echo("\nThe story: 1,000 LED lamps from inquiry to payment")
        tell(Story(stack.builtin, token, flow_runner(settings.hub_file, echo), echo,
                   hub_url=stack.hub_api, whatsapp_secret=_whatsapp_secret(settings.hub_file),
                   import_customs=_customs_import))
        print_urls(stack, echo)
        if serve:
            serve_pipelines(settings.hub_file, echo)
