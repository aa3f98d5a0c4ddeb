"""What spreading a sync over several hub processes could reach here, at most.

    .venv/bin/python benchmarks/sync_parallel.py             # 30,000 customers, 3 rounds
    .venv/bin/python benchmarks/sync_parallel.py --records 100000 --rounds 1

The hub runs a pipeline in one Python process, and its GIL serialises the process's
work: ``sync.py`` shows it busy nearly all of a run while the machine's other core is
partly idle. Would spreading the work over processes reach the rate asked for? Here the
customers are split into disjoint parts, each in a reference CRM of its own (its own
process), and a pipeline per part runs in a hub process of its own, all at once, into
one reference ERP and one hub store. The parts share nothing but the ERP, the store
and the cores: no cursor to hand over, no batch order to keep. So this is what any
design that splits one pipeline's work over that many processes could reach at
most. Each round runs the same records in one process and then in ``--processes``,
so that the two are compared in the same minutes of a machine whose speed drifts.
"""

from __future__ import annotations

import argparse
import os
import time

from hub.sync.hubfile import load_hub_config
from hub.sync.runtime import build_context
from measure import reference_seconds
from sync import products_cpu, products_loaded, start_worker, worker_figures


def one_round(records: int, processes: int, batch: int) -> dict[str, float]:
    """``records`` customers synced by ``processes`` hub processes at once."""
    crms = [f"crm{n}" for n in range(processes)]
    part = records // processes
    with products_loaded(records, batch, crms=crms) as setup:
        build_context(load_hub_config(setup.config), store_url=setup.store).close()  # tables, once
        before = products_cpu(setup)
        start_at = time.time() + 6          # past every worker's start-up
        workers = [start_worker(setup, start_at=start_at,
                                pipeline="customers" if processes == 1 else f"customers_{name}")
                   for name in crms]
        results = [worker_figures(process)[0] for process in workers]
        products = {name: seconds - before[name]
                    for name, seconds in products_cpu(setup).items()}
    created = sum(r["created"] for r in results)
    if created != part * processes:
        raise SystemExit(f"{created} created of {part * processes}")
    seconds = max(r["seconds"] for r in results)          # all started at start_at
    return {"created": created, "seconds": seconds,
            "hub_us": 1e6 * sum(r["cpu_seconds"] for r in results) / created,
            "crm_us": 1e6 * sum(v for k, v in products.items() if k != "erp") / created,
            "erp_us": 1e6 * products["erp"] / created}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=30_000)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--batch", type=int, default=1000)
    args = parser.parse_args()
    print(f"customers CRM → ERP in 1 hub process, then split over {args.processes} "
          f"(disjoint parts, a CRM each), {args.records:,} in all, on {os.cpu_count()} CPUs")
    for round_ in range(1, args.rounds + 1):
        for processes in (1, args.processes):
            r = one_round(args.records, processes, args.batch)
            print(f"round {round_}, {processes} hub process{'es' if processes > 1 else '  '}: "
                  f"{r['created']:,} created in {r['seconds']:6.2f} s, "
                  f"{r['created'] / r['seconds']:6,.0f} records/s; CPU per record: "
                  f"hub {r['hub_us']:.0f} µs, crm {r['crm_us']:.0f} µs, erp {r['erp_us']:.0f} µs; "
                  f"machine reference {reference_seconds():.2f} s",
                  flush=True)


if __name__ == "__main__":
    main()
