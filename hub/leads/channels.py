"""Which connectors are lead channels: their leads go through intake (``hub.leads.intake``).

Kept apart from the intake itself, which brings the channels' own libraries (phone
numbers, mail, WhatsApp): a hub whose systems include no channel never needs them.
"""

from __future__ import annotations

from hub.sync.config import HubConfig

CHANNEL_LEAD_IDS: dict[str, str] = {"whatsapp": "wa_id", "email": "message_id"}
"""Connector → the remote field that is a lead's remote id (what ``read_changes`` or
``parse_webhook`` keys the lead by)."""


def has_channels(config: HubConfig) -> bool:
    return any(system.connector in CHANNEL_LEAD_IDS for system in config.systems.values())
