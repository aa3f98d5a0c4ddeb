"""``tradehub emulate kingdee|yonyou``: serve a protocol-faithful emulator on loopback.

So an integrator can try mappings and hub.yaml files without a Kingdee or Yonyou
licence. ``serve_in_thread`` is the same server for tests: a real socket on an
ephemeral 127.0.0.1 port, stopped when the block ends.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import typer
import uvicorn
from fastapi import FastAPI

app = typer.Typer(help="Run a local emulator of a remote product.", no_args_is_help=True)

HOST = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


@contextmanager
def serve_in_thread(asgi_app: FastAPI, *, port: int | None = None,
                    startup_timeout: float = 10.0) -> Iterator[str]:
    """Serve ``asgi_app`` with uvicorn in a daemon thread; yields its base URL."""
    chosen = port or free_port()
    server = uvicorn.Server(uvicorn.Config(asgi_app, host=HOST, port=chosen,
                                           log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, name=f"emulator-{chosen}", daemon=True)
    thread.start()
    deadline = time.monotonic() + startup_timeout
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            raise RuntimeError(f"emulator did not start on {HOST}:{chosen}")
        time.sleep(0.02)
    try:
        yield f"http://{HOST}:{chosen}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@app.command("kingdee")
def kingdee(port: int = typer.Option(8851, help="Port on 127.0.0.1")) -> None:
    """Kingdee K3Cloud WebAPI (signed headers or session login)."""
    from connectors.kingdee.emulator import Credentials, create_app

    creds = Credentials()
    typer.echo("Kingdee K3Cloud emulator — settings for a 'kingdee' system in hub.yaml:\n"
               f"  server_url: http://{HOST}:{port}/k3cloud/\n"
               f"  acct_id:    {creds.acct_id}\n"
               f"  username:   {creds.username}\n"
               f"  app_id:     {creds.app_id}\n"
               f"  app_secret: {creds.app_secret}\n"
               f"  (ValidateUser password: {creds.password})\n"
               f"Faults: POST http://{HOST}:{port}/__emulator__/faults "
               '{"call_limit_calls": 3, "expire_sessions": true, "delay_seconds": 1}')
    uvicorn.run(create_app(creds), host=HOST, port=port, log_level="info")


@app.command("yonyou")
def yonyou(port: int = typer.Option(8852, help="Port on 127.0.0.1")) -> None:
    """Yonyou YonBIP open API (gateway discovery, signed token, business APIs, events)."""
    from connectors.yonyou.emulator import Credentials, create_app

    creds = Credentials()
    base = f"http://{HOST}:{port}"
    typer.echo("Yonyou YonBIP emulator — settings for a 'yonyou' system in hub.yaml:\n"
               f"  gateway_discovery_url: {base}/open-auth/dataCenter/getGatewayAddress\n"
               f"  tenant_id:  {creds.tenant_id}\n"
               f"  app_key:    {creds.app_key}\n"
               f"  app_secret: {creds.app_secret}\n"
               f"Faults: POST {base}/__emulator__/faults "
               '{"expire_tokens": true, "delay_seconds": 1}')
    uvicorn.run(create_app(creds, base_url=base), host=HOST, port=port, log_level="info")
