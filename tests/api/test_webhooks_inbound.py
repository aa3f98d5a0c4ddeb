"""POST /webhooks/{system}: every refusal (bodies asserted whole), dedupe, the inbox row."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Iterator

from fastapi.testclient import TestClient
from sqlalchemy import select

from api_support import WA_APP_SECRET, WA_VERIFY_TOKEN, customer, event, signed
from hub.store.tables import InboxEvent
from hub.sync.context import SyncContext

LIMIT = 1024 * 1024
PROBLEM = "application/problem+json"


def inbox(ctx: SyncContext) -> list[InboxEvent]:
    with ctx.sessions() as session:
        return list(session.scalars(select(InboxEvent).order_by(InboxEvent.id)))


def test_unknown_system_is_404(client: TestClient) -> None:
    body, headers = signed(event(customer()))
    response = client.post("/webhooks/nope", content=body, headers=headers)
    assert response.status_code == 404
    assert response.headers["content-type"] == PROBLEM
    assert response.json() == {"type": "unknown-system", "status": 404,
                               "title": "unknown system 'nope'; systems: erp, shop, wa"}


def test_declared_body_over_one_mib_is_413(client: TestClient, ctx: SyncContext) -> None:
    body = b"x" * (LIMIT + 1)
    response = client.post("/webhooks/shop", content=body,
                           headers={"Content-Type": "application/json"})
    assert response.status_code == 413
    assert response.json() == {"type": "payload-too-large", "status": 413,
                               "title": f"the body is {LIMIT + 1} bytes; the limit is "
                                        f"{LIMIT} bytes"}
    assert inbox(ctx) == []


def test_streamed_body_over_one_mib_is_413_while_reading(client: TestClient) -> None:
    def chunks() -> Iterator[bytes]:
        for _ in range(17):
            yield b"x" * 65536                     # 17 × 64 KiB, no Content-Length

    response = client.post("/webhooks/shop", content=chunks(),
                           headers={"Content-Type": "application/json"})
    assert response.status_code == 413
    assert response.json() == {"type": "payload-too-large", "status": 413,
                               "title": f"the body is over the limit of {LIMIT} bytes"}


def test_a_body_of_exactly_the_limit_passes_the_size_check(client: TestClient) -> None:
    response = client.post("/webhooks/shop", content=b" " * LIMIT)
    assert response.status_code == 401          # next check: the signature


def test_missing_signature_is_401(client: TestClient, ctx: SyncContext) -> None:
    response = client.post("/webhooks/shop", json=event(customer()))
    assert response.status_code == 401
    assert response.json() == {
        "type": "invalid-signature", "status": 401, "detail": "auth-error",
        "title": "shop: missing X-TradeHub-Timestamp or X-TradeHub-Signature header"}
    assert inbox(ctx) == []


def test_wrong_signature_is_401(client: TestClient) -> None:
    body, headers = signed(event(customer()), secret="not-the-shop-secret")
    response = client.post("/webhooks/shop", content=body, headers=headers)
    assert response.status_code == 401
    assert response.json() == {"type": "invalid-signature", "status": 401,
                               "detail": "auth-error",
                               "title": "shop: signature does not match the body"}


def test_a_body_changed_after_signing_is_401(client: TestClient) -> None:
    body, headers = signed(event(customer()))
    response = client.post("/webhooks/shop", content=body.replace(b"Berlin", b"Bremen"),
                           headers=headers)
    assert response.status_code == 401
    assert response.json()["title"] == "shop: signature does not match the body"


def test_a_replayed_old_signature_is_401(client: TestClient) -> None:
    body, headers = signed(event(customer()), timestamp=int(time.time()) - 301)
    response = client.post("/webhooks/shop", content=body, headers=headers)
    assert response.status_code == 401
    assert response.json() == {
        "type": "invalid-signature", "status": 401, "detail": "auth-error",
        "title": "shop: X-TradeHub-Timestamp is outside the 300 s replay window"}


def test_malformed_json_is_400_with_line_and_column(client: TestClient) -> None:
    body, headers = signed(b'{"event_id": "e1",\n  "entity": customer}')
    response = client.post("/webhooks/shop", content=body, headers=headers)
    assert response.status_code == 400
    assert response.json() == {"type": "malformed-json", "status": 400,
                               "title": "the body is not valid JSON",
                               "detail": "Expecting value: line 2 column 13 (char 31)"}


def test_json_that_is_not_an_event_is_400_naming_what_is_missing(client: TestClient) -> None:
    body, headers = signed({"event_id": "e1", "record": customer()})
    response = client.post("/webhooks/shop", content=body, headers=headers)
    assert response.status_code == 400
    assert response.json() == {"type": "unreadable-body", "status": 400,
                               "title": "the body is not a shop event: event 0: "
                                        "'entity' is missing"}


def test_an_event_the_mapping_cannot_read_is_422_naming_the_field(
        client: TestClient, ctx: SyncContext) -> None:
    body, headers = signed(event(customer(country="Atlantis")))
    response = client.post("/webhooks/shop", content=body, headers=headers)
    assert response.status_code == 422
    assert response.json() == {
        "type": "unreadable-event", "status": 422, "field": "country",
        "title": "event evt-1: customer C-1001 cannot be read with shop's mapping",
        "detail": "country: Value error, 'ATLANTIS' is not an ISO 3166-1 alpha-2 country "
                  "code (e.g. 'US', 'CN')"}
    assert inbox(ctx) == []


def test_a_missing_required_field_is_422_naming_it(client: TestClient) -> None:
    record = customer()
    del record["name"]
    body, headers = signed(event(record))
    response = client.post("/webhooks/shop", content=body, headers=headers)
    assert response.status_code == 422
    assert response.json()["field"] == "name"


def test_accepted_event_is_stored_pending_before_the_202(client: TestClient,
                                                         ctx: SyncContext) -> None:
    body, headers = signed(event(customer()))
    response = client.post("/webhooks/shop", content=body, headers=headers)
    assert response.status_code == 202
    assert response.json() == {
        "status": "accepted", "system": "shop", "accepted": 1, "duplicates": 0,
        "events": [{"event_id": "evt-1", "entity": "customer", "remote_id": "C-1001",
                    "duplicate": False}]}
    [row] = inbox(ctx)
    assert (row.system, row.event_id, row.status, row.attempts) == ("shop", "evt-1",
                                                                    "pending", 0)
    assert row.body == body
    assert row.headers["x-tradehub-event-id"] == headers["X-TradeHub-Event-Id"]


def test_the_same_event_again_is_202_duplicate_and_stored_once(client: TestClient,
                                                               ctx: SyncContext) -> None:
    first_body, first_headers = signed(event(customer()))
    assert client.post("/webhooks/shop", content=first_body,
                       headers=first_headers).status_code == 202
    body, headers = signed(event(customer(city="Bremen")))    # a retry, re-signed later
    response = client.post("/webhooks/shop", content=body, headers=headers)
    assert response.status_code == 202
    assert response.json() == {
        "status": "duplicate", "system": "shop", "accepted": 0, "duplicates": 1,
        "events": [{"event_id": "evt-1", "entity": "customer", "remote_id": "C-1001",
                    "duplicate": True}]}
    assert [r.body for r in inbox(ctx)] == [first_body]


def test_a_delete_event_needs_no_readable_record(client: TestClient) -> None:
    body, headers = signed(event({"id": "C-1001"}, op="delete"))
    response = client.post("/webhooks/shop", content=body, headers=headers)
    assert response.status_code == 202
    assert response.json()["accepted"] == 1


def test_an_authorization_header_is_not_stored(client: TestClient, ctx: SyncContext) -> None:
    body, headers = signed(event(customer()))
    headers["Authorization"] = "Bearer something-secret"
    assert client.post("/webhooks/shop", content=body, headers=headers).status_code == 202
    [row] = inbox(ctx)
    assert "authorization" not in row.headers


# -- WhatsApp: its own signature header and the subscription handshake -----------------------
def wa_body() -> bytes:
    return json.dumps({"object": "whatsapp_business_account", "entry": []}).encode()


def test_whatsapp_handshake_echoes_the_challenge(client: TestClient) -> None:
    response = client.get("/webhooks/wa", params={
        "hub.mode": "subscribe", "hub.verify_token": WA_VERIFY_TOKEN, "hub.challenge": "1158"})
    assert (response.status_code, response.text) == (200, "1158")


def test_whatsapp_handshake_with_a_wrong_token_is_403(client: TestClient) -> None:
    response = client.get("/webhooks/wa", params={
        "hub.mode": "subscribe", "hub.verify_token": "guess", "hub.challenge": "1158"})
    assert response.status_code == 403
    assert response.json() == {"type": "forbidden", "status": 403,
                               "title": "hub.verify_token does not match"}


def test_a_handshake_for_a_system_without_one_is_403(client: TestClient) -> None:
    response = client.get("/webhooks/shop", params={"hub.challenge": "1"})
    assert response.status_code == 403
    assert response.json() == {"type": "forbidden", "status": 403,
                               "title": "shop does not use a subscription handshake"}


def test_whatsapp_signature_is_checked_over_the_raw_body(client: TestClient) -> None:
    body = wa_body()
    good = "sha256=" + hmac.new(WA_APP_SECRET.encode(), body, hashlib.sha256).hexdigest()
    response = client.post("/webhooks/wa", content=body,
                           headers={"X-Hub-Signature-256": good})
    assert response.status_code == 202
    assert response.json()["status"] == "empty"
    refused = client.post("/webhooks/wa", content=body,
                          headers={"X-Hub-Signature-256": "sha256=" + "0" * 64})
    assert refused.status_code == 401
    assert refused.json() == {"type": "invalid-signature", "status": 401,
                              "detail": "whatsapp-signature-invalid",
                              "title": "signature does not match the body"}


def test_the_fast_path_answers_as_the_documented_route(client: TestClient) -> None:
    """POST /webhooks/{system} is served by a middleware ahead of FastAPI's route;
    every answer (status, content type, body) is the one the FastAPI route gives,
    and a GET still reaches the handshake route."""
    from hub.api.webhooks import WebhookFastPath

    app = client.app
    ok_body, ok_headers = signed(event(customer(), event_id="evt-fast-1"))
    second, second_headers = signed(event(customer(), event_id="evt-fast-2"))
    bad, bad_headers = signed(event(customer()), secret="not-the-shop-secret")
    cases = [("/webhooks/shop", ok_body, ok_headers),          # 202, then a duplicate
             ("/webhooks/shop", bad, bad_headers),             # 401
             ("/webhooks/shop", b"{", {}),                     # 401 before JSON
             ("/webhooks/nope", ok_body, ok_headers),          # 404
             ("/webhooks/" + "s" * 101, b"{}", {}),            # FastAPI's own 422
             ("/webhooks/shop/extra", ok_body, ok_headers)]    # no such route
    fast = [(r.status_code, r.headers["content-type"] if r.content else None, r.content)
            for r in (client.post(u, content=b, headers=h) for u, b, h in cases)]
    assert [status for status, _, _ in fast] == [202, 401, 401, 404, 422, 404]
    assert json.loads(fast[0][2])["status"] == "accepted"

    kept = app.user_middleware[:]                           # type: ignore[attr-defined]
    app.user_middleware[:] = [m for m in kept              # type: ignore[attr-defined]
                              if m.cls is not WebhookFastPath]
    app.middleware_stack = None                             # type: ignore[attr-defined]
    try:
        assert len(app.user_middleware) == len(kept) - 1   # type: ignore[attr-defined]
        cases[0] = ("/webhooks/shop", second, second_headers)   # not a duplicate there
        slow = [(r.status_code, r.headers["content-type"] if r.content else None, r.content)
                for r in (client.post(u, content=b, headers=h) for u, b, h in cases)]
    finally:
        app.user_middleware[:] = kept                       # type: ignore[attr-defined]
        app.middleware_stack = None                         # type: ignore[attr-defined]
    assert slow[1:] == fast[1:]
    assert slow[0][:2] == fast[0][:2]
    assert json.loads(slow[0][2])["events"][0]["event_id"] == "evt-fast-2"
    assert client.get("/webhooks/shop").status_code != 405
