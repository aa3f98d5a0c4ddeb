"""One command: the reference CRM ↔ Yonyou YonBIP (emulated), the five pipelines, three passes.

    .venv/bin/python examples/yonyou/run.py

Starts the reference CRM and a YonBIP emulator on loopback, a hub store on SQLite,
seeds the CRM (three customers, two orders), runs the pipelines of
examples/yonyou/hub.yaml, lets YonBIP users approve an order, set a credit limit,
count stock, ship the order and record the customer's payment, runs them again (that
flows back to the CRM), and a third time to show that nothing is written when nothing
changed. Prints each run's summary.
"""

from __future__ import annotations

import logging
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:                 # run as a plain script from anywhere
    sys.path.insert(0, str(REPO))

from examples.kingdee.run import report_crm, show  # noqa: E402
from examples.yonyou.scenario import (  # noqa: E402
    PIPELINES, Crm, YonyouDesk, crm_accounts, crm_order, load_config, serve,
)
from examples.yonyou.scenario import stock_row  # noqa: E402
from hub.store.db import session_factory  # noqa: E402
from hub.store.migrate import create_store_engine  # noqa: E402
from hub.sync.context import SyncContext  # noqa: E402
from hub.sync.engine import run_pipeline  # noqa: E402


def main() -> int:
    logging.basicConfig(level=logging.WARNING)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        with serve(f"sqlite:///{folder / 'products.db'}") as servers:
            store = create_store_engine(f"sqlite:///{folder / 'hub.db'}")
            ctx = SyncContext(config=load_config(servers.builtin_url, servers.yonyou_url),
                              sessions=session_factory(store))
            crm = Crm(servers.builtin_url)
            desk = YonyouDesk(servers.yonyou_url, servers.yonyou_app)
            try:
                print(f"reference CRM: {servers.builtin_url}/crm   "
                      f"YonBIP emulator: {servers.yonyou_url}")
                crm.upsert("customers", crm_accounts(3))
                crm.upsert("orders", [crm_order("SO-2026-001", "C0001"),
                                      crm_order("SO-2026-002", "C0002", lines=2)])
                show("pass 1: CRM → YonBIP", [run_pipeline(ctx, p) for p in PIPELINES])

                desk.approve_order("SO-2026-001")
                desk.set_credit("C0001", 50000, "1")
                desk.stock([stock_row("LED-A60-9W", "WH01", 800, 700),
                            stock_row("LED-T8-18W", "WH01", 1200, 1200)])
                desk.deliver("XSCK-2026-0001", "SO-2026-001", "C0001",
                             [("LED-A60-9W", 100), ("LED-T8-18W", 200)], "COSU6182736450")
                desk.receive("RECar-2026-0001", "SO-2026-001", "C0001", 1000.0)
                show("pass 2: YonBIP → CRM", [run_pipeline(ctx, p) for p in PIPELINES])
                show("pass 3: nothing changed, nothing written",
                     [run_pipeline(ctx, p) for p in PIPELINES])

                report_crm(crm)
                stock = crm.by_key("stock", "LED-A60-9W@WH01")
                print(f"CRM stock LED-A60-9W@WH01: on hand {stock['on_hand']}, "
                      f"reserved {stock['reserved']}")
                print(f"YonBIP events queued for the hub's webhook: {len(desk.events())}")
            finally:
                crm.close()
                desk.close()
                ctx.close()
                store.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
