"""The demo's story, asserted end to end against the reference systems on loopback."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from hub.builtin.seed import STORY_SKU, seed
from hub.services import AppServer
from hub.story import CUSTOMER, ORDER, Story, tell
from hub.sync.config import HubConfig
from hub.sync.context import SyncContext
from hub.sync.engine import run_pipeline
from hub.sync.hubfile import load_hub_config
from sync_support import REPO, TOKEN

MakeContext = Callable[[HubConfig], SyncContext]


def test_from_inquiry_to_payment(products: AppServer, make_context: MakeContext) -> None:
    seed(products.url, TOKEN)
    config = load_hub_config(REPO / "examples" / "hub.yaml", environ={
        "TRADEHUB_BUILTIN_URL": products.url, "TRADEHUB_BUILTIN_TOKEN": TOKEN})
    ctx = make_context(config)
    for name in ("customers", "orders", "inventory", "shipments", "approvals"):
        run_pipeline(ctx, name)
    lines: list[str] = []
    story = Story(products.url, TOKEN, lambda name: run_pipeline(ctx, name) and None,
                  lines.append)
    tell(story)

    crm, erp = story.products, story.products
    [stock] = [r for r in crm.items("/crm/stock", sku=STORY_SKU) if r["sku"] == STORY_SKU]
    assert stock["on_hand"] == 800
    order = erp.by_key("/erp/sales-orders", ORDER)
    assert order["cust_no"] == CUSTOMER
    assert any("reservations [{'line_key': '1', 'sku': 'LED-A60-9W', 'wh_code': 'SH-01', "
               "'qty': 800}], shortages [{'line_key': '2'" in line for line in lines)
    assert order["status"] == "shipped"
    request = erp.by_key("/erp/purchase-requests", f"PR-{ORDER}-2")
    assert (request["status"], request["po_no"]) == ("approved", f"PO-PR-{ORDER}-2")
    assert erp.by_key("/erp/purchase-orders", f"PO-PR-{ORDER}-2")["qty"] == 200
    approval = crm.by_key("/oa/approvals", f"PR-{ORDER}-2")
    assert approval["status"] == "approved"
    crm_order = crm.by_key("/crm/orders", ORDER)
    assert crm_order["tracking"]["bl_no"] == "COSU6312345670"
    assert crm_order["tracking"]["eta"] is not None
    assert crm_order["fulfilment_status"] == "shipped"
    assert (crm_order["payment_status"], crm_order["paid_amount"]) == ("paid", "950.00")
    assert crm_order["paid_amount_base"] == "6767.23"          # 950 × 7.1234, the day's rate
    assert any("purchase order PO-PR-" in line for line in lines)
