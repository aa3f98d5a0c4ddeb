"""The ``customs-import`` flow: one import of a customs system into the CRM."""

from __future__ import annotations

from prefect import flow, get_run_logger
from prefect.artifacts import create_table_artifact

from hub.leads.customs import CustomsImportSummary, import_customs
from hub.sync.runtime import build_context


@flow(name="customs-import", flow_run_name="customs import {customs} → {crm}", log_prints=False)
def customs_import(customs: str = "customs", crm: str = "crm") -> CustomsImportSummary:
    """Enrich matched customers and create prospects; a re-import writes nothing."""
    ctx = build_context()
    try:
        summary = import_customs(ctx, customs=customs, crm=crm)
    finally:
        ctx.close()
    create_table_artifact(
        key=f"customs-import-{customs.replace('_', '-')}",
        table=[{"count": k.replace("_", " "), "value": str(v)}
               for k, v in summary.model_dump(mode="json").items()],
        description=f"What the last customs import from **{customs}** did.")
    get_run_logger().info("customs import %s: %s", customs, summary.model_dump(mode="json"))
    return summary
