"""Benchmark: the hub's webhook endpoint against a bare FastAPI endpoint, and
change-to-ERP latency through webhooks alone.

Everything runs on loopback, each server in its own process with the same uvicorn
settings (one worker, uvloop + httptools, ``--no-access-log``, ``--log-level warning``):

  1. Throughput and latency at saturation: ``wrk`` (Debian's) posts pre-signed,
     distinct events to ``POST /webhooks/shop`` on the hub (signature check, JSON,
     connector parse, mapping check, dedupe insert, commit) and to a bare endpoint
     that reads the body and answers 202. The hub runs without its background
     workers here, so the figure is the endpoint's own. Both servers stay up and take
     turns (bare, hub; three rounds by default), each round with fresh events, and the
     ratio is judged on the median, so a passing disturbance hits both alike.
  2. Paced load: wrk with 20 connections, each waiting 20/300 s between requests
     (~300 req/s), to the bare endpoint, to the hub's endpoint alone and to the hub
     with its inbox worker on (its own process, as ``tradehub serve`` and uvicorn run
     it), applying every event to the built-in ERP as it arrives; then how long the
     worker takes to apply them all.
  3. Change to ERP: the shop emulator (a product using the generic webhook connector)
     changes a customer; the time until the built-in ERP serves that change, through
     shop webhook → hub inbox → inbox worker → ERP write.
  4. ``--prefect``: with a real Prefect server, what a Prefect background task would
     add (``task.delay()`` call time and delay → task start with a task worker) and
     what the hub's chosen design costs (a standalone ``inbox-batch`` task run per
     batch, recorded by a reporter thread after the event was applied).

Run: ``.venv/bin/python benchmarks/webhooks.py [--duration 8] [--rounds 3] [--rate 300]
[--rate-seconds 10] [--changes 40] [--prefect]``. Needs ``wrk`` (apt-get install wrk).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import httpx
import yaml
from fastapi import FastAPI, Request, Response

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from connectors.webhook.emulator import ShopEmulator  # noqa: E402
from measure import cpu_seconds  # noqa: E402
from hub import signing  # noqa: E402
from hub.services import AppServer, free_port  # noqa: E402

SECRET = "bench-shop-secret-0123456789"
ERP_SECRET = "bench-erp-secret-0123456789"
TOKEN = "bench-builtin-token"
PIDS: dict[str, int] = {}
UVICORN = ["--no-access-log", "--log-level", "warning", "--workers", "1", "--loop", "uvloop",
           "--http", "httptools"]


# -- the servers ------------------------------------------------------------------------
def bare_app() -> Any:
    """The baseline: the same framework and server, no work but reading the body."""
    app = FastAPI()

    @app.post("/webhooks/{system}", status_code=202)
    async def receive(system: str, request: Request) -> Response:
        await request.body()
        return Response(status_code=202)

    @app.get("/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    return app


def builtin_app() -> Any:
    from hub.builtin.app import create_app

    return create_app(os.environ["BENCH_BUILTIN_URL"], TOKEN)


@contextmanager
def serve(target: str, env: dict[str, str], log: Path, *, factory: bool = True
          ) -> Iterator[str]:
    """Serve ``target`` in its own process; the URL carries the pid in ``serve.pids``."""
    port = free_port()
    command = [sys.executable, "-m", "uvicorn", *(["--factory"] if factory else []), target,
               "--host", "127.0.0.1", "--port", str(port), "--app-dir", str(ROOT / "benchmarks"),
               *UVICORN]
    process = subprocess.Popen(command, env={**os.environ, **env}, cwd=ROOT,
                               stdout=log.open("ab"), stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    PIDS[url] = process.pid
    try:
        deadline = time.monotonic() + 90
        while True:
            if process.poll() is not None:
                raise SystemExit(f"{target} exited; see {log}")
            try:
                answer = httpx.get(f"{url}/health" if "builtin" not in target else f"{url}/",
                                   timeout=1)
                if answer.status_code == 200 and (not target.startswith("hub.") or
                                                  answer.json().get("status") == "ok"):
                    break           # the hub: its worker process is up too
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise SystemExit(f"{target} did not start; see {log}")
            time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()


def hub_yaml(folder: Path, erp_url: str, shop_url: str) -> Path:
    config = {
        "systems": {
            "shop": {"connector": "webhook", "mappings": str(ROOT / "mappings" / "webhook"),
                     "settings": {"base_url": shop_url, "secret": SECRET,
                                  "entities": {"customer": {"path": "customers"}}}},
            "erp": {"connector": "builtin",
                    "mappings": str(ROOT / "mappings" / "builtin" / "erp"),
                    "settings": {"base_url": erp_url, "app": "erp", "token": TOKEN,
                                 "webhook_secret": ERP_SECRET}},
        },
        "pipelines": {"customers": {"entity": "customer", "source": "shop", "target": "erp"}},
    }
    path = folder / "hub.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


def hub_env(folder: Path, hub_file: Path, *, workers: bool, name: str,
            prefect_api: str | None = None) -> dict[str, str]:
    env = {"TRADEHUB_HUB_FILE": str(hub_file),
           "TRADEHUB_DATABASE_URL": f"sqlite:///{folder / f'{name}.db'}",
           "TRADEHUB_API_RUN_WORKERS": str(workers).lower(),
           "TRADEHUB_API_PREFECT_REPORTING": "auto" if prefect_api else "off",
           "PREFECT_LOGGING_LEVEL": "WARNING"}
    if prefect_api:
        env["PREFECT_API_URL"] = prefect_api
    return env


# -- load -------------------------------------------------------------------------------
def event_body(number: int, prefix: str) -> bytes:
    record = {"id": f"{prefix}-{number}", "name": f"Importer {number}", "country": "DE",
              "city": "Berlin", "currency": "EUR", "contact": "Anna Licht",
              "email": f"buyer{number}@example.com"}
    return json.dumps({"event_id": f"{prefix}-evt-{number}", "entity": "customer",
                       "op": "upsert", "record": record}).encode()


def signed_headers(body: bytes, event_id: str) -> dict[str, str]:
    return {"Content-Type": "application/json", **signing.sign(SECRET, body, event_id=event_id)}


def wrk_script(path: Path, count: int, prefix: str, threads: int,
               delay_ms: float | None = None) -> None:
    """Pre-signed distinct raw requests in a data file; each wrk thread walks its stride.

    (Lua refuses a chunk with more than 65,536 constants, so the requests are read from
    a file at ``init`` rather than written into the script.)
    """
    data = path.with_suffix(".requests")
    with data.open("wb") as out:
        for i in range(count):
            body = event_body(i, prefix)
            headers = signed_headers(body, f"{prefix}-evt-{i}")
            head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
            out.write(f"POST /webhooks/shop HTTP/1.1\r\nHost: 127.0.0.1\r\n{head}"
                      f"Content-Length: {len(body)}\r\n\r\n".encode() + body + b"\0")
    path.write_text(f"""
local r = {{}}
local n = 0
local step = {threads}
local created = 0
function setup(thread) created = created + 1; thread:set("tid", created) end
function init(args)
  local f = assert(io.open("{data}", "rb")); local all = f:read("*a"); f:close()
  local from = 1
  while true do
    local at = string.find(all, "\\0", from, true)
    if not at then break end
    r[#r + 1] = string.sub(all, from, at - 1)
    from = at + 1
  end
  n = tid - step
end
function request() n = n + step; if n > #r then n = tid end; return r[n] end
""" + (f"function delay() return {delay_ms:.3f} end\n" if delay_ms else ""))


def run_wrk(url: str, script: Path, seconds: int, *, threads: int = 2,
            connections: int = 16, pid: int | None = None) -> dict[str, float]:
    cpu_before = cpu_seconds(pid) if pid else 0.0
    run = subprocess.run(["wrk", "-t", str(threads), "-c", str(connections), "-d",
                          f"{seconds}s", "--latency", "-s", str(script), url],
                         capture_output=True, text=True, check=True)
    if run.stderr.strip():
        raise SystemExit(f"wrk: {run.stderr.strip()[:500]}")
    out = run.stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    result = {"rps": rps}
    for pct in ("50", "99"):
        match = re.search(rf"\s{pct}%\s+([\d.]+)(us|ms|s)", out)
        if match:
            value, unit = float(match.group(1)), match.group(2)
            result[f"p{pct}_ms"] = value / 1000 if unit == "us" else value * (
                1000 if unit == "s" else 1)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    result["non_2xx"] = float(non2xx.group(1)) if non2xx else 0.0
    total = re.search(r"(\d+) requests in", out)
    result["requests"] = float(total.group(1)) if total else 0.0
    if pid and result["requests"]:
        result["cpu_ms"] = (cpu_seconds(pid) - cpu_before) * 1000 / result["requests"]
    return result


def paced_wrk(url: str, folder: Path, rate: int, seconds: int, prefix: str,
              connections: int = 20) -> dict[str, float]:
    """~``rate`` req/s from wrk: each connection waits connections/rate s between requests.

    (A Python open-loop sender cannot itself produce 300 req/s on a busy 2-core
    machine: against the bare endpoint it measured p50 420 ms, all of it sender lag.)
    """
    script = folder / f"{prefix}.lua"
    wrk_script(script, int(rate * seconds * 1.2) + 100, prefix, threads=2,
               delay_ms=connections * 1000 / rate)
    return run_wrk(url, script, seconds, connections=connections)


def wait_drained(database: Path, events: int, timeout: float = 600) -> int:
    """Wait until the inbox worker has applied the run's events; returns how many."""
    import sqlite3

    deadline = time.monotonic() + timeout
    done = 0
    while time.monotonic() < deadline:
        with sqlite3.connect(database, timeout=30) as db:
            done = db.execute("SELECT count(*) FROM inbox WHERE status = 'processed' "
                              "AND event_id LIKE 'rate-%'").fetchone()[0]
        if done >= events:
            break
        time.sleep(0.5)
    return int(done)


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


# -- change to ERP ----------------------------------------------------------------------
def change_to_erp(shop: ShopEmulator, erp_url: str, count: int) -> list[float]:
    timings: list[float] = []
    with httpx.Client(base_url=f"{erp_url}/erp", timeout=10,
                      headers={"Authorization": f"Bearer {TOKEN}"}) as erp:
        for i in range(count):
            number = f"CH-{i % max(1, count // 2)}"       # first creates, then updates
            city = f"City {i}"
            started = time.perf_counter()
            shop.change("customers", {"id": number, "name": f"Changed {number}",
                                      "country": "DE", "city": city, "currency": "EUR"})
            deadline = started + 10
            while time.perf_counter() < deadline:
                found = erp.get(f"/customers/by-key/{number}")
                if found.status_code == 200 and found.json().get("city") == city:
                    timings.append((time.perf_counter() - started) * 1000)
                    break
                time.sleep(0.003)
            else:
                print(f"  !! change {i} did not reach the ERP within 10 s")
            time.sleep(0.05)
    return timings


# -- Prefect ----------------------------------------------------------------------------
PROBE = '''
import time
from prefect import task
from prefect.cache_policies import NO_CACHE

@task(name="bench-background", cache_policy=NO_CACHE, persist_result=False)
def probe(sent_at: float, out: str) -> None:
    with open(out, "a") as f:
        f.write(f"{time.time() - sent_at}\\n")
'''


def prefect_figures(folder: Path, api_url: str, samples: int = 20) -> dict[str, float]:
    (folder / "bench_probe.py").write_text(PROBE)
    out = folder / "lags.txt"
    env = {**os.environ, "PREFECT_API_URL": api_url, "PREFECT_LOGGING_LEVEL": "WARNING",
           "PYTHONPATH": str(folder)}
    worker = subprocess.Popen(
        [sys.executable, "-c", "from prefect.task_worker import serve; "
                               "from bench_probe import probe; serve(probe)"],
        env=env, cwd=folder, stdout=(folder / "task-worker.log").open("ab"),
        stderr=subprocess.STDOUT)
    measure = f'''
import json, statistics, sys, time
sys.path.insert(0, {str(folder)!r})
from bench_probe import probe
from prefect import task
from prefect.cache_policies import NO_CACHE
@task(name="bench-standalone", cache_policy=NO_CACHE, persist_result=False)
def standalone(i: int) -> int:
    return i
standalone(0)
runs = []
for i in range({samples}):
    t = time.perf_counter(); standalone(i); runs.append(time.perf_counter() - t)
calls = []
time.sleep(3)
for i in range({samples}):
    t = time.perf_counter(); probe.delay(time.time(), {str(out)!r}); calls.append(time.perf_counter() - t)
    time.sleep(0.3)
print(json.dumps({{"standalone": runs, "delay_call": calls}}))
'''
    try:
        time.sleep(5)
        result = subprocess.run([sys.executable, "-c", measure], env=env, capture_output=True,
                                text=True, timeout=300)
        data = json.loads(result.stdout.strip().splitlines()[-1])
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if out.exists() and len(out.read_text().split()) >= samples:
                break
            time.sleep(0.5)
        lags = [float(x) * 1000 for x in out.read_text().split()] if out.exists() else []
    finally:
        worker.terminate()
        worker.wait(20)
    ms = [x * 1000 for x in data["standalone"]]
    calls = [x * 1000 for x in data["delay_call"]]
    return {"standalone_p50": statistics.median(ms), "standalone_p90": pct(ms, 90),
            "delay_call_p50": statistics.median(calls), "delay_call_p90": pct(calls, 90),
            "delay_to_start_p50": statistics.median(lags) if lags else float("nan"),
            "delay_to_start_p90": pct(lags, 90) if lags else float("nan"),
            "delay_samples": float(len(lags))}


# -- main -------------------------------------------------------------------------------
def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=8, help="wrk seconds per run")
    parser.add_argument("--rounds", type=int, default=3,
                        help="saturation rounds, each bare then hub")
    parser.add_argument("--rate", type=int, default=300)
    parser.add_argument("--rate-seconds", type=float, default=10)
    parser.add_argument("--changes", type=int, default=40)
    parser.add_argument("--prefect", action="store_true",
                        help="also measure Prefect background tasks (starts a server)")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is needed: apt-get install wrk")

    folder = Path(tempfile.mkdtemp(prefix="tradehub-bench-"))
    logs = folder / "servers.log"
    load_before = os.getloadavg()
    print(f"work folder: {folder}  (cores: {os.cpu_count()}, load: {load_before[0]:.1f})")
    shop = ShopEmulator(secret=SECRET)
    with ExitStack() as stack:
        shop_server = AppServer(shop.app)
        stack.enter_context(shop_server)
        erp_url = stack.enter_context(serve(
            "webhooks:builtin_app", {"BENCH_BUILTIN_URL": f"sqlite:///{folder / 'erp.db'}"},
            logs))
        hub_file = hub_yaml(folder, erp_url, shop_server.url)

        # 1. saturation, endpoint only, hub and bare in turn (rounds, so a passing
        #    disturbance on the machine hits both); then each alone at the paced rate
        scripts = []
        for number in range(args.rounds + 1):          # round 0 is the warm-up
            script = folder / f"hub{number}.lua"
            wrk_script(script, 6_000 * args.duration, f"sat{number}", threads=2)
            scripts.append(script)
        hub_env_sat = hub_env(folder, hub_file, workers=False, name="saturation")
        with serve("hub.api.app:create_app", hub_env_sat, logs) as hub_sat_url, \
                serve("webhooks:bare_app", {}, logs) as bare_url:
            run_wrk(hub_sat_url, scripts[0], 2)
            run_wrk(bare_url, scripts[0], 2)
            rounds: list[tuple[dict[str, float], dict[str, float]]] = []
            for script in scripts[1:]:
                bare_run = run_wrk(bare_url, script, args.duration, pid=PIDS[bare_url])
                hub_run = run_wrk(hub_sat_url, script, args.duration, pid=PIDS[hub_sat_url])
                rounds.append((bare_run, hub_run))
            endpoint_rate = paced_wrk(hub_sat_url, folder, args.rate, int(args.rate_seconds),
                                      "ep")
            bare_rate = paced_wrk(bare_url, folder, args.rate, int(args.rate_seconds), "bare")

        # 2 and 3: the hub with its workers, the ERP behind it
        with serve("hub.api.app:create_app", hub_env(folder, hub_file, workers=True,
                                                      name="live"), logs) as hub_url:
            shop.hub_url = hub_url
            first, *changes = change_to_erp(shop, erp_url, args.changes + 1) or [float("nan")]
            sent_at = time.perf_counter()
            latencies = paced_wrk(hub_url, folder, args.rate, int(args.rate_seconds), "rate")
            drained = wait_drained(folder / "live.db", int(latencies["requests"]))
            drain_seconds = time.perf_counter() - sent_at
        prefect: dict[str, float] | None = None
        changes_reported: list[float] = []
        if args.prefect:
            from hub.services import PrefectServer

            server = PrefectServer(folder / "prefect").start()
            stack.callback(server.stop)
            prefect = prefect_figures(folder, server.api_url)
            with serve("hub.api.app:create_app", hub_env(folder, hub_file, workers=True,
                                                          name="reported",
                                                          prefect_api=server.api_url),
                       logs) as hub_url:
                shop.hub_url = hub_url
                changes_reported = change_to_erp(shop, erp_url, args.changes)
        shop.close()

    load_after = os.getloadavg()
    print()
    print(f"Server settings (hub and bare alike): uvicorn {' '.join(UVICORN)}, on 127.0.0.1; "
          f"load generator: wrk (Debian), pre-signed distinct events, keep-alive; "
          f"hub store: SQLite WAL, synchronous=NORMAL (durable against a process crash)")
    print(f"Machine: {os.cpu_count()} cores, load average {load_before[0]:.2f} "
          f"{load_before[1]:.2f} {load_before[2]:.2f} before, {load_after[0]:.2f} "
          f"{load_after[1]:.2f} {load_after[2]:.2f} after")
    print(f"\nThroughput at saturation (wrk -t2 -c16, {args.duration} s a run; "
          f"{args.rounds} rounds of bare then hub)")
    for number, (bare_run, hub_run) in enumerate(rounds, 1):
        for name, r in ((f"{number}. bare FastAPI 202", bare_run),
                        (f"{number}. hub webhook", hub_run)):
            print(f"  {name:<21} {r['rps']:6.0f} req/s   p50 {r.get('p50_ms', 0):6.2f} ms   "
                  f"p99 {r.get('p99_ms', 0):6.2f} ms   non-2xx {r['non_2xx']:.0f}   "
                  f"server CPU {r.get('cpu_ms', 0):.2f} ms/request")
    ratios = [hub_run["rps"] / bare_run["rps"] for bare_run, hub_run in rounds]
    cpu_ratios = [bare_run.get("cpu_ms", 0) / max(hub_run.get("cpu_ms", 1e-9), 1e-9)
                  for bare_run, hub_run in rounds]
    bare_rps = statistics.median(b["rps"] for b, _ in rounds)
    hub_rps = statistics.median(h["rps"] for _, h in rounds)
    print(f"  median: bare {bare_rps:.0f} req/s, hub {hub_rps:.0f} req/s")
    print(f"  hub / bare throughput by round: {', '.join(f'{r:.2f}x' for r in ratios)}; "
          f"median {statistics.median(ratios):.2f}x  (target >= 0.5x)")
    print(f"  by server CPU per request: {', '.join(f'{r:.2f}x' for r in cpu_ratios)}; "
          f"median {statistics.median(cpu_ratios):.2f}x")
    print(f"\nLatency at {args.rate} req/s requested for {args.rate_seconds:.0f} s (wrk, 20 "
          "connections each waiting 20/rate s between requests)")
    for name, r in (("bare FastAPI 202", bare_rate), ("hub, endpoint only", endpoint_rate),
                    ("hub + inbox worker", latencies)):
        print(f"  {name:<18} achieved {r['rps']:6.0f} req/s   p50 {r.get('p50_ms', 0):6.2f} ms   "
              f"p99 {r.get('p99_ms', 0):6.2f} ms   non-2xx {r['non_2xx']:.0f}  (target p99 < 25 ms)")
    print(f"  inbox worker (own process, nice +10): {drained} events applied to the ERP "
          f"{drain_seconds:.1f} s after the first was sent ({drained / drain_seconds:.0f} "
          f"events/s end to end)")
    print(f"\nChange in the shop -> record in the built-in ERP (webhooks only), n={len(changes)} "
          f"after the first")
    if changes:
        print(f"  p50 {statistics.median(changes):.0f} ms  p99 {pct(changes, 99):.0f} ms  "
              f"max {max(changes):.0f} ms  (target p50 < 1000 ms); the first after start "
              f"(cold connections and caches): {first:.0f} ms")
    if prefect is not None:
        print("\nPrefect (real server on loopback)")
        print(f"  background task: .delay() call p50 {prefect['delay_call_p50']:.0f} ms "
              f"(p90 {prefect['delay_call_p90']:.0f}); delay -> task start p50 "
              f"{prefect['delay_to_start_p50']:.0f} ms (p90 {prefect['delay_to_start_p90']:.0f}, "
              f"n={prefect['delay_samples']:.0f})")
        print(f"  standalone task run (the hub's inbox-batch report, off the event path): "
              f"p50 {prefect['standalone_p50']:.0f} ms (p90 {prefect['standalone_p90']:.0f})")
        if changes_reported:
            print(f"  change -> ERP with Prefect reporting on: p50 "
                  f"{statistics.median(changes_reported):.0f} ms  p90 "
                  f"{pct(changes_reported, 90):.0f} ms")


if __name__ == "__main__":
    main()
