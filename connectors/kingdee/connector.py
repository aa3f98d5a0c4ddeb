"""The Kingdee K3Cloud connector: hub entities over BD_Customer, SAL_SaleOrder & co.

Reads are keyset-paged: every page re-queries ``modified > cursor`` ordered by
(modify date, id) from StartRow 0. Plain StartRow paging over one fixed filter skips a
row whenever a record is modified mid-read (it moves to the end and the rest shift
left), and a resumed read must start from the cursor anyway.

Writes follow the hard cases of DESIGN.md: a create first looks the natural key up
(FNumber / FBillNo) because Save creates whenever the id is 0; updates always send
``IsDeleteEntry: false`` and a ``NeedUpDateFields`` list, so neither lines nor fields we
do not map are wiped; one bad row in a BatchSave fails alone with Kingdee's message.
"""

from __future__ import annotations

import copy
import dataclasses
import logging
from collections.abc import Iterator, Sequence
from datetime import datetime, timezone
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

import httpx
from pydantic import BaseModel, ValidationError

from connectors.base import Batch, Connector, OutboundRecord, RemoteRecord, WriteResult
from connectors.kingdee.client import BillQuery, KingdeeClient
from connectors.kingdee.config import KingdeeConfig
from connectors.kingdee.forms import FORMS, Form, get, put
from connectors.kingdee.protocol import RowResult
from hub.errors import FatalError

log = logging.getLogger(__name__)

BASE_DATA = frozenset({"BD_Customer", "BD_MATERIAL"})


class KingdeeCursor(BaseModel):
    """Resume point: the last record read, by (modify date as Kingdee printed it, id)."""

    modified: str
    id: int | str

    @classmethod
    def parse(cls, raw: str | None, *, system: str) -> KingdeeCursor | None:
        if not raw:
            return None
        try:
            return cls.model_validate_json(raw)
        except ValidationError as exc:
            raise FatalError(f"{system}: unreadable Kingdee cursor {raw!r}",
                             system=system) from exc


def sql_literal(value: int | str) -> str:
    if isinstance(value, int):
        return str(value)
    return "'" + str(value).replace("'", "''") + "'"


class KingdeeConnector(Connector):
    name: ClassVar[str] = "kingdee"
    config_model: ClassVar[type[KingdeeConfig]] = KingdeeConfig
    readable: ClassVar[frozenset[str]] = frozenset(FORMS)
    writable: ClassVar[frozenset[str]] = frozenset(e for e, f in FORMS.items() if f.writable)

    def __init__(self, config: KingdeeConfig, *, system: str,  # type: ignore[override]
                 transport: httpx.BaseTransport | None = None) -> None:
        super().__init__(config, system=system, transport=transport)
        self.config: KingdeeConfig = config
        self.client = KingdeeClient(config, system=system, transport=transport)
        self._zone = ZoneInfo(config.timezone)

    def close(self) -> None:
        self.client.close()

    def form(self, entity: str) -> Form:
        form = FORMS[entity]
        extra = self.config.extra_fields.get(entity)
        return dataclasses.replace(form, extra=tuple(extra)) if extra else form

    # -- reading --------------------------------------------------------------------
    def _org_filter(self, form: Form) -> str:
        if self.config.org_number and form.form_id in BASE_DATA:
            return f"FUseOrgId.FNumber = {sql_literal(self.config.org_number)}"
        return ""

    def _query(self, form: Form, where: str, *, limit: int, order: str = "") -> list[list[Any]]:
        conditions = [c for c in (where, self._org_filter(form)) if c]
        query = BillQuery(FormId=form.form_id,
                          FieldKeys=",".join(f.key for f in form.head_fields()),
                          FilterString=" AND ".join(f"({c})" for c in conditions),
                          OrderString=order or f"{form.modify_field} ASC,{form.pk} ASC",
                          StartRow=0, Limit=limit)
        return self.client.execute_bill_query(query)

    def _documents(self, form: Form, rows: list[list[Any]]) -> list[dict[str, Any]]:
        docs: list[dict[str, Any]] = []
        for row in rows:
            doc: dict[str, Any] = {}
            for spec, value in zip(form.head_fields(), row):
                put(doc, spec.model_path, value)
            docs.append(doc)
        if form.entry is not None and docs:
            self._attach_entries(form, docs)
        return docs

    def _attach_entries(self, form: Form, docs: list[dict[str, Any]]) -> None:
        entry = form.entry
        assert entry is not None
        by_id = {doc[form.pk]: doc for doc in docs}
        for doc in docs:
            doc[entry.name] = []
        ids = ",".join(sql_literal(i) for i in by_id)
        query = BillQuery(FormId=form.form_id,
                          FieldKeys=",".join([form.pk, entry.query_key,
                                              *(f.key for f in entry.fields)]),
                          FilterString=f"{form.pk} IN ({ids})",
                          OrderString=f"{form.pk} ASC,{entry.query_key} ASC",
                          Limit=self.config.page_size)
        for page in self.client.query_all(query):
            for row in page:
                owner, entry_id, values = row[0], row[1], row[2:]
                if owner not in by_id or entry_id in (None, 0, ""):
                    continue
                line: dict[str, Any] = {entry.key: entry_id}
                for spec, value in zip(entry.fields, values):
                    put(line, spec.model_path, value)
                by_id[owner][entry.name].append(line)

    def _record(self, form: Form, doc: dict[str, Any]) -> RemoteRecord:
        modified = get(doc, (form.modify_field,))
        return RemoteRecord(remote_id=str(doc[form.pk]), data=doc,
                            updated_at=self._utc(modified))

    def _utc(self, value: object) -> datetime | None:
        if not isinstance(value, str) or not value:
            return None
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            return None
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=self._zone)
        return parsed.astimezone(timezone.utc)

    def read_changes(self, entity: str, cursor: str | None, *,
                     batch_size: int = 500) -> Iterator[Batch]:
        self.check_entity(entity)
        form = self.form(entity)
        after = KingdeeCursor.parse(cursor, system=self.system)
        limit = max(1, min(batch_size, 10000))
        for _ in range(self.config.max_pages):
            where = ""
            if after is not None:
                m, pk = form.modify_field, form.pk
                when, last = sql_literal(after.modified), sql_literal(after.id)
                where = f"{m} > {when} OR ({m} = {when} AND {pk} > {last})"
            rows = self._query(form, where, limit=limit)
            docs = self._documents(form, rows)
            if docs:
                last_doc = docs[-1]
                after = KingdeeCursor(modified=str(get(last_doc, (form.modify_field,)) or ""),
                                      id=last_doc[form.pk])
                yield Batch(records=[self._record(form, d) for d in docs],
                            cursor=after.model_dump_json())
            if len(rows) < limit:
                return
        raise FatalError(f"{self.system}: reading {entity} exceeded {self.config.max_pages} "
                         "pages", system=self.system)

    def get(self, entity: str, remote_id: str) -> RemoteRecord | None:
        self.check_entity(entity)
        form = self.form(entity)
        key: int | str = int(remote_id) if remote_id.isdigit() else remote_id
        docs = self._documents(form, self._query(form, f"{form.pk} = {sql_literal(key)}",
                                                 limit=1))
        return self._record(form, docs[0]) if docs else None

    def _ids_by_number(self, form: Form, numbers: Sequence[str]) -> dict[str, str]:
        found: dict[str, str] = {}
        unique = sorted(set(numbers))
        for start in range(0, len(unique), 200):
            chunk = unique[start:start + 200]
            where = f"{form.number} IN ({','.join(sql_literal(n) for n in chunk)})"
            conditions = [where] + ([self._org_filter(form)] if self._org_filter(form) else [])
            query = BillQuery(FormId=form.form_id, FieldKeys=f"{form.pk},{form.number}",
                              FilterString=" AND ".join(f"({c})" for c in conditions),
                              OrderString=f"{form.pk} ASC", Limit=self.config.page_size)
            for page in self.client.query_all(query):
                for pk, number in page:
                    found.setdefault(str(number), str(pk))
        return found

    def find_by_natural_key(self, entity: str, natural_key: str) -> str | None:
        self.check_entity(entity)
        return self._ids_by_number(self.form(entity), [natural_key]).get(natural_key)

    # -- writing ----------------------------------------------------------------------
    def upsert(self, entity: str, records: Sequence[OutboundRecord]) -> list[WriteResult]:
        self.check_entity(entity, write=True)
        form = self.form(entity)
        results: list[WriteResult | None] = [None] * len(records)
        existing = self._ids_by_number(form, [r.natural_key for r in records
                                              if r.remote_id is None])
        groups: dict[tuple[str, ...], list[tuple[int, dict[str, Any], bool]]] = {}
        for index, record in enumerate(records):
            remote_id = record.remote_id or existing.get(record.natural_key)
            try:
                model, update_fields = self._model(form, record, remote_id)
            except ValueError as exc:
                results[index] = WriteResult(hub_id=record.hub_id, outcome="failed",
                                             remote_id=remote_id, error_code="kingdee-model",
                                             error=str(exc))
                continue
            groups.setdefault(update_fields, []).append((index, model, remote_id is None))
        for update_fields, items in groups.items():
            size = self.config.save_batch_size
            for start in range(0, len(items), size):
                chunk = items[start:start + size]
                rows = self.client.batch_save(form.form_id, [m for _, m, _ in chunk],
                                              need_update_fields=list(update_fields),
                                              is_delete_entry=False)
                for (index, model, is_create), row in zip(chunk, rows):
                    results[index] = self._result(records[index], row, is_create, model, form)
        self._recover_replayed_creates(form, records, results)
        if self.config.submit_and_audit:
            self._submit_and_audit(form, records, results)
        return [r for r in results if r is not None]

    def _recover_replayed_creates(self, form: Form, records: Sequence[OutboundRecord],
                                  results: list[WriteResult | None]) -> None:
        """A create refused now but whose number exists was made by our own earlier try.

        When a Save times out after Kingdee committed it, the shared retry sends it
        again and Kingdee refuses the duplicate number; the record is there, so the
        honest result is "created" with its id, not a dead letter.
        """
        refused = [i for i, r in enumerate(results) if r is not None and r.outcome == "failed"
                   and records[i].remote_id is None and r.error_code != "kingdee-model"]
        if not refused:
            return
        found = self._ids_by_number(form, [records[i].natural_key for i in refused])
        for index in refused:
            remote_id = found.get(records[index].natural_key)
            if remote_id is not None:
                log.info("kingdee create found after a refused replay",
                         extra={"system": self.system, "form": form.form_id,
                                "hub_id": records[index].hub_id})
                results[index] = WriteResult(hub_id=records[index].hub_id, outcome="created",
                                             remote_id=remote_id)

    def _model(self, form: Form, record: OutboundRecord,
               remote_id: str | None) -> tuple[dict[str, Any], tuple[str, ...]]:
        """The Save model and, for an update, the NeedUpDateFields it needs."""
        model = copy.deepcopy(record.data)
        number = model.get(form.number)
        if remote_id is None:
            if number in (None, ""):
                model[form.number] = record.natural_key
            elif str(number) != record.natural_key:
                raise ValueError(
                    f"{form.number} {number!r} differs from the natural key "
                    f"{record.natural_key!r}; an idempotent create needs them equal")
            model[form.pk] = 0
        else:
            model[form.pk] = int(remote_id) if remote_id.isdigit() else remote_id
        if form.entry is not None and isinstance(model.get(form.entry.name), list):
            self._key_entries(form, model, remote_id)
        if remote_id is None:
            return model, ()
        entry = form.entry
        rows = model.get(entry.name) if entry is not None else None
        row_fields = {k for row in rows or [] for k in row} - {entry.key} if entry else set()
        if record.only_fields:
            wanted = list(record.only_fields)
            if entry is not None and (row_fields & set(wanted) or entry.name in wanted):
                if entry.name in wanted:      # naming the lines names every field they carry
                    wanted.extend(row_fields)
                wanted.append(entry.name)
        else:
            # Kingdee updates an entry field only when both the entry and the field are named
            wanted = [k for k in model if k != form.pk] + sorted(row_fields)
        return model, tuple(sorted(set(wanted)))

    def _key_entries(self, form: Form, model: dict[str, Any], remote_id: str | None) -> None:
        """Give each line its FEntryID: sent, matched by line key, or 0 (a new row)."""
        entry = form.entry
        assert entry is not None
        rows: list[dict[str, Any]] = model[entry.name]
        line_key = self.config.line_key_field
        known: dict[str, Any] = {}
        if remote_id is not None and line_key and any(not r.get(entry.key) for r in rows):
            current = self.get(form.entity, remote_id)
            for line in (current.data.get(entry.name) or []) if current else []:
                if line.get(line_key) not in (None, ""):
                    known[str(line[line_key])] = line[entry.key]
        for row in rows:
            if not row.get(entry.key):
                row[entry.key] = known.get(str(row.get(line_key)), 0) if line_key else 0

    def _result(self, record: OutboundRecord, row: RowResult, is_create: bool,
                model: dict[str, Any], form: Form) -> WriteResult:
        if not row.ok:
            log.info("kingdee refused a record", extra={"system": self.system,
                     "form": form.form_id, "msg_code": row.msg_code, "hub_id": record.hub_id})
            return WriteResult(hub_id=record.hub_id, outcome="failed",
                               remote_id=None if is_create else str(model[form.pk]),
                               error_code=f"kingdee-msgcode-{row.msg_code}",
                               error=row.message, retriable=False)
        remote_id = row.id or (None if is_create else str(model[form.pk]))
        return WriteResult(hub_id=record.hub_id, outcome="created" if is_create else "updated",
                           remote_id=remote_id)

    def _submit_and_audit(self, form: Form, records: Sequence[OutboundRecord],
                          results: list[WriteResult | None]) -> None:
        saved = [(i, r) for i, r in enumerate(results)
                 if r is not None and r.outcome != "failed" and r.remote_id]
        for step in ("submit", "audit"):
            if not saved:
                return
            ids = [r.remote_id for _, r in saved if r.remote_id]
            rows = getattr(self.client, step)(form.form_id, ids=ids)
            still: list[tuple[int, WriteResult]] = []
            for (index, result), row in zip(saved, rows):
                if row.ok:
                    still.append((index, result))
                else:
                    results[index] = result.model_copy(update={
                        "outcome": "failed", "error_code": f"kingdee-{step}-{row.msg_code}",
                        "error": f"saved as {result.remote_id} but {step} failed: {row.message}"})
            saved = still

    def delete(self, entity: str, remote_ids: Sequence[str], *,
               archive: bool = True) -> list[WriteResult]:
        """Delete (``archive=False``) or forbid (base data, ``archive=True``)."""
        self.check_entity(entity, write=True)
        form = self.form(entity)
        if archive:
            if form.form_id not in BASE_DATA:
                raise FatalError(f"{self.system}: {form.form_id} cannot be archived through "
                                 "this connector; delete it instead", system=self.system)
            rows = self.client.execute_operation(form.form_id, "Forbid", ids=list(remote_ids))
        else:
            rows = self.client.delete(form.form_id, ids=list(remote_ids))
        return [WriteResult(hub_id="", remote_id=rid, outcome="deleted" if row.ok else "failed",
                            error_code=None if row.ok else f"kingdee-msgcode-{row.msg_code}",
                            error=row.message)
                for rid, row in zip(remote_ids, rows)]

