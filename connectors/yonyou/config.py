"""Settings of one Yonyou YonBIP tenant (a self-built app's appKey/appSecret)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, SecretStr

from connectors.base import ConnectorConfig

DISCOVERY_URL = "https://apigateway.yonyoucloud.com/open-auth/dataCenter/getGatewayAddress"


class YonyouConfig(ConnectorConfig):
    tenant_id: str = Field(min_length=1)
    app_key: str = Field(min_length=1)
    app_secret: SecretStr
    gateway_discovery_url: str = Field(
        DISCOVERY_URL, description="getGatewayAddress endpoint; asked once per tenant")
    gateway_url: str | None = Field(
        None, description="Skip discovery: e.g. https://c2.yonyoucloud.com/iuap-api-gateway")
    token_url: str | None = Field(
        None, description="Skip discovery: e.g. https://c2.yonyoucloud.com/iuap-api-auth")
    token_path: str = Field("/open-auth/selfAppAuth/base/v1/getAccessToken",
                            description="Appended to token_url (the path since 2023-07-21)")
    token_refresh_margin_seconds: int = Field(
        60, ge=0, le=3600, description="Refresh this long before the token's expiry")
    token_in: Literal["query", "header"] = Field(
        "query", description="access_token as a query parameter (docs) or header (SDK)")
    page_size: int = Field(200, ge=1, le=5000)
    max_pages: int = Field(10_000, ge=1)
    line_key_field: str | None = Field(
        None, description="orderDetails field holding the hub's line key, so lines sent "
                          "without an id are matched to existing lines")
    timezone: str = Field("Asia/Shanghai", description="Zone of pubts timestamps")
    pubts_settle_seconds: int = Field(
        5, ge=0, le=3600, description="pubts has whole seconds: a second this recent may "
                                      "still change, so it is read again next time")
    fetch_event_records: bool = Field(
        True, description="Give each pushed event the record it names, fetched by id "
                          "(Yonyou's advice; events carry ids, not records). Off: the "
                          "decrypted event itself, for inspecting events offline")
    retry_initial_wait: float = Field(0.5, gt=0, le=60)
