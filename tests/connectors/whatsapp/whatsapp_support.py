"""Helpers shared by the WhatsApp tests (a uniquely named module: several conftest.py
files exist in the suite, so tests never import from ``conftest``)."""

from __future__ import annotations

import threading
import time

import uvicorn
from fastapi import FastAPI

from connectors.whatsapp import WhatsAppConfig

TOKEN = "EAAG-test-token"
APP_SECRET = "app-secret-0123"
VERIFY_TOKEN = "verify-me"
PHONE_NUMBER_ID = "106540352242922"


class LoopbackServer:
    """uvicorn in a thread on 127.0.0.1 with a kernel-chosen port."""

    def __init__(self, app: FastAPI) -> None:
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0,
                                                    log_level="warning", lifespan="off"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> str:
        self.thread.start()
        for _ in range(500):  # bounded: at most ~5 s
            if self.server.started:
                break
            time.sleep(0.01)
        assert self.server.started, "uvicorn did not start"
        port = self.server.servers[0].sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}"

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=5)


def make_config(graph_url: str = "http://127.0.0.1:1", **overrides: object) -> WhatsAppConfig:
    settings: dict[str, object] = {
        "graph_url": graph_url, "phone_number_id": PHONE_NUMBER_ID, "access_token": TOKEN,
        "app_secret": APP_SECRET, "verify_token": VERIFY_TOKEN, "max_retries": 3,
        "messages_per_second": 1000,
        "default_template": {"name": "quote_follow_up", "language": "en_US",
                             "body_parameters": ["Omar"]}}
    settings.update(overrides)
    return WhatsAppConfig.model_validate(settings)
