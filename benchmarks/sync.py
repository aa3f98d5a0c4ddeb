"""Sync throughput and memory: customers CRM → ERP through real HTTP.

    .venv/bin/python benchmarks/sync.py                # 100,000 customers (about 2 minutes)
    .venv/bin/python benchmarks/sync.py --records 20000
    .venv/bin/python benchmarks/sync.py --instructions --records 2000   # needs valgrind

The reference CRM and ERP are two products, so each runs in its own process (uvicorn
on 127.0.0.1, its own SQLite file), as two vendors' systems would; each sync runs in a
fresh process of its own, so its peak RSS is the engine's alone. Prints
the full run, a run with no changes, a run with 1% changed, peak memory of a full
run at 10,000 and at the full count, and the CPU each process (hub, CRM, ERP) spent
per record of the full run: on a machine that also runs both products, their sum
divided among the cores bounds the rate any design of the hub could reach.

What "a run" is: ``run_pipeline()`` in a worker that has read hub.yaml, opened the
store, compiled the mappings and made its connectors (what a long-lived worker holds
between runs): taking the lock, reading the change feed, mapping, writing, every
checkpoint and the run record. The one-off start-up of a fresh process (interpreter,
imports, hub.yaml, store check, mapping compilation, connectors) is printed apart,
and so is the whole process's wall time, for the full and the no-change run alike.

``--instructions`` counts instead of timing: the instructions the hub's process
executes per record, under valgrind (a few minutes for 2,000 records). On a shared
virtual machine, time and CPU seconds vary by ±20% from run to run, which hides the
5-10% a single change to the engine saves; the instruction count repeats to within
about 1%, so it is how to tell whether a change made the hub cheaper.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import yaml

from measure import VALGRIND, cpu_seconds, reference_seconds, valgrind_instructions

ROOT = Path(__file__).resolve().parents[1]
TOKEN = "bench-token"
PRODUCTS = """
import sys, uvicorn
from hub.builtin.app import create_app
uvicorn.run(create_app(sys.argv[1], sys.argv[2], webhook_max_attempts=1), host="127.0.0.1",
            port=int(sys.argv[3]), log_level="warning", access_log=False)
"""


def free_port() -> int:
    from hub.services import free_port as pick

    return pick()


def start_products(folder: Path, name: str) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    process = subprocess.Popen([sys.executable, "-c", PRODUCTS,
                                f"sqlite:///{folder / f'{name}.db'}", TOKEN, str(port)],
                               cwd=ROOT)
    url = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            httpx.get(f"{url}/crm/docs", timeout=1)
        except httpx.HTTPError:
            time.sleep(0.1)
            continue
        # FastAPI builds an app's routes on its first request (a tenth of a second or
        # more); a product in service has long done that, so do it before measuring.
        app = "erp" if name == "erp" else "crm"
        httpx.get(f"{url}/{app}/changes", params={"limit": 1}, timeout=30,
                  headers={"Authorization": f"Bearer {TOKEN}"}).raise_for_status()
        return process, url
    process.kill()
    raise SystemExit("the reference products did not start")


def accounts(start: int, count: int, version: int = 0) -> list[dict[str, object]]:
    countries = ["DE", "US", "ES", "BR", "AE", "NL", "FR", "IT", "PL", "MX"]
    return [{"account_code": f"C-{i:07d}", "company_name": f"Importer {i:07d} v{version}",
             "legal_name": f"Importer {i:07d} Trading Co., Ltd.", "country_code": countries[i % 10],
             "city": "Hamburg", "address": f"Hafenstraße {i % 200}", "website": "example.com",
             "industry": "lighting", "account_owner": "anna", "currency": "USD",
             "tags": ["importer", "led"],
             "contacts": [{"full_name": f"Buyer {i}", "email": f"buyer{i}@example.com",
                           "phone": "+4940123456", "position": "Purchasing", "primary": True}]}
            for i in range(start, start + count)]


def load(url: str, first: int, count: int, version: int = 0) -> None:
    with httpx.Client(base_url=f"{url}/crm", timeout=120,
                      headers={"Authorization": f"Bearer {TOKEN}"}) as client:
        for start in range(first, first + count, 2000):
            size = min(2000, first + count - start)
            client.post("/customers/batch-upsert",
                        json={"items": accounts(start, size, version)}).raise_for_status()


def hub_file(folder: Path, urls: dict[str, str], batch: int, *,
             crms: Sequence[str] = ("crm",), processes: int = 1) -> Path:
    """hub.yaml for customers from each reference CRM named in ``crms`` (its URL in
    ``urls``) into the reference ERP at ``urls["erp"]``: the pipeline ``customers``
    for one CRM, ``customers_<name>`` for each of several; each pipeline's run split
    over ``processes``."""
    def system(name: str, app: str) -> dict[str, object]:
        return {"connector": "builtin", "mappings": str(ROOT / "mappings/builtin" / app),
                "settings": {"base_url": urls[name], "app": app, "token": TOKEN}}

    systems = {name: system(name, "crm") for name in crms} | {"erp": system("erp", "erp")}
    pipelines = {"customers" if len(crms) == 1 else f"customers_{name}": {
        "entity": "customer", "source": name, "target": "erp", "batch_size": batch,
        "processes": processes}
        for name in crms}
    path = folder / "hub.yaml"
    path.write_text(yaml.safe_dump({"systems": systems, "pipelines": pipelines}))
    return path


def start_worker(setup: Setup, *, pipeline: str = "customers", start_at: float | None = None,
                 counted: bool = False) -> subprocess.Popen[str]:
    """A fresh hub process that runs ``pipeline`` once (``worker``); ``counted``: under
    valgrind."""
    command = [*(VALGRIND if counted else []), sys.executable, __file__, "--worker",
               "--pipeline", pipeline]
    if start_at is not None:
        command += ["--start-at", str(start_at)]
    return subprocess.Popen(command, env=setup.env(), cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def worker_figures(process: subprocess.Popen[str]) -> tuple[dict[str, object], str]:
    """Wait for a worker; the figures it printed, and its standard error."""
    out, err = process.communicate()
    if process.returncode != 0:
        raise SystemExit(err[-3000:])
    return json.loads(out.strip().splitlines()[-1]), err


def products_cpu(setup: Setup) -> dict[str, float]:
    """CPU seconds each product's process has spent so far."""
    return {name: cpu_seconds(pid) for name, pid in setup.pids.items()}


def run_sync(setup: Setup, *, counted: bool = False) -> dict[str, object]:
    """One pipeline run in a fresh process; returns its figures, with the CPU seconds
    the products spent meanwhile. ``counted``: run it under valgrind and add the
    instructions it executed (``instructions``)."""
    before = products_cpu(setup)
    started = time.perf_counter()
    figures, err = worker_figures(start_worker(setup, counted=counted))
    process = time.perf_counter() - started
    if counted:
        counted_instructions = valgrind_instructions(err)
        if counted_instructions is None:
            raise SystemExit(f"valgrind printed no instruction count:\n{err[-2000:]}")
        figures["instructions"] = counted_instructions
    cpu = {name: seconds - before[name] for name, seconds in products_cpu(setup).items()}
    return {**figures, "process_seconds": process, "products_cpu": cpu}


def worker(pipeline: str = "customers", start_at: float | None = None) -> None:
    """Run ``pipeline`` once and print its figures as JSON; ``start_at`` (a wall-clock
    time) holds the run back until then, so that runs in several processes start
    together, each past its own start-up."""
    started = time.perf_counter()
    from hub.sync.engine import run_pipeline
    from hub.sync.pipeline import PipelineSpec
    from hub.sync.runtime import build_context

    ctx = build_context()
    spec = PipelineSpec.build(ctx, pipeline)             # compiles and keeps the mappings
    for side in spec.sides:
        ctx.connector(side.system)
    startup = time.perf_counter() - started
    if start_at is not None:
        time.sleep(max(0.0, start_at - time.time()))
    ready = time.perf_counter()
    cpu_before = time.process_time() + _children_cpu()
    summary = run_pipeline(ctx, pipeline)
    seconds = time.perf_counter() - ready
    cpu = time.process_time() + _children_cpu() - cpu_before   # the run's part processes too
    ctx.close()
    peak_mib = max(resource.getrusage(who).ru_maxrss    # the largest of the run's processes
                   for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)) / 1024
    print(json.dumps({"seconds": seconds, "cpu_seconds": cpu, "startup_seconds": startup,
                      "peak_mib": peak_mib, **summary.counts.model_dump()}))


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


@dataclass
class Setup:
    """The CRMs loaded with customers, the ERP empty, and a hub.yaml and store for them."""

    folder: Path
    urls: dict[str, str]
    pids: dict[str, int]
    config: Path
    store: str

    def env(self) -> dict[str, str]:
        """The environment of a hub process that syncs them."""
        return {**os.environ, "TRADEHUB_HUB_FILE": str(self.config),
                "TRADEHUB_DATABASE_URL": self.store, "TRADEHUB_DATA_DIR": str(self.folder)}


@contextmanager
def products_loaded(records: int, batch: int, *, crms: Sequence[str] = ("crm",),
                    processes: int = 1) -> Iterator[Setup]:
    """The products in a process each; ``records`` customers split evenly among the
    CRMs named in ``crms`` (``hub_file``'s pipelines, each run in ``processes``)."""
    with tempfile.TemporaryDirectory(prefix="tradehub-bench-") as tmp:
        folder = Path(tmp)
        servers = {app: start_products(folder, app) for app in (*crms, "erp")}
        urls = {app: url for app, (_, url) in servers.items()}
        try:
            part = records // len(crms)
            for n, name in enumerate(crms):
                load(urls[name], n * part, part)
            yield Setup(folder, urls, {app: process.pid for app, (process, _) in servers.items()},
                        hub_file(folder, urls, batch, crms=crms, processes=processes),
                        f"sqlite:///{folder / 'hub.db'}")
        finally:
            for process, _ in servers.values():
                process.terminate()
                process.wait(10)


def scenario(records: int, batch: int, *, changes: bool,
             processes: int) -> dict[str, dict[str, object]]:
    with products_loaded(records, batch, processes=processes) as setup:
        def run() -> dict[str, object]:
            return run_sync(setup)

        results = {"full": run()}
        if changes:
            results["no_change"] = run()
            load(setup.urls["crm"], 0, records // 100, version=1)          # 1% changed
            results["one_percent"] = run()
        return results


def instructions_per_record(records: int, batch: int) -> None:
    """The hub's instructions per synced record, by valgrind: full runs of ``records``
    and of twice as many, in fresh stores; their difference per record leaves the
    start-up out. Unlike time, this count hardly moves with the machine's load."""
    counts = []
    for count in (records, 2 * records):
        with products_loaded(count, batch) as setup:
            figures = run_sync(setup, counted=True)
        if figures["created"] != count:
            raise SystemExit(f"the run created {figures['created']} of {count} records")
        counts.append(int(figures["instructions"]))  # type: ignore[call-overload]
        print(f"{count:>7,} customers: the hub's process executed {counts[-1]:,} instructions")
    print(f"hub instructions per record: {(counts[1] - counts[0]) / records:,.0f} "
          f"(the difference of the two runs over {records:,} records)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--processes", type=int, default=2,
                        help="the pipeline's processes setting: its run split over this "
                             "many processes (1: the whole run in one)")
    parser.add_argument("--instructions", action="store_true",
                        help="count the hub's instructions per record with valgrind "
                             "(--records of 2,000 is plenty) instead of timing")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--pipeline", default="customers", help=argparse.SUPPRESS)
    parser.add_argument("--start-at", type=float, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.pipeline, args.start_at)
        return
    if args.instructions:
        instructions_per_record(args.records, args.batch)
        return
    small = min(10_000, args.records)
    print(f"sync benchmark: {args.records:,} customers CRM → ERP, batches of {args.batch}, "
          f"SQLite store, CRM and ERP in a process each, real HTTP on 127.0.0.1; "
          f"the run split over {args.processes} hub process(es) (processes: {args.processes})")
    # The interpreter's build moves every figure (README: an optimised build ran the
    # sync 13-17% faster than this machine's pyenv build), so name it.
    print(f"Python {platform.python_version()} at {os.path.realpath(sys.executable)}")
    print(f"load average at start {_load()} on {os.cpu_count()} CPUs; "
          f"machine reference {reference_seconds():.2f} s (a fixed Python loop, "
          "lower is faster)")
    big = scenario(args.records, args.batch, changes=True, processes=args.processes)
    base = scenario(small, args.batch, changes=False, processes=args.processes)["full"]
    full, none, pct = big["full"], big["no_change"], big["one_percent"]
    rate = full["created"] / full["seconds"]  # type: ignore[operator]
    print(f"full run      {full['seconds']:8.2f} s  {full['created']:>7,} created  "
          f"{rate:,.0f} records/s")
    print(f"no-change run {none['seconds']:8.2f} s  {none['read']:>7,} read     "
          f"{100 * none['seconds'] / full['seconds']:.2f}% of the full run")  # type: ignore[operator]
    print(f"1% changed    {pct['seconds']:8.2f} s  {pct['updated']:>7,} updated  "
          f"{100 * pct['seconds'] / full['seconds']:.2f}% of the full run")  # type: ignore[operator]
    print(f"peak memory   {base['peak_mib']:8.1f} MiB at {small:,} records, "
          f"{full['peak_mib']:.1f} MiB at {args.records:,} "
          f"(ratio {full['peak_mib'] / base['peak_mib']:.2f})")  # type: ignore[operator]
    print("(a run: run_pipeline() in a worker holding its mappings and connectors; "
          "cold start of a fresh process below)")
    for label, figures in (("full", full), ("no-change", none)):
        print(f"fresh process, {label:9s} start-up {figures['startup_seconds']:6.2f} s "
              f"(imports, hub.yaml, store, mappings, connectors), "
              f"whole process {figures['process_seconds']:7.2f} s")
    print(f"fresh process, no-change/full: "
          f"{100 * none['process_seconds'] / full['process_seconds']:.2f}%")  # type: ignore[operator]
    products_cpu: dict[str, float] = full["products_cpu"]  # type: ignore[assignment]
    cpu = {"hub": float(full["cpu_seconds"]), **products_cpu}  # type: ignore[arg-type]
    per_record = {name: 1e6 * seconds / full["created"]  # type: ignore[operator]
                  for name, seconds in cpu.items()}
    total = sum(per_record.values())
    cores = os.cpu_count() or 1
    print("CPU per record, full run: "
          + ", ".join(f"{name} {us:.0f} µs" for name, us in per_record.items())
          + f"; {total:.0f} µs in all, so {cores} cores busy all the time would give "
          f"{cores * 1e6 / total:,.0f} records/s at most")
    print(f"load average at end {_load()}; machine reference {reference_seconds():.2f} s")


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


if __name__ == "__main__":
    main()
