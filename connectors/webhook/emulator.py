"""A small product that talks to the hub only through webhooks (tests, benchmark, demo).

It stands for "an existing CRM or web shop": customers and orders in memory, written
by ``PUT /{collection}/{id}`` (create-or-update, 201 on create; writes must carry a
valid ``hub.signing`` signature when a secret is set) and read by ``GET``. Every
change, its own or the hub's, is pushed as a signed event to the hub's
``POST /webhooks/{system}`` from a background thread, as real products do, so the
hub's echo suppression is exercised too.
"""

from __future__ import annotations

import itertools
import json
import logging
import queue
import threading
from datetime import datetime, timezone
from typing import Any

import httpx
from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse

from hub import signing
from hub.errors import AuthError

log = logging.getLogger(__name__)

COLLECTIONS = {"customers": "customer", "orders": "sales_order"}


class ShopEmulator:
    def __init__(self, *, secret: str, hub_url: str | None = None, system: str = "shop",
                 push: bool = True) -> None:
        self.secret = secret
        self.hub_url = hub_url
        self.system = system
        self.push_enabled = push
        self.records: dict[str, dict[str, dict[str, Any]]] = {c: {} for c in COLLECTIONS}
        self.writes: list[tuple[str, str, str]] = []     # (collection, id, "created"|"updated")
        self.pushed: list[str] = []
        self._seq = itertools.count(1)
        self._lock = threading.Lock()
        self._queue: queue.Queue[tuple[str, bytes] | None] = queue.Queue()
        self._client = httpx.Client(timeout=10)
        self._thread: threading.Thread | None = None
        self.app = self._build()

    # -- the product's own users change something ----------------------------------
    def change(self, collection: str, record: dict[str, Any]) -> dict[str, Any]:
        """Create or update a record as a user of the product would; pushes an event."""
        stored, _ = self._store(collection, str(record["id"]), record)
        return stored

    def _store(self, collection: str, record_id: str, record: dict[str, Any]
               ) -> tuple[dict[str, Any], bool]:
        with self._lock:
            existing = self.records[collection].get(record_id)
            stored = {**(existing or {}), **record, "id": record_id,
                      "updated_at": datetime.now(timezone.utc).isoformat()}
            self.records[collection][record_id] = stored
            seq = next(self._seq)
        self._enqueue(collection, stored, seq)
        return stored, existing is None

    def _enqueue(self, collection: str, record: dict[str, Any], seq: int) -> None:
        if not (self.push_enabled and self.hub_url):
            return
        event = {"event_id": f"{self.system}-{seq}", "entity": COLLECTIONS[collection],
                 "op": "upsert", "occurred_at": record["updated_at"], "record": record}
        self._queue.put((event["event_id"], json.dumps(event).encode()))
        self._ensure_pusher()

    def _ensure_pusher(self) -> None:
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._push_loop, daemon=True,
                                                name=f"{self.system}-pusher")
                self._thread.start()

    def _push_loop(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            event_id, body = item
            headers = {"Content-Type": "application/json",
                       **signing.sign(self.secret, body, event_id=event_id)}
            for _ in range(5):
                try:
                    response = self._client.post(f"{self.hub_url}/webhooks/{self.system}",
                                                 content=body, headers=headers)
                    if response.status_code == 202:
                        self.pushed.append(event_id)
                        break
                    log.warning("hub refused event", extra={"event_id": event_id,
                                                            "status": response.status_code})
                    break
                except httpx.HTTPError:
                    continue

    def close(self) -> None:
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join(10)
        self._client.close()

    # -- the HTTP API the hub writes through ----------------------------------------
    def _build(self) -> FastAPI:
        app = FastAPI(title="Shop emulator (generic webhook product)")

        @app.put("/{collection}/{record_id}")
        async def put(collection: str, record_id: str, request: Request) -> JSONResponse:
            if collection not in COLLECTIONS:
                raise HTTPException(404, f"no collection {collection}")
            body = await request.body()
            try:
                signing.verify(self.secret, request.headers, body)
            except AuthError as exc:
                raise HTTPException(401, exc.message) from None
            stored, created = self._store(collection, record_id, json.loads(body))
            self.writes.append((collection, record_id, "created" if created else "updated"))
            return JSONResponse(stored, status_code=201 if created else 200)

        @app.get("/{collection}/{record_id}")
        def get(collection: str, record_id: str) -> dict[str, Any]:
            record = self.records.get(collection, {}).get(record_id)
            if record is None:
                raise HTTPException(404, f"no {collection} {record_id}")
            return record

        return app
