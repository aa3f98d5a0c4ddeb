"""Helpers for engine tests: hub.yaml for the reference products, a product's API."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx

from hub.sync.config import HubConfig
from hub.sync.context import SyncContext
from hub.sync.counts import RunSummary
from hub.sync.engine import run_pipeline

REPO = Path(__file__).resolve().parents[2]
TOKEN = "engine-test-token"


def system(app: str, base_url: str, mappings: Path | None = None) -> dict[str, Any]:
    return {"connector": "builtin",
            "settings": {"base_url": base_url, "app": app, "token": TOKEN,
                         "max_retries": 3, "timeout_seconds": 10},
            "mappings": str(mappings or REPO / "mappings" / "builtin" / app)}


def hub_config(base_url: str, pipelines: dict[str, dict[str, Any]],
               **systems: dict[str, Any]) -> HubConfig:
    all_systems = {app: system(app, base_url) for app in ("crm", "erp", "oa")}
    all_systems.update(systems)
    return HubConfig.model_validate({"systems": all_systems, "pipelines": pipelines})


class Product:
    """A test's hands on one reference product's HTTP API."""

    def __init__(self, base_url: str, app: str) -> None:
        self.client = httpx.Client(base_url=f"{base_url}/{app}", timeout=30,
                                   headers={"Authorization": f"Bearer {TOKEN}"})

    def upsert(self, resource: str, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
        response = self.client.post(f"/{resource}/batch-upsert", json={"items": items})
        response.raise_for_status()
        results: list[dict[str, Any]] = response.json()["results"]
        errors = [r for r in results if r["outcome"] == "error"]
        assert not errors, errors[:3]
        return results

    def all(self, resource: str) -> list[dict[str, Any]]:
        records: list[dict[str, Any]] = []
        while True:
            page = self.client.get(f"/{resource}", params={"limit": 1000,
                                                           "offset": len(records)})
            page.raise_for_status()
            body = page.json()
            items = body["items"] if isinstance(body, dict) else body
            records.extend(items)
            if len(items) < 1000:
                return records

    def by_key(self, resource: str, key: str) -> dict[str, Any]:
        response = self.client.get(f"/{resource}/by-key/{key}")
        response.raise_for_status()
        return response.json()  # type: ignore[no-any-return]

    def patch(self, resource: str, record_id: int, changes: dict[str, Any]) -> dict[str, Any]:
        response = self.client.patch(f"/{resource}/{record_id}", json=changes)
        response.raise_for_status()
        return response.json()  # type: ignore[no-any-return]


def sync(ctx: SyncContext, name: str) -> RunSummary:
    return run_pipeline(ctx, name)
