"""Signed deliveries to a receiver over loopback: the wiring the hub's endpoint will do."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from whatsapp_support import APP_SECRET, LoopbackServer, make_config
from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse, PlainTextResponse

from connectors.base import ChangeEvent
from connectors.whatsapp import WhatsAppConnector
from connectors.whatsapp.emulator import deliver, inbound_payload
from hub.errors import TradeHubError


def receiver(connector: WhatsAppConnector, leads: dict[str, ChangeEvent]) -> FastAPI:
    app = FastAPI()

    @app.get("/webhooks/whatsapp")
    async def handshake(request: Request) -> Response:
        try:
            return PlainTextResponse(connector.verify_subscription(dict(request.query_params)))
        except TradeHubError as exc:
            return JSONResponse(exc.to_problem(), status_code=exc.http_status)

    @app.post("/webhooks/whatsapp")
    async def receive(request: Request) -> Response:
        body = await request.body()
        try:
            connector.verify_webhook(request.headers, body)
            events = connector.parse_webhook(request.headers, body)
        except TradeHubError as exc:
            return JSONResponse(exc.to_problem(), status_code=exc.http_status)
        for event in events:
            leads.setdefault(event.event_id, event)  # dedupe by wamid
        return Response(status_code=202)

    return app


@pytest.fixture
def hub() -> Iterator[tuple[str, dict[str, ChangeEvent]]]:
    leads: dict[str, ChangeEvent] = {}
    connector = WhatsAppConnector(make_config(), system="whatsapp")
    with LoopbackServer(receiver(connector, leads)) as url:
        yield f"{url}/webhooks/whatsapp", leads


def test_signed_delivery_is_accepted_once(hub: tuple[str, dict[str, ChangeEvent]]) -> None:
    url, leads = hub
    payload = inbound_payload("971501234567", {"type": "text", "text": {
        "body": "need 1000 LED lamps"}}, message_id="wamid.dup")
    assert deliver(url, payload, app_secret=APP_SECRET).status_code == 202
    assert deliver(url, payload, app_secret=APP_SECRET).status_code == 202  # Meta retried
    assert list(leads) == ["wamid.dup"]
    assert leads["wamid.dup"].data["inquiry"] == [
        {"product": "LED lamps", "quantity": "1000", "unit": None}]


def test_wrongly_signed_delivery_is_refused(hub: tuple[str, dict[str, ChangeEvent]]) -> None:
    url, leads = hub
    payload = inbound_payload("971501234567", {"type": "text", "text": {"body": "x"}})
    response = deliver(url, payload, app_secret="not-the-secret")
    assert response.status_code == 403
    assert response.json() == {"type": "whatsapp-signature-invalid",
                               "title": "signature does not match the body", "status": 403}
    assert leads == {}


def test_handshake_over_http(hub: tuple[str, dict[str, ChangeEvent]]) -> None:
    import httpx

    url, _ = hub
    ok = httpx.get(url, params={"hub.mode": "subscribe", "hub.verify_token": "verify-me",
                                "hub.challenge": "8812"})
    assert (ok.status_code, ok.text) == (200, "8812")
    bad = httpx.get(url, params={"hub.mode": "subscribe", "hub.verify_token": "guess",
                                 "hub.challenge": "8812"})
    assert bad.status_code == 403
