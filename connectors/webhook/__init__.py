"""Generic webhook connector: any product that can POST JSON and receive JSON."""

from connectors.webhook.config import EntityRoute, WebhookConfig
from connectors.webhook.connector import WebhookConnector

__all__ = ["EntityRoute", "WebhookConfig", "WebhookConnector"]
