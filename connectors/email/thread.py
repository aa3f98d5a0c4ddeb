"""Which known conversation a mail continues: In-Reply-To first, then References.

Pure functions over what the hub already knows, so the engine can call them with
its own lookups (message-ids it logged on leads and customers, customer contacts).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from connectors.email.models import ParsedEmail, ThreadMatch
from hub.models import Customer


def find_thread(mail: ParsedEmail, known: Mapping[str, str]) -> ThreadMatch | None:
    """The lead/customer a reply belongs to, given known Message-ID → hub id.

    In-Reply-To is the direct parent; References is the whole chain, newest last,
    so it is searched from the end: the nearest known ancestor wins.
    """
    if mail.in_reply_to and mail.in_reply_to in known:
        return ThreadMatch(message_id=mail.in_reply_to, target_id=known[mail.in_reply_to],
                           via="in-reply-to")
    for ref in reversed(mail.references):
        if ref in known:
            return ThreadMatch(message_id=ref, target_id=known[ref], via="references")
    return None


def customer_for_sender(mail: ParsedEmail, customers: Iterable[Customer]) -> str | None:
    """Hub id of the customer one of whose contacts sent the mail (by address)."""
    addresses = {a.email.lower() for a in [mail.sender, *mail.reply_to] if a is not None}
    if not addresses:
        return None
    for customer in customers:
        for contact in customer.contacts:
            if contact.email and contact.email.lower() in addresses:
                return customer.hub_id
    return None
