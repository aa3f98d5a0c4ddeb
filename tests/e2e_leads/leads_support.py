"""Helpers of the lead-channel end-to-end tests: hub.yaml, a CRM client, WhatsApp payloads.

(A uniquely named module: tests never import from ``conftest``.)
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from fastapi.testclient import TestClient

from connectors.whatsapp.samples import SAMPLE_MESSAGES
from hub.api.inbox_worker import InboxWorker
from hub.sync.context import SyncContext

from hub.sync.config import HubConfig

REPO = Path(__file__).resolve().parents[2]
TOKEN = "leads-test-token"
APP_SECRET = "leads-app-secret"
VERIFY_TOKEN = "leads-verify"
PHONE_NUMBER_ID = "106540352242922"
GRAPH_TOKEN = "leads-graph-token"

ASSIGNMENT: dict[str, Any] = {
    "default_rep": "alice",
    "product_lines": {"lighting": ["led", "lamp", "bulb", "灯"],
                      "solar": ["solar", "inverter", "太阳能", "逆变器"]},
    "rules": [
        {"name": "gulf-lighting", "rep": "omar", "countries": ["AE", "SA"],
         "product_lines": ["lighting"]},
        {"name": "china-solar", "rep": "wei", "countries": ["CN"], "product_lines": ["solar"]},
        {"name": "africa", "rep": "grace", "countries": ["NG", "KE", "GH"]},
    ],
}


def crm_system(base_url: str, app: str = "crm") -> dict[str, Any]:
    return {"connector": "builtin",
            "settings": {"base_url": base_url, "app": app, "token": TOKEN,
                         "max_retries": 2, "timeout_seconds": 10},
            "mappings": str(REPO / "mappings" / "builtin" / app)}


def whatsapp_system(graph_url: str = "http://127.0.0.1:1") -> dict[str, Any]:
    return {"connector": "whatsapp",
            "settings": {"graph_url": graph_url, "phone_number_id": PHONE_NUMBER_ID,
                         "access_token": GRAPH_TOKEN, "app_secret": APP_SECRET,
                         "max_retries": 1, "default_template": {"name": "hello_world"},
                         "verify_token": VERIFY_TOKEN, "log_conversations": True},
            "mappings": str(REPO / "mappings" / "whatsapp")}


def leads_config(base_url: str, *, graph_url: str = "http://127.0.0.1:1",
                 **systems: dict[str, Any]) -> HubConfig:
    pipelines: dict[str, Any] = {
        "whatsapp-leads": {"entity": "lead", "source": "whatsapp", "target": "crm"},
        "whatsapp-conversations": {"entity": "activity", "source": "whatsapp",
                                   "target": "crm"},
    }
    if "email" in systems:
        pipelines["email-leads"] = {"entity": "lead", "source": "email", "target": "crm",
                                    "batch_size": 3}
    return HubConfig.model_validate({
        "systems": {"crm": crm_system(base_url), "whatsapp": whatsapp_system(graph_url),
                    **systems},
        "pipelines": pipelines, "lead_assignment": ASSIGNMENT})


@dataclass
class Hub:
    client: TestClient
    worker: InboxWorker
    ctx: SyncContext

    def process(self) -> None:
        """Run the inbox worker's real code until nothing is pending (bounded)."""
        for _ in range(20):
            if not self.worker.process_available():
                return


class Crm:
    """A test's hands on the reference CRM's HTTP API."""

    def __init__(self, base_url: str) -> None:
        self.client = httpx.Client(base_url=f"{base_url}/crm", timeout=30,
                                   headers={"Authorization": f"Bearer {TOKEN}"})

    def all(self, resource: str) -> list[dict[str, Any]]:
        records: list[dict[str, Any]] = []
        for _ in range(1000):
            page = self.client.get(f"/{resource}", params={"limit": 1000,
                                                           "offset": len(records)})
            page.raise_for_status()
            body = page.json()
            items = body["items"] if isinstance(body, dict) else body
            records.extend(items)
            if len(items) < 1000:
                break
        return records

    def upsert(self, resource: str, items: list[dict[str, Any]]) -> None:
        response = self.client.post(f"/{resource}/batch-upsert", json={"items": items})
        response.raise_for_status()
        errors = [r for r in response.json()["results"] if r["outcome"] == "error"]
        assert not errors, errors[:3]

    def leads_of(self, wa_id: str) -> list[dict[str, Any]]:
        return [lead for lead in self.all("leads") if lead["whatsapp_id"] == wa_id]

    def activities_of(self, lead_ref: str) -> list[dict[str, Any]]:
        return [a for a in self.all("activities") if a["lead_ref"] == lead_ref]

    def feed_count(self) -> int:
        response = self.client.get("/changes", params={"since": "0", "limit": 1000})
        response.raise_for_status()
        return len(response.json()["changes"])


WA_MESSAGES = SAMPLE_MESSAGES
