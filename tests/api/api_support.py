"""Helpers for hub API tests: a hub.yaml for a webhook product and the built-in ERP, the
settings the app is built with (also imported by tests that build their own app)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from pydantic import SecretStr

from hub import signing
from hub.api.settings import ApiSettings
from hub.config import Settings
from hub.sync.config import HubConfig

REPO = Path(__file__).resolve().parents[2]
SHOP_SECRET = "shop-secret-0123456789"
ERP_SECRET = "erp-webhook-secret-0123"
BUILTIN_TOKEN = "api-test-builtin-token"
ADMIN_TOKEN = "api-test-admin-token"
ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
WA_APP_SECRET = "wa-app-secret"
WA_VERIFY_TOKEN = "wa-verify-token"

MakeApp = Callable[..., FastAPI]
"""The ``make_app`` fixture: the hub API for a context, with settings overridden."""


def hub_config(*, builtin_url: str = "http://127.0.0.1:9", shop_url: str = "http://127.0.0.1:9",
               two_way: bool = True) -> HubConfig:
    direction = "two_way" if two_way else "one_way"
    return HubConfig.model_validate({
        "base_currency": "CNY",
        "systems": {
            "shop": {"connector": "webhook", "mappings": str(REPO / "mappings" / "webhook"),
                     "settings": {"base_url": shop_url, "secret": SHOP_SECRET,
                                  "max_retries": 2, "timeout_seconds": 10,
                                  "entities": {"customer": {"path": "customers"},
                                               "sales_order": {"path": "orders"}}}},
            "erp": {"connector": "builtin",
                    "mappings": str(REPO / "mappings" / "builtin" / "erp"),
                    "settings": {"base_url": builtin_url, "app": "erp", "token": BUILTIN_TOKEN,
                                 "webhook_secret": ERP_SECRET, "max_retries": 2,
                                 "timeout_seconds": 10}},
            "wa": {"connector": "whatsapp",
                   "settings": {"phone_number_id": "1001", "access_token": "wa-token",
                                "app_secret": WA_APP_SECRET, "verify_token": WA_VERIFY_TOKEN}},
        },
        "pipelines": {
            "customers": {"entity": "customer", "source": "shop", "target": "erp",
                          "direction": direction, "owners": {"credit_limit": "erp"}},
            "orders": {"entity": "sales_order", "source": "shop", "target": "erp",
                       "direction": direction},
        },
    })


def customer(number: str = "C-1001", **changes: Any) -> dict[str, Any]:
    return {"id": number, "name": "Lichtwerk GmbH", "country": "DE", "city": "Berlin",
            "currency": "EUR", "contact": "Anna Licht", "email": "anna@lichtwerk.example",
            **changes}


def event(record: dict[str, Any], *, event_id: str = "evt-1", entity: str = "customer",
          op: str = "upsert") -> dict[str, Any]:
    return {"event_id": event_id, "entity": entity, "op": op, "record": record}


def signed(payload: dict[str, Any] | bytes, *, secret: str = SHOP_SECRET,
           event_id: str | None = None, timestamp: int | None = None
           ) -> tuple[bytes, dict[str, str]]:
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    headers = {"Content-Type": "application/json",
               **signing.sign(secret, body, event_id=event_id, timestamp=timestamp)}
    return body, headers


def wait_for(condition: Callable[[], Any], *, timeout: float = 20.0, every: float = 0.02,
             what: str = "condition") -> Any:
    """Poll until ``condition()`` is truthy (bounded); returns its value."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(every)


def api_settings(**overrides: object) -> ApiSettings:
    values: dict[str, object] = {"run_workers": False, "prefect_reporting": "off",
                                 "inbox_busy_retry_seconds": 0.1,
                                 "inbox_failure_retry_seconds": 0.05,
                                 "inbox_poll_seconds": 0.1, "delivery_poll_seconds": 0.1,
                                 "delivery_backoff_seconds": 0.01,
                                 "delivery_backoff_max_seconds": 0.05,
                                 "delivery_max_attempts": 3, "delivery_timeout_seconds": 5}
    values.update(overrides)
    return ApiSettings.model_validate(values)


def hub_settings() -> Settings:
    return Settings(admin_token=SecretStr(ADMIN_TOKEN))
