"""One command: the reference CRM ↔ Kingdee K3Cloud (emulated), every pipeline, twice.

    .venv/bin/python examples/kingdee/run.py [--keep DIR]

Starts the reference CRM and a K3Cloud emulator on loopback, a hub store on SQLite,
seeds the CRM (three customers, two orders) and K3Cloud (materials), then runs the five
pipelines of examples/kingdee/hub.yaml. Between the two passes K3Cloud users audit an
order, set a credit limit, count stock, ship and receive money, as they would; the
second pass brings that back to the CRM. A third pass shows the echo suppression:
nothing is written. Prints each run's summary.
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:                 # run as a plain script from anywhere
    sys.path.insert(0, str(REPO))

from examples.kingdee.scenario import (  # noqa: E402
    PIPELINES, Crm, KingdeeDesk, crm_accounts, crm_order, load_config, serve,
)
from hub.store.db import session_factory  # noqa: E402
from hub.store.migrate import create_store_engine  # noqa: E402
from hub.sync.context import SyncContext  # noqa: E402
from hub.sync.counts import RunSummary  # noqa: E402
from hub.sync.engine import run_pipeline  # noqa: E402


def report_crm(crm: Any) -> None:
    """What the CRM shows at the end: the story's order and customer, as sales sees them."""
    order = crm.by_key("orders", "SO-2026-001")
    account = crm.by_key("customers", "C0001")
    tracking = order.get("tracking") or {}
    print(f"\nCRM order SO-2026-001: status {order['fulfilment_status']}, "
          f"paid {order['paid_amount']} {order['currency']} "
          f"({order['paid_amount_base']} {order['base_currency']}), "
          f"carrier {tracking.get('carrier')}, waybill {tracking.get('bl_no')}")
    print(f"CRM customer C0001: credit limit {account['credit_limit']}, "
          f"receivables {account['receivable_status']}")


def show(title: str, summaries: list[RunSummary]) -> None:
    print(f"\n{title}")
    print(f"  {'pipeline':<11} {'read':>5} {'created':>8} {'updated':>8} {'unchanged':>10} "
          f"{'dead-lettered':>14}")
    for s in summaries:
        c = s.counts
        print(f"  {s.pipeline:<11} {c.read:>5} {c.created:>8} {c.updated:>8} {c.unchanged:>10} "
              f"{c.dead_lettered:>14}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--keep", type=Path, help="Keep the databases in this folder")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        with serve(f"sqlite:///{folder / 'products.db'}") as servers:
            store = create_store_engine(f"sqlite:///{folder / 'hub.db'}")
            ctx = SyncContext(config=load_config(servers.builtin_url, servers.kingdee_url),
                              sessions=session_factory(store))
            crm, desk = Crm(servers.builtin_url), KingdeeDesk(servers.kingdee_url)
            try:
                print(f"reference CRM: {servers.builtin_url}/crm   "
                      f"K3Cloud emulator: {servers.kingdee_url}/k3cloud/")
                crm.upsert("customers", crm_accounts(3))
                crm.upsert("orders", [crm_order("SO-2026-001", "C0001"),
                                      crm_order("SO-2026-002", "C0002", lines=2)])
                desk.materials()
                show("pass 1: CRM → K3Cloud", [run_pipeline(ctx, p) for p in PIPELINES])

                desk.audit_order("SO-2026-001")
                desk.set_credit("C0001", 50000, "1")
                desk.stock("LED-A60-9W", "CK001", 800, 700)
                desk.stock("LED-T8-18W", "CK002", 1200, 1200)
                desk.deliver("XSCKD-0001", "SO-2026-001", "C0001",
                             [("LED-A60-9W", 100), ("LED-T8-18W", 200)], "COSU6182736450")
                desk.receive("SKD-0001", "SO-2026-001", "C0001", 1000.0)
                show("pass 2: K3Cloud → CRM", [run_pipeline(ctx, p) for p in PIPELINES])
                show("pass 3: nothing changed, nothing written",
                     [run_pipeline(ctx, p) for p in PIPELINES])

                report_crm(crm)
            finally:
                crm.close()
                desk.close()
                ctx.close()
                store.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
