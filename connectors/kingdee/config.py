"""Settings of one Kingdee K3Cloud system (the X-KDApi-* keys of the SDK's config)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, SecretStr, field_validator

from connectors.base import ConnectorConfig


class KingdeeConfig(ConnectorConfig):
    server_url: str = Field(description="Site root ending in '/', e.g. http://erp/k3cloud/")
    acct_id: str = Field(min_length=1, description="Data centre (account set) id, X-KDApi-AcctID")
    username: str = Field(min_length=1, description="Integration user, X-KDApi-UserName")
    app_id: str = Field(min_length=3, description="'<clientId>_<32 chars>', X-KDApi-AppID")
    app_secret: SecretStr = Field(description="X-KDApi-AppSec")
    lcid: int = Field(2052, description="2052 zh-CN, 1033 en-US, 3076 zh-TW")
    org_num: str = Field("0", description="X-KDApi-OrgNum: the organisation number or 0")
    secret_override: SecretStr | None = Field(
        None, description="X-KDApi-SecPwd: gateway secret when not derived from the app id")
    auth_mode: Literal["signed", "session"] = Field(
        "signed", description="'signed': sdk 8.2.0 headers on every call; 'session': log in "
                              "once and keep the session cookie")
    login_method: Literal["app_secret", "sign"] = Field(
        "app_secret", description="Session login service: LoginByAppSecret or LoginBySign")
    timezone: str = Field("Asia/Shanghai", description="Server clock zone of FModifyDate")
    page_size: int = Field(2000, ge=1, le=10000, description="ExecuteBillQuery Limit")
    max_pages: int = Field(100_000, ge=1, description="Upper bound on pages in one read")
    org_number: str | None = Field(
        None, description="CreateOrgId/UseOrgId number sent with Submit/Audit/Delete/View")
    submit_and_audit: bool = Field(
        False, description="Submit and audit each saved record (base data must be audited "
                           "before other documents can reference it)")
    save_batch_size: int = Field(100, ge=1, le=1000, description="Models per BatchSave call")
    extra_fields: dict[str, list[str]] = Field(
        default_factory=dict, description="Per entity, more query field keys to read "
                                          "(custom fields such as F_ABC_Incoterm)")
    line_key_field: str | None = Field(
        None, description="Sales-order entry field holding the hub's line key, so lines "
                          "sent without FEntryID are matched to existing rows")
    retry_initial_wait: float = Field(0.5, gt=0, le=60)
    verify_tls: bool = True

    @field_validator("server_url")
    @classmethod
    def _trailing_slash(cls, value: str) -> str:
        value = value.strip()
        if not value.startswith(("http://", "https://")):
            raise ValueError("must be an http(s) URL such as http://erp.example.com/k3cloud/")
        return value if value.endswith("/") else value + "/"
