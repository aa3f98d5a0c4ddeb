"""Helpers of the lead-channel end-to-end tests: hub.yaml, a CRM client, WhatsApp payloads.

(A uniquely named module: tests never import from ``conftest``.)
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from fastapi.testclient import TestClient

from hub.api.inbox_worker import InboxWorker
from hub.sync.context import SyncContext

from hub.sync.config import HubConfig

REPO = Path(__file__).resolve().parents[2]
TOKEN = "leads-test-token"
APP_SECRET = "leads-app-secret"
VERIFY_TOKEN = "leads-verify"
PHONE_NUMBER_ID = "106540352242922"

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


def whatsapp_system() -> dict[str, Any]:
    return {"connector": "whatsapp",
            "settings": {"graph_url": "http://127.0.0.1:1", "phone_number_id": PHONE_NUMBER_ID,
                         "access_token": "unused", "app_secret": APP_SECRET,
                         "verify_token": VERIFY_TOKEN, "log_conversations": True},
            "mappings": str(REPO / "mappings" / "whatsapp")}


def leads_config(base_url: str, **systems: dict[str, Any]) -> HubConfig:
    pipelines: dict[str, Any] = {
        "whatsapp-leads": {"entity": "lead", "source": "whatsapp", "target": "crm"},
        "whatsapp-conversations": {"entity": "activity", "source": "whatsapp",
                                   "target": "crm"},
    }
    if "email" in systems:
        pipelines["email-leads"] = {"entity": "lead", "source": "email", "target": "crm",
                                    "batch_size": 3}
    return HubConfig.model_validate({
        "systems": {"crm": crm_system(base_url), "whatsapp": whatsapp_system(), **systems},
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


WA_MESSAGES: dict[str, tuple[dict[str, Any], str]] = {
    "text": ({"type": "text", "text": {"body": "Hi, need 1,000 pcs of LED lamps"}},
             "Hi, need 1,000 pcs of LED lamps"),
    "image": ({"type": "image", "image": {"mime_type": "image/jpeg", "sha256": "4654+8g=",
                                          "id": "65463453", "caption": "this model, 500 pcs"}},
              "[image] this model, 500 pcs"),
    "video": ({"type": "video", "context": {"forwarded": True},
               "video": {"caption": "caption", "mime_type": "video/mp4", "id": "765756756"}},
              "[video] caption"),
    "audio": ({"type": "audio", "audio": {"mime_type": "audio/ogg; codecs=opus", "id": "12",
                                          "voice": True}}, "[audio]"),
    "document": ({"type": "document", "document": {
        "caption": "our RFQ", "filename": "rfq.pdf", "mime_type": "application/pdf",
        "sha256": "grwfwe=", "id": "1234567890987654321"}}, "[document rfq.pdf] our RFQ"),
    "sticker": ({"type": "sticker", "sticker": {"mime_type": "image/webp", "id": "99",
                                                "animated": False}}, "[sticker]"),
    "location": ({"type": "location", "location": {
        "latitude": 25.2048, "longitude": 55.2708, "name": "Warehouse",
        "address": "Jebel Ali, Dubai"}}, "[location 25.2048,55.2708] Warehouse, Jebel Ali, Dubai"),
    "contacts": ({"type": "contacts", "contacts": [{
        "name": {"first_name": "Omar", "last_name": "Haddad", "formatted_name": "Omar Haddad"},
        "phones": [{"phone": "+971 50 765 4321", "wa_id": "971507654321", "type": "CELL"}],
        "emails": [{"email": "omar@desertlights.ae", "type": "WORK"}],
        "org": {"company": "Desert Lights LLC"}}]}, "[contacts] Omar Haddad"),
    "reaction": ({"type": "reaction", "reaction": {"message_id": "wamid.yzxyzx=",
                                                   "emoji": "\U0001f44d"}},
                 "[reaction \U0001f44d to wamid.yzxyzx=]"),
    "reaction_removed": ({"type": "reaction", "reaction": {"message_id": "wamid.yzxyzx="}},
                         "[reaction removed to wamid.yzxyzx=]"),
    "button_reply": ({"type": "interactive", "context": {"from": "15550783881",
                                                         "id": "wamid.quote1"},
                      "interactive": {"type": "button_reply", "button_reply": {
                          "id": "accept_quote", "title": "Accept quote"}}}, "Accept quote"),
    "list_reply": ({"type": "interactive", "context": {"from": "15550783881",
                                                       "id": "wamid.list1"},
                    "interactive": {"type": "list_reply", "list_reply": {
                        "id": "sku-9w", "title": "9W bulb", "description": "E27, 3000K"}}},
                   "9W bulb"),
    "template_button": ({"type": "button", "context": {"from": "15550783881",
                                                       "id": "wamid.tpl1"},
                         "button": {"payload": "CALL_ME", "text": "Call me"}}, "Call me"),
    "order": ({"type": "order", "order": {"catalog_id": "354160437058781", "text": "",
                                          "product_items": [
        {"product_retailer_id": "LED-9W", "quantity": 800, "item_price": 1.2, "currency": "USD"},
        {"product_retailer_id": "LED-12W", "quantity": 200, "item_price": 1.6,
         "currency": "USD"}]}}, "[order] 800 x LED-9W; 200 x LED-12W"),
    "referral": ({"type": "text", "text": {"body": "Is this still available?"},
                  "referral": {"source_url": "https://fb.me/ad", "source_id": "ADID",
                               "source_type": "ad", "headline": "LED lamps wholesale",
                               "body": "Factory price", "media_type": "image",
                               "ctwa_clid": "CTWA_CLID"}}, "Is this still available?"),
    "context_reply": ({"type": "text", "context": {"from": "15550783881", "id": "wamid.ours"},
                       "text": {"body": "yes, 200 units please"}}, "yes, 200 units please"),
    "unsupported": ({"type": "unsupported", "errors": [{
        "code": 131051, "title": "Message type unknown", "message": "Message type unknown",
        "error_data": {"details": "Message type is currently not supported."}}]},
        "[unsupported: 131051 Message type unknown: Message type is currently not supported.]"),
    "future_type": ({"type": "poll", "poll": {"q": "?"}}, "[poll]"),
}
