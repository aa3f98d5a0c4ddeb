"""The mails the hub sends on its own: shipment ETA reminders and quotes.

Pure builders (no I/O), so the engine decides when to send and logs the result of
``EmailConnector.send`` on the customer. The Message-ID is derived from the hub ids,
so a reminder retried after a crash carries the same id and can be recognised.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from decimal import Decimal

from pydantic import BaseModel, Field

from connectors.email.models import OutgoingEmail
from hub.models import Money, Shipment

REMINDER_DAYS = 3


def due_eta_reminders(shipments: Iterable[Shipment], *, today: date,
                      days_before: int = REMINDER_DAYS) -> list[Shipment]:
    """Shipments whose ETA (UTC date) is exactly ``days_before`` days after ``today``
    and that have not arrived yet; run once a day, each is reminded once."""
    done = {"arrived", "customs_cleared", "delivered"}
    return [s for s in shipments if s.eta is not None and s.status not in done
            and s.eta.date() - today == timedelta(days=days_before)]


def eta_reminder(shipment: Shipment, *, to: list[str], customer_name: str,
                 domain: str) -> OutgoingEmail:
    assert shipment.eta is not None, "only shipments with an ETA get reminders"
    eta = shipment.eta.date().isoformat()
    lines = [f"Dear {customer_name},", "",
             f"Your shipment {shipment.number} for order {shipment.order_number} is "
             f"expected to arrive on {eta}."]
    if shipment.port_of_discharge:
        lines.append(f"Port of discharge: {shipment.port_of_discharge}")
    if shipment.vessel:
        lines.append(f"Vessel: {shipment.vessel}")
    if shipment.bill_of_lading:
        lines.append(f"Bill of lading: {shipment.bill_of_lading}")
    if shipment.container_numbers:
        lines.append(f"Containers: {', '.join(shipment.container_numbers)}")
    lines += ["", "Please prepare customs clearance and pick-up.", ""]
    return OutgoingEmail(
        to=to, subject=f"Shipment {shipment.number} arrives {eta}", text="\n".join(lines),
        message_id=f"<eta-{shipment.hub_id}-{eta}@{domain}>")


class QuoteLine(BaseModel):
    product: str = Field(min_length=1, max_length=200)
    quantity: Decimal = Field(gt=0)
    unit: str = "pcs"
    unit_price: Money
    lead_time_days: int = Field(0, ge=0, description="0 = from stock.")


def quote_mail(*, quote_number: str, lines: list[QuoteLine], to: list[str],
               customer_name: str, domain: str, in_reply_to: str | None = None,
               references: list[str] | None = None, valid_days: int = 30) -> OutgoingEmail:
    """A plain quote; answering the inquiry's Message-ID keeps it in the buyer's thread."""
    rows = []
    for line in lines:
        total = line.unit_price.amount * line.quantity
        when = "from stock" if line.lead_time_days == 0 else f"in {line.lead_time_days} days"
        rows.append(f"- {line.product}: {line.quantity} {line.unit} x "
                    f"{line.unit_price.amount} {line.unit_price.currency} = "
                    f"{total} {line.unit_price.currency}, {when}")
    text = "\n".join([f"Dear {customer_name},", "", f"Our quote {quote_number}:", *rows, "",
                      f"Valid for {valid_days} days.", ""])
    return OutgoingEmail(to=to, subject=f"Quote {quote_number}", text=text,
                         in_reply_to=in_reply_to, references=references or [],
                         message_id=f"<quote-{quote_number}@{domain}>")
