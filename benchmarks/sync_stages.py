"""Instructions per record of each stage of a one-way sync batch, by valgrind.

    .venv/bin/python benchmarks/sync_stages.py              # about 3 minutes; needs valgrind
    .venv/bin/python benchmarks/sync_stages.py --batches 5

``sync.py --instructions`` counts the whole hub process; this splits the count by stage
of ``hub.sync`` for first sights of customers CRM → ERP, so a change to one stage can
be judged by the stage's own figure:

- map: ``map_records`` (inbound mapping, validation, canonical JSON, content hash);
- match: links and natural keys for the batch (``observe.match``);
- plan: all of ``plan_batch``: matching, the merge plans and the mapping for the write;
- checkpoint: ``commit_batch`` on a SQLite store, with every write answered "created".

No HTTP: the target's answers are made up, so the connectors and products are left out
(``sync.py`` measures them). Each stage is counted in two processes that prepare the
same inputs and run the stage once to warm up; one then runs it on ``--batches`` more
batches of 1,000, and the difference per record leaves start-up, preparation and
warm-up out.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import func, select

from connectors.base import RemoteRecord, WriteResult
from hub.gctune import relaxed_collector
from hub.store.tables import CanonicalState
from hub.sync import reconcile
from hub.sync.context import SyncContext
from hub.sync.hubfile import load_hub_config
from hub.sync.observe import map_records, match
from hub.sync.pipeline import PipelineSpec
from hub.sync.runtime import build_context
from measure import VALGRIND, valgrind_instructions
from sync import ROOT, accounts, hub_file

BATCH = 1000
STAGES = ("map", "match", "plan", "checkpoint")


def worker(stage: str, batches: int, counted: bool) -> None:
    """Prepare the inputs of ``stage`` for ``batches`` batches; run it if ``counted``."""
    with tempfile.TemporaryDirectory(prefix="tradehub-stages-") as tmp:
        folder = Path(tmp)
        unused = {"crm": "http://127.0.0.1:9", "erp": "http://127.0.0.1:9"}   # never called
        ctx = build_context(load_hub_config(hub_file(folder, unused, BATCH)),
                            store_url=f"sqlite:///{folder / 'hub.db'}")
        try:
            _run(ctx, stage, batches, counted)
        finally:
            ctx.close()


def _run(ctx: SyncContext, stage: str, batches: int, counted: bool) -> None:
    spec = PipelineSpec.build(ctx, "customers")
    now = datetime.now(timezone.utc)

    def records(batch: int) -> list[RemoteRecord]:
        rows = accounts(batch * BATCH, BATCH)
        for number, row in enumerate(rows, start=batch * BATCH):
            row.update(id=number, archived=False)
        return [RemoteRecord(remote_id=str(row["id"]), data=row, updated_at=now) for row in rows]

    def answered(work: reconcile.BatchWork) -> reconcile.BatchWork:
        for plan, _ in work.outbound["erp"]:
            plan.results["erp"] = WriteResult(hub_id=plan.hub_id, outcome="created",
                                              remote_id=f"E-{plan.hub_id}")
        return work

    with relaxed_collector():
        # Batch 0 warms up (statements compiled, caches filled) in both processes; the
        # stage then runs on batches 1..n only in the counted one.
        raw = [records(batch) for batch in range(batches + 1)]
        mapped = [map_records(spec, "crm", batch) for batch in raw] if stage != "map" else []
        works = [answered(reconcile.plan_batch(ctx, spec, "crm", observed, failed,
                                               cursor=str(n)))
                 for n, (observed, failed) in enumerate(mapped)] if stage == "checkpoint" else []

        def run_stage(batch: int) -> None:
            if stage == "map":
                map_records(spec, "crm", raw[batch])
            elif stage == "match":
                with ctx.sessions() as session:
                    match(session, spec, "crm", mapped[batch][0], derived_ids=True)
            elif stage == "plan":
                reconcile.plan_batch(ctx, spec, "crm", *mapped[batch], cursor=None)
            else:
                reconcile.commit_batch(ctx, spec, works[batch])

        for batch in range(batches + 1 if counted else 1):
            run_stage(batch)
        if stage == "checkpoint":
            with ctx.sessions() as session:
                stored = session.scalar(select(func.count()).select_from(CanonicalState))
            expected = (batches + 1 if counted else 1) * BATCH
            if stored != expected:
                raise SystemExit(f"the checkpoints stored {stored} records, not {expected}")


def instructions(stage: str, batches: int, counted: bool) -> int:
    done = subprocess.run([*VALGRIND, sys.executable, __file__, "--worker", stage,
                           "--batches", str(batches), *(["--counted"] if counted else [])],
                          cwd=ROOT, capture_output=True, text=True, check=False)
    executed = valgrind_instructions(done.stderr)
    if done.returncode != 0 or executed is None:
        raise SystemExit(f"{stage}: the counted process failed\n{done.stderr[-3000:]}")
    return executed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batches", type=int, default=3)
    parser.add_argument("--stage", choices=STAGES, action="append",
                        help="only these stages (default: all)")
    parser.add_argument("--worker", choices=STAGES, help=argparse.SUPPRESS)
    parser.add_argument("--counted", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.worker, args.batches, args.counted)
        return
    records = args.batches * BATCH
    print(f"instructions per record, first sights of {records:,} customers CRM → ERP "
          f"({args.batches} batches of {BATCH:,}), valgrind")
    for stage in args.stage or STAGES:
        per_record = (instructions(stage, args.batches, True)
                      - instructions(stage, args.batches, False)) / records
        print(f"  {stage:<11} {per_record:>9,.0f}", flush=True)


if __name__ == "__main__":
    main()
