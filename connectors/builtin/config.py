from __future__ import annotations

from pydantic import AnyHttpUrl, Field, SecretStr

from connectors.base import ConnectorConfig
from connectors.builtin.routes import App


class BuiltinConfig(ConnectorConfig):
    """Settings of one reference product (one connector instance per product)."""

    base_url: AnyHttpUrl = Field(description="Where the reference systems are served, "
                                             "e.g. http://127.0.0.1:8100")
    app: App = Field(description="Which product: crm, erp or oa.")
    token: SecretStr = Field(description="Bearer token the product accepts.")
    webhook_secret: SecretStr | None = Field(
        None, description="Secret of our webhook subscription, to verify pushed events.")
    upsert_chunk: int = Field(2000, ge=1, le=10_000,
                              description="Records per batch-upsert request.")
