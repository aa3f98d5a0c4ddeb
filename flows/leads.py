"""The lead-channel flows.

``mail-leads``: read the mailbox once (waiting for mail first if asked) and turn new
inquiries into CRM leads, with lead intake (assignment, matching) installed.
``whatsapp-send``: one WhatsApp message to a lead or customer, its outcome logged on
it in the CRM (``hub.leads.outreach.send_whatsapp``).
``eta-reminders``: mail each customer whose shipment arrives in three days, once,
logged on the customer (``hub.leads.mailing.send_eta_reminders``); run it daily.
"""

from __future__ import annotations

from datetime import date

from prefect import flow, get_run_logger

from flows.sync import publish_summary
from connectors.whatsapp.sender import TemplateSpec
from hub.leads.mailing import EtaReminderRun, send_eta_reminders
from hub.leads.outreach import WhatsAppSent, send_whatsapp
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


@flow(name="whatsapp-send", flow_run_name="whatsapp send", log_prints=False)
def whatsapp_send(text: str, lead: str | None = None, customer: str | None = None,
                  template: str | None = None, system: str = "whatsapp") -> WhatsAppSent:
    """Text inside the 24-hour window, else ``template`` (or the system's default)."""
    ctx = build_context()
    try:
        sent = send_whatsapp(ctx, text=text, lead_hub_id=lead, customer_hub_id=customer,
                             template=TemplateSpec(name=template) if template else None,
                             system=system)
    finally:
        ctx.close()
    get_run_logger().info("whatsapp %s %s (%s)", sent.result.kind, sent.result.outcome,
                          sent.result.error.describe() if sent.result.error else
                          sent.result.message_id)
    return sent


@flow(name="eta-reminders", flow_run_name="eta reminders {system}", log_prints=False)
def eta_reminders(system: str = "outbox", days_before: int = 3,
                  today: date | None = None) -> EtaReminderRun:
    """Idempotent: a reminder already logged on the customer is not sent again."""
    ctx = build_context()
    try:
        run = send_eta_reminders(ctx, system=system, days_before=days_before, today=today)
    finally:
        ctx.close()
    get_run_logger().info("eta reminders: %s", run.model_dump(mode="json"))
    return run
