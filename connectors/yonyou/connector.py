"""The Yonyou YonBIP connector: merchants, sales orders (voucherorder), current stock,
and, read only, sales-out documents (shipments) and receipt bills (payments).

Incremental reads use ``pubts`` (last change, to the second). A list is read in full
for ``pubts >= cursor`` (the merchant list promises no order), sorted by (pubts, id),
and the cursor remembers the ids already taken in its boundary second, so none is read
twice. A second that is not yet over (``pubts_settle_seconds``) is not closed: its
records are read again next time, since one may change again within that second
without its pubts moving; the engine drops what did not change. Each record's ``data``
is its detail document (orders with ``orderDetails``, sales-outs with ``details``,
receipts with ``ReceiveBill_b``); ``documents.py`` says which APIs, and their sources.

Writes use the MDD-idempotent save APIs with a ``resubmitCheckKey``. A create's key is
derived from the natural key, so a create replayed after a crash, even from another
process, gets the first answer back; creates also look the code up first, as for
Kingdee. Updates and deletes get a fresh key per call (kept across that call's retries):
the gateway answers a repeated key with the first call's cached result for an hour, so
a reused key would silently skip a later, legitimate write.
"""

from __future__ import annotations

import hashlib
import logging
import re
import uuid
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime, timedelta, timezone
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

import httpx
from pydantic import BaseModel, Field, ValidationError

from connectors.base import (
    Batch, ChangeEvent, Connector, OutboundRecord, RemoteRecord, WriteResult,
)
from connectors.yonyou import events
from connectors.yonyou.client import NOT_FOUND_CODES, YonyouClient, YonyouError
from connectors.yonyou.config import YonyouConfig
from connectors.yonyou.documents import DOCUMENTS
from hub.errors import FatalError

log = logging.getLogger(__name__)

MERCHANT = "/yonbip/digitalModel/merchant"
ORDER = "/yonbip/sd/voucherorder"
STOCK = "/yonbip/scm/stock/QueryCurrentStocksByCondition"
_KEY_SAFE = re.compile(r"^[A-Za-z0-9_-]{1,32}$")


class YonyouCursor(BaseModel):
    pubts: str
    ids: list[str] = Field(default_factory=list)


def check_key(*parts: str) -> str:
    """A resubmitCheckKey (≤ 32 chars) that is the same whenever ``parts`` are."""
    if len(parts) == 1 and _KEY_SAFE.match(parts[0]):
        return parts[0]
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]


class YonyouConnector(Connector):
    name: ClassVar[str] = "yonyou"
    config_model: ClassVar[type[YonyouConfig]] = YonyouConfig
    readable: ClassVar[frozenset[str]] = frozenset({"customer", "sales_order", "inventory",
                                                    "shipment", "payment"})
    writable: ClassVar[frozenset[str]] = frozenset({"customer", "sales_order"})

    def __init__(self, config: YonyouConfig, *, system: str,  # type: ignore[override]
                 transport: httpx.BaseTransport | None = None) -> None:
        super().__init__(config, system=system, transport=transport)
        self.config: YonyouConfig = config
        self.client = YonyouClient(config, system=system, transport=transport)
        self._zone = ZoneInfo(config.timezone)

    def close(self) -> None:
        self.client.close()

    # -- reading ---------------------------------------------------------------------
    def _list_page(self, entity: str, since: str | None, page: int,
                   extra: Mapping[str, Any] | None = None) -> tuple[list[dict[str, Any]], bool]:
        """One list page and whether more pages follow."""
        api = DOCUMENTS[entity]
        size = self.config.page_size
        data = self.client.call("POST", api.list_path,
                                body=api.body(page, size, since, extra or {}))
        rows = api.rows(data)
        return rows, api.more(data, rows, page, size)

    def _list_all(self, entity: str, since: str | None,
                  extra: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
        seen: dict[str, dict[str, Any]] = {}
        for page in range(1, self.config.max_pages + 1):
            rows, more = self._list_page(entity, since, page, extra)
            for row in rows:
                seen.setdefault(str(row["id"]), row)
            if not more:
                return list(seen.values())
        raise FatalError(f"{self.system}: listing {entity} exceeded {self.config.max_pages} "
                         "pages", system=self.system)

    def _detail(self, entity: str, remote_id: str) -> dict[str, Any] | None:
        api = DOCUMENTS[entity]
        try:
            data = self.client.call("GET", api.detail_path, params={"id": remote_id})
        except YonyouError as exc:
            if exc.remote_code in NOT_FOUND_CODES or (
                    exc.remote_code == "999" and any(m in str(exc) for m in api.gone_messages)):
                return None
            raise
        return data if isinstance(data, dict) and data else None

    def _utc(self, pubts: object) -> datetime | None:
        if not isinstance(pubts, str) or not pubts:
            return None
        try:
            return datetime.fromisoformat(pubts).replace(tzinfo=self._zone).astimezone(
                timezone.utc)
        except ValueError:
            return None

    def _record(self, data: dict[str, Any]) -> RemoteRecord:
        return RemoteRecord(remote_id=str(data["id"]), data=data,
                            updated_at=self._utc(data.get("pubts")))

    def read_changes(self, entity: str, cursor: str | None, *,
                     batch_size: int = 500) -> Iterator[Batch]:
        self.check_entity(entity)
        if entity == "inventory":
            yield from self._read_stock(batch_size)
            return
        try:
            after = YonyouCursor.model_validate_json(cursor) if cursor else None
        except ValidationError as exc:
            raise FatalError(f"{self.system}: unreadable Yonyou cursor {cursor!r}",
                             system=self.system) from exc
        rows = self._list_all(entity, after.pubts if after else None)
        rows.sort(key=lambda r: (str(r.get("pubts") or ""), _id_key(r["id"])))
        if after is not None:
            taken = set(after.ids)
            rows = [r for r in rows if str(r.get("pubts") or "") > after.pubts
                    or (str(r.get("pubts") or "") == after.pubts and str(r["id"]) not in taken)]
        boundary = after
        settled = (datetime.now(self._zone) - timedelta(
            seconds=self.config.pubts_settle_seconds)).strftime("%Y-%m-%d %H:%M:%S")
        for start in range(0, len(rows), max(1, batch_size)):
            chunk = rows[start:start + batch_size]
            records = []
            for row in chunk:
                detail = self._detail(entity, str(row["id"]))
                if detail is not None:
                    records.append(self._record(detail))
            last = str(chunk[-1].get("pubts") or "")
            ids = [str(r["id"]) for r in chunk if str(r.get("pubts") or "") == last]
            if boundary is not None and boundary.pubts == last:
                ids = boundary.ids + ids
            if self.config.pubts_settle_seconds and last >= settled:
                ids = []        # this second is not over: take all of it again next time
            boundary = YonyouCursor(pubts=last, ids=sorted(set(ids)))
            yield Batch(records=records, cursor=boundary.model_dump_json())

    def _read_stock(self, batch_size: int) -> Iterator[Batch]:
        """Current stock has no change stamp: every read is a full snapshot, in key order.

        Its batches carry no cursor, so the next run reads the whole snapshot again
        (the engine keeps this reader open across the steps of one run and drops the
        levels that did not change).
        """
        rows: list[dict[str, Any]] = []
        size = self.config.page_size
        for page in range(1, self.config.max_pages + 1):
            data = self.client.call("POST", STOCK, body={"pageIndex": page, "pageSize": size})
            page_rows = list(data or [])
            rows.extend(page_rows)
            if len(page_rows) < size:
                break
        rows.sort(key=stock_key)
        for start in range(0, len(rows), max(1, batch_size)):
            records = [RemoteRecord(remote_id=stock_key(r), data=r)
                       for r in rows[start:start + batch_size]]
            yield Batch(records=records, cursor=None)

    def get(self, entity: str, remote_id: str) -> RemoteRecord | None:
        self.check_entity(entity)
        if entity == "inventory":
            raise FatalError(f"{self.system}: current stock is read as a snapshot only",
                             system=self.system)
        detail = self._detail(entity, remote_id)
        return self._record(detail) if detail is not None else None

    def find_by_natural_key(self, entity: str, natural_key: str) -> str | None:
        self.check_entity(entity)
        if entity == "inventory":
            raise FatalError(f"{self.system}: current stock has no natural key lookup",
                             system=self.system)
        rows, _ = self._list_page(entity, None, 1, DOCUMENTS[entity].by_code(natural_key))
        for row in rows:
            if str(row.get("code")) == natural_key:
                return str(row["id"])
        return None

    # -- writing ---------------------------------------------------------------------
    def upsert(self, entity: str, records: Sequence[OutboundRecord]) -> list[WriteResult]:
        self.check_entity(entity, write=True)
        results = []
        for record in records:
            remote_id = record.remote_id or self.find_by_natural_key(entity, record.natural_key)
            try:
                if entity == "customer":
                    new_id = self._save_customer(record, remote_id)
                else:
                    new_id = self._save_order(record, remote_id)
            except (YonyouError, ValueError) as exc:
                code = exc.remote_code if isinstance(exc, YonyouError) else "model"
                log.info("yonyou refused a record", extra={"system": self.system,
                         "entity": entity, "code": code, "hub_id": record.hub_id})
                results.append(WriteResult(hub_id=record.hub_id, outcome="failed",
                                           remote_id=remote_id, error_code=f"yonyou-{code}",
                                           error=str(exc)))
                continue
            results.append(WriteResult(hub_id=record.hub_id, remote_id=new_id,
                                       outcome="created" if remote_id is None else "updated"))
        return results

    def _payload(self, record: OutboundRecord, remote_id: str | None) -> dict[str, Any]:
        data = dict(record.data)
        if remote_id is None:
            if data.get("code") in (None, ""):
                data["code"] = record.natural_key
            elif str(data["code"]) != record.natural_key:
                raise ValueError(f"code {data['code']!r} differs from the natural key "
                                 f"{record.natural_key!r}; an idempotent create needs them equal")
        elif record.only_fields:
            data = {k: v for k, v in data.items() if k in set(record.only_fields)}
        return data

    def _save_customer(self, record: OutboundRecord, remote_id: str | None) -> str:
        data = self._payload(record, remote_id)
        if remote_id is None:
            data["resubmitCheckKey"] = check_key(record.natural_key)
            out = self.client.call("POST", f"{MERCHANT}/idempotent/newinsert",
                                   body={"data": data})
            first = out[0] if isinstance(out, list) and out else out
            return str(first["id"])
        data.update({"id": remote_id, "_status": "Update"})
        out = self.client.call("POST", "/yonbip/digitalModel/batch/merchant/save",
                               body={"data": [data]}) or {}
        if int(out.get("failCount") or 0):
            messages = out.get("messages")
            text = "; ".join(map(str, messages)) if isinstance(messages, list) else messages
            raise YonyouError(f"{self.system}: merchant update failed: {text}",
                              system=self.system, remote_code="failCount")
        return remote_id

    def _save_order(self, record: OutboundRecord, remote_id: str | None) -> str:
        data = self._payload(record, remote_id)
        lines = data.get("orderDetails")
        if isinstance(lines, list):
            data["orderDetails"] = self._keyed_lines(lines, remote_id)
        if remote_id is None:
            data.update({"_status": "Insert", "resubmitCheckKey": check_key(record.natural_key)})
        else:
            data.update({"id": remote_id, "_status": "Update",
                         "resubmitCheckKey": uuid.uuid4().hex})
        out = self.client.call("POST", f"{ORDER}/singleSave", body={"data": data}) or {}
        return str(out.get("id") or remote_id)

    def _keyed_lines(self, lines: list[dict[str, Any]],
                     remote_id: str | None) -> list[dict[str, Any]]:
        """Mark each line Insert or Update; match id-less lines by line key if set."""
        key_field = self.config.line_key_field
        known: dict[str, Any] = {}
        if remote_id is not None and key_field and any(not ln.get("id") for ln in lines):
            current = self._detail("sales_order", remote_id) or {}
            known = {str(ln[key_field]): ln["id"] for ln in current.get("orderDetails") or []
                     if ln.get(key_field) not in (None, "")}
        out = []
        for line in lines:
            line = dict(line)
            if not line.get("id") and key_field and str(line.get(key_field)) in known:
                line["id"] = known[str(line.get(key_field))]
            line.setdefault("_status", "Update" if line.get("id") else "Insert")
            out.append(line)
        return out

    def delete(self, entity: str, remote_ids: Sequence[str], *,
               archive: bool = True) -> list[WriteResult]:
        """Delete sales orders (an MDD-idempotent call); nothing else can be removed here.

        The reply only counts failures, so each id is checked afterwards: still there
        means it was refused (e.g. already audited), with Yonyou's messages as the error.
        """
        self.check_entity(entity, write=True)
        if entity != "sales_order" or archive:
            raise FatalError(f"{self.system}: only deleting sales orders (archive=False) is "
                             "supported; archiving/stopping is not documented for this API",
                             system=self.system)
        ids = list(remote_ids)
        out = self.client.call("POST", f"{ORDER}/delete", body={"data": {
            "resubmitCheckKey": uuid.uuid4().hex, "id": ids}}) or {}
        messages = out.get("messages") if isinstance(out, dict) else None
        text = "; ".join(map(str, messages)) if isinstance(messages, list) else str(messages)
        results = []
        for remote_id in ids:
            gone = self._detail("sales_order", remote_id) is None
            results.append(WriteResult(hub_id="", remote_id=remote_id,
                                       outcome="deleted" if gone else "failed",
                                       error_code=None if gone else "yonyou-delete",
                                       error=None if gone else text))
        return results

    # -- push -------------------------------------------------------------------------
    def verify_webhook(self, headers: Mapping[str, str], body: bytes) -> None:
        events.verify(self.config.app_secret.get_secret_value(), body, system=self.system)

    def parse_webhook(self, headers: Mapping[str, str], body: bytes) -> list[ChangeEvent]:
        """Events only say which record changed; each carries the record as it is now.

        Yonyou's advice is to fetch the record an event names (an update can even
        arrive before its create), so the engine sees the same detail document a read
        returns, stamped with its own ``pubts``. A record that is gone is a delete.
        """
        parsed = events.parse(self.config.app_secret.get_secret_value(), self.config.app_key,
                              body, system=self.system)
        if not self.config.fetch_event_records:
            return parsed
        current: list[ChangeEvent] = []
        for event in parsed:
            record = None if event.kind == "delete" else self.get(event.entity,
                                                                   event.remote_id)
            if record is None:
                current.append(event.model_copy(update={"kind": "delete", "data": None}))
            else:
                current.append(event.model_copy(update={
                    "data": record.data, "occurred_at": record.updated_at or event.occurred_at}))
        return current


def _id_key(value: object) -> tuple[int, str]:
    text = str(value)
    return (int(text), "") if text.isdigit() else (0, text)


def stock_key(row: Mapping[str, Any]) -> str:
    """Current stock rows have no id: org, warehouse, SKU (or product) and batch name one."""
    parts = [row.get("org") or row.get("org_name"), row.get("warehouse_code") or row.get(
        "warehouse"), row.get("productsku_code") or row.get("product_code"), row.get("batchno")]
    return "|".join("" if p is None else str(p) for p in parts)
