"""The ``mail-leads`` flow: read the mailbox once (waiting for mail first if asked) and
turn new inquiries into CRM leads, with lead intake (assignment, matching) installed."""

from __future__ import annotations

from prefect import flow, get_run_logger

from flows.sync import publish_summary
from hub.sync.counts import RunSummary
from hub.sync.engine import run_pipeline
from hub.sync.runtime import build_context


@flow(name="mail-leads", flow_run_name="mail leads {pipeline}", log_prints=False)
def mail_leads(pipeline: str = "email-leads", wait: bool = False) -> RunSummary:
    """One read of the pipeline's mailbox; ``wait`` first blocks on IMAP IDLE (bounded)."""
    ctx = build_context()
    try:
        if wait:
            source = ctx.connector(ctx.pipeline(pipeline).source)
            wait_for_mail = getattr(source, "wait_for_mail", None)
            if wait_for_mail is not None:
                from hub.sync.state import get_cursor

                with ctx.sessions() as session:
                    cursor = get_cursor(session, pipeline=pipeline, system=source.system)
                wait_for_mail(cursor)
        summary = run_pipeline(ctx, pipeline)
    finally:
        ctx.close()
    publish_summary(pipeline, summary.counts)
    get_run_logger().info("pipeline %s: %s", pipeline, summary.counts.model_dump())
    return summary
