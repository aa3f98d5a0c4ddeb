"""In-memory K3Cloud forms for the emulator: Save/BatchSave, queries, status changes.

Behaves as the documentation describes (protocols.md 1.2, 1.3): Save creates when the
primary key is 0, updates otherwise; ``NeedUpDateFields`` limits an update to the
listed fields; ``IsDeleteEntry`` (default true) deletes entry rows missing from the
model; base-data references are ``{"FNumber": ...}`` and must exist; numbers are unique;
audited documents cannot be deleted. Errors carry MsgCodes and DIndex like the real one.
"""

from __future__ import annotations

import copy
import itertools
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from connectors.kingdee.emulator_filter import compare, parse_filter
from connectors.kingdee.protocol import KdError, KdSuccessEntity, MsgCode, ResponseStatus


@dataclass(frozen=True)
class FormMeta:
    form_id: str
    pk: str
    number: str
    prefix: str
    required: dict[str, str] = field(default_factory=dict)
    refs: dict[str, str] = field(default_factory=dict)
    entry: str | None = None
    entry_required: dict[str, str] = field(default_factory=dict)
    entry_refs: dict[str, str] = field(default_factory=dict)
    modify_field: str = "FModifyDate"
    string_pk: bool = False
    unique_number: bool = True
    """False where the "number" is a reference shared by rows (stock per material)."""


FORM_META: dict[str, FormMeta] = {m.form_id: m for m in (
    FormMeta("BD_Customer", "FCUSTID", "FNumber", "CUST", required={"FName": "客户名称"}),
    FormMeta("BD_MATERIAL", "FMATERIALID", "FNumber", "MAT", required={"FName": "名称"}),
    FormMeta("SAL_SaleOrder", "FID", "FBillNo", "XSDD",
             required={"FDate": "日期", "FCustId": "客户"}, refs={"FCustId": "BD_Customer"},
             entry="FSaleOrderEntry",
             entry_required={"FMaterialId": "物料编码", "FQty": "销售数量"},
             entry_refs={"FMaterialId": "BD_MATERIAL"}),
    FormMeta("STK_Inventory", "FID", "FMaterialId", "INV", modify_field="FUpdateTime",
             string_pk=True, unique_number=False),
    FormMeta("SAL_OUTSTOCK", "FID", "FBillNo", "XSCKD", entry="FEntity"),
    FormMeta("AR_RECEIVEBILL", "FID", "FBillNo", "SKD"),
)}


class StoreError(Exception):
    def __init__(self, msg_code: int, message: str, field_name: str | None = None) -> None:
        super().__init__(message)
        self.msg_code = msg_code
        self.message = message
        self.field_name = field_name


def ci_get(data: dict[str, Any], key: str) -> tuple[bool, Any]:
    """Kingdee field keys are case-insensitive."""
    if key in data:
        return True, data[key]
    lower = key.lower()
    for k, v in data.items():
        if k.lower() == lower:
            return True, v
    return False, None


class Store:
    def __init__(self, *, zone: str = "Asia/Shanghai",
                 clock: Callable[[], datetime] | None = None) -> None:
        self.zone = ZoneInfo(zone)
        self._clock = clock or (lambda: datetime.now(self.zone))
        self.docs: dict[str, dict[Any, dict[str, Any]]] = {f: {} for f in FORM_META}
        self._ids = itertools.count(100001)
        self._entry_ids = itertools.count(200001)
        self._numbers = itertools.count(1)

    def now(self) -> str:
        return self._clock().astimezone(self.zone).replace(tzinfo=None).isoformat(
            timespec="milliseconds")

    def meta(self, form_id: str) -> FormMeta:
        try:
            return FORM_META[form_id]
        except KeyError:
            raise StoreError(MsgCode.BAD_PARAMETER, f"业务对象“{form_id}”不存在") from None

    def find(self, form_id: str, *, id: Any = None, number: Any = None) -> dict[str, Any] | None:
        meta = self.meta(form_id)
        for doc in self.docs[form_id].values():
            if id not in (None, "", 0) and str(doc[meta.pk]) == str(id):
                return doc
            if number not in (None, "") and doc.get(meta.number) == number:
                return doc
        return None

    # -- Save ----------------------------------------------------------------------
    def _check_ref(self, value: Any, target: str, label: str, field_name: str) -> None:
        number = value.get("FNumber") if isinstance(value, dict) else None
        if number in (None, ""):
            raise StoreError(MsgCode.MISSING_VALUE, f"字段“{label}”是必填项", field_name)
        if self.find(target, number=number) is None:
            raise StoreError(MsgCode.VALIDATION_FAILED,
                             f"字段“{label}”的值“{number}”在基础资料中不存在", field_name)

    def _validate(self, meta: FormMeta, doc: dict[str, Any]) -> None:
        for name, label in meta.required.items():
            if doc.get(name) in (None, "", {}):
                raise StoreError(MsgCode.MISSING_VALUE, f"字段“{label}”是必填项", name)
        for name, target in meta.refs.items():
            if name in doc:
                self._check_ref(doc[name], target, meta.required.get(name, name), name)
        for index, row in enumerate(doc.get(meta.entry, []) if meta.entry else []):
            for name, label in meta.entry_required.items():
                if row.get(name) in (None, "", {}):
                    raise StoreError(MsgCode.MISSING_VALUE,
                                     f"第{index + 1}行，字段“{label}”是必填项", name)
            for name, target in meta.entry_refs.items():
                if name in row:
                    self._check_ref(row[name], target, meta.entry_required.get(name, name), name)
            qty = row.get("FQty")
            if isinstance(qty, (int, float)) and qty <= 0:
                raise StoreError(MsgCode.VALIDATION_FAILED,
                                 f"第{index + 1}行，销售数量必须大于0", "FQty")

    def _merge_entries(self, meta: FormMeta, current: list[dict[str, Any]],
                       sent: list[dict[str, Any]], delete_missing: bool,
                       wanted: set[str] | None = None) -> list[dict[str, Any]]:
        """Rows with an FEntryID update that row (only the ``wanted`` fields when a
        NeedUpDateFields list is given), rows without one are new."""
        by_id = {row["FEntryID"]: row for row in current}
        kept_ids: set[Any] = set()
        merged: list[dict[str, Any]] = []
        for row in sent:
            entry_id = row.get("FEntryID") or 0
            if entry_id:
                if entry_id not in by_id:
                    raise StoreError(MsgCode.VALIDATION_FAILED,
                                     f"分录内码“{entry_id}”不属于该单据", "FEntryID")
                changes = {k: copy.deepcopy(v) for k, v in row.items()
                           if not wanted or k.lower() in wanted or k == "FEntryID"}
                updated = dict(by_id[entry_id], **changes)
                kept_ids.add(entry_id)
                merged.append(updated)
            else:
                merged.append(dict(copy.deepcopy(row), FEntryID=next(self._entry_ids)))
        if not delete_missing:
            merged = [r for r in current if r["FEntryID"] not in kept_ids
                      and r not in merged] + merged
            order = {r["FEntryID"]: i for i, r in enumerate(current)}
            merged.sort(key=lambda r: order.get(r["FEntryID"], len(order) + r["FEntryID"]))
        return merged

    def save(self, form_id: str, model: dict[str, Any], *, need_update: list[str],
             delete_entry: bool) -> dict[str, Any]:
        """Create or update one document; raises ``StoreError`` for a refused model."""
        meta = self.meta(form_id)
        if not isinstance(model, dict):
            raise StoreError(MsgCode.BAD_PARAMETER, "Model 必须是对象")
        pk = model.get(meta.pk) or 0
        sent_entries = model.get(meta.entry) if meta.entry else None
        if sent_entries is not None and not isinstance(sent_entries, list):
            raise StoreError(MsgCode.BAD_PARAMETER, f"{meta.entry} 必须是数组", meta.entry)
        if not pk:
            doc = {k: copy.deepcopy(v) for k, v in model.items() if k != meta.entry}
            number = doc.get(meta.number)
            if number in (None, ""):
                doc[meta.number] = f"{meta.prefix}{next(self._numbers):06d}"
            elif meta.unique_number and self.find(form_id, number=number) is not None:
                raise StoreError(MsgCode.VALIDATION_FAILED,
                                 f"编码“{number}”已经被使用，不能重复", meta.number)
            if meta.entry:
                doc[meta.entry] = self._merge_entries(meta, [], sent_entries or [], True)
            self._validate(meta, doc)
            doc[meta.pk] = str(uuid.uuid4()) if meta.string_pk else next(self._ids)
            doc.setdefault("FDocumentStatus", "A")
            doc.setdefault("FForbidStatus", "A")
            doc["FCreateDate"] = doc[meta.modify_field] = self.now()
            self.docs[form_id][doc[meta.pk]] = doc
            return doc
        current = self.find(form_id, id=pk)
        if current is None:
            raise StoreError(MsgCode.NOT_FOUND, f"内码为“{pk}”的数据不存在", meta.pk)
        wanted = {f.lower() for f in need_update}
        updated = copy.deepcopy(current)
        if not wanted:
            system = {meta.pk, "FDocumentStatus", "FForbidStatus", "FCreateDate",
                      meta.modify_field, meta.number}
            updated = {k: v for k, v in updated.items() if k in system or k == meta.entry}
        for key, value in model.items():
            if key in (meta.pk, meta.entry) or (wanted and key.lower() not in wanted):
                continue
            updated[key] = copy.deepcopy(value)
        if meta.entry and sent_entries is not None and (not wanted or meta.entry.lower() in wanted):
            updated[meta.entry] = self._merge_entries(meta, current.get(meta.entry, []),
                                                      sent_entries, delete_entry, wanted)
        number = updated.get(meta.number)
        other = self.find(form_id, number=number) if meta.unique_number else None
        if other is not None and other is not current:
            raise StoreError(MsgCode.VALIDATION_FAILED,
                             f"编码“{number}”已经被使用，不能重复", meta.number)
        self._validate(meta, updated)
        updated[meta.modify_field] = self.now()
        current.clear()
        current.update(updated)
        return current

    def batch_save(self, form_id: str, models: list[Any], *, need_update: list[str],
                   delete_entry: bool) -> ResponseStatus:
        status = ResponseStatus(IsSuccess=True)
        meta = self.meta(form_id)
        for index, model in enumerate(models):
            try:
                doc = self.save(form_id, model, need_update=need_update,
                                delete_entry=delete_entry)
            except StoreError as exc:
                status.Errors.append(KdError(FieldName=exc.field_name, Message=exc.message,
                                             DIndex=index))
                if status.MsgCode == 0:
                    status.MsgCode = exc.msg_code
                continue
            status.SuccessEntitys.append(KdSuccessEntity(Id=doc[meta.pk],
                                                         Number=doc.get(meta.number),
                                                         DIndex=index))
        if status.Errors:
            status.IsSuccess, status.ErrorCode = False, 500
        return status

    # -- Submit / Audit / Delete / Forbid -------------------------------------------
    def bill_operation(self, form_id: str, op: str, ids: list[str],
                       numbers: list[str]) -> ResponseStatus:
        meta = self.meta(form_id)
        targets: list[tuple[str, dict[str, Any] | None]] = (
            [(i, self.find(form_id, id=i)) for i in ids] if ids else
            [(n, self.find(form_id, number=n)) for n in numbers])
        status = ResponseStatus(IsSuccess=True)
        if not targets:
            status.IsSuccess, status.ErrorCode, status.MsgCode = False, 500, MsgCode.EMPTY_BILL_ID
            status.Errors.append(KdError(Message="没有指定要操作的单据"))
            return status
        for index, (key, doc) in enumerate(targets):
            try:
                if doc is None:
                    raise StoreError(MsgCode.NOT_FOUND, f"数据“{key}”不存在")
                self._apply(meta, op, doc)
            except StoreError as exc:
                status.Errors.append(KdError(Message=exc.message, DIndex=index))
                status.MsgCode = status.MsgCode or exc.msg_code
                continue
            status.SuccessEntitys.append(KdSuccessEntity(Id=doc[meta.pk],
                                                         Number=doc.get(meta.number),
                                                         DIndex=index))
        if status.Errors:
            status.IsSuccess, status.ErrorCode = False, 500
        return status

    def _apply(self, meta: FormMeta, op: str, doc: dict[str, Any]) -> None:
        state = doc.get("FDocumentStatus", "A")
        if op == "Submit":
            if state not in ("A", "D"):
                raise StoreError(MsgCode.NOT_OPERABLE, "单据状态不是创建或重新审核，不能提交")
            doc["FDocumentStatus"] = "B"
        elif op == "Audit":
            if state != "B":
                raise StoreError(MsgCode.NOT_OPERABLE, "单据未提交，不能审核")
            doc["FDocumentStatus"] = "C"
        elif op == "Delete":
            if state in ("B", "C"):
                raise StoreError(MsgCode.NOT_OPERABLE, "已提交或已审核的单据不能删除")
            del self.docs[meta.form_id][doc[meta.pk]]
            return
        elif op == "Forbid":
            doc["FForbidStatus"] = "B"
        elif op == "Enable":
            doc["FForbidStatus"] = "A"
        else:
            raise StoreError(MsgCode.BAD_PARAMETER, f"操作“{op}”不存在")
        doc[meta.modify_field] = self.now()

    # -- ExecuteBillQuery ------------------------------------------------------------
    def query(self, data: dict[str, Any]) -> list[list[Any]]:
        form_id = str(data.get("FormId") or "")
        meta = self.meta(form_id)
        keys = [k.strip() for k in str(data.get("FieldKeys") or "").split(",") if k.strip()]
        if not keys:
            raise StoreError(MsgCode.BAD_PARAMETER, "FieldKeys 不能为空")
        limit = int(data.get("Limit") or 0)
        if limit > 10000:
            raise StoreError(MsgCode.BAD_PARAMETER, "Limit 不能大于 10000")
        predicate = parse_filter(str(data.get("FilterString") or ""))
        order = [part.split() for part in str(data.get("OrderString") or "").split(",")
                 if part.strip()]
        mentioned = keys + [o[0] for o in order] + [str(data.get("FilterString") or "")]
        per_entry = meta.entry is not None and any(self._is_entry_key(meta, k)
                                                   for k in mentioned)
        contexts: list[tuple[dict[str, Any], dict[str, Any] | None, int]] = []
        for doc in self.docs[form_id].values():
            rows = doc.get(meta.entry) or [] if meta.entry else []
            if per_entry and rows:
                contexts.extend((doc, row, i + 1) for i, row in enumerate(rows))
            else:
                contexts.append((doc, None, 0))
        selected = [c for c in contexts if predicate(lambda k, c=c: self._value(meta, *c, k))]
        for spec in reversed(order):
            descending = len(spec) > 1 and spec[1].upper() == "DESC"
            selected.sort(key=_SortKey.factory(lambda c, k=spec[0]: self._value(meta, *c, k)),
                          reverse=descending)
        start = int(data.get("StartRow") or 0)
        top = int(data.get("TopRowCount") or 0)
        if top:
            selected = selected[:top]
        page = selected[start:start + limit] if limit else selected[start:]
        return [[self._value(meta, *c, k) for k in keys] for c in page]

    def _is_entry_key(self, meta: FormMeta, key: str) -> bool:
        entry = meta.entry or ""
        if entry.lower() in key.lower():
            return True
        first = key.split(".")[0]
        return any(ci_get(row, first)[0] for doc in self.docs[meta.form_id].values()
                   for row in (doc.get(entry) or []))

    def _value(self, meta: FormMeta, doc: dict[str, Any], row: dict[str, Any] | None,
               seq: int, key: str) -> Any:
        if meta.entry and key.lower().startswith(meta.entry.lower() + "_"):
            sub = key[len(meta.entry) + 1:]
            if sub.lower() == "fseq":
                return seq or None
            return ci_get(row, sub)[1] if row is not None else None
        parts = key.split(".")
        found, value = (ci_get(row, parts[0]) if row is not None else (False, None))
        if not found:
            found, value = ci_get(doc, parts[0])
        if not found:
            for nested in doc.values():
                if isinstance(nested, dict) and parts[0] not in ("FNumber",):
                    found, value = ci_get(nested, parts[0])
                    if found:
                        break
        for part in parts[1:]:
            value = ci_get(value, part)[1] if isinstance(value, dict) else None
        if isinstance(value, dict) and len(parts) == 1:
            return value.get("FNumber")
        return value


class _SortKey:
    """Orders mixed values the way SQL does: NULLs first, then by ``compare``."""

    def __init__(self, value: Any) -> None:
        self.value = value

    @classmethod
    def factory(cls, get: Callable[[Any], Any]) -> Callable[[Any], _SortKey]:
        return lambda item: cls(get(item))

    def __lt__(self, other: _SortKey) -> bool:
        if self.value is None:
            return other.value is not None
        if other.value is None:
            return False
        return (compare(self.value, other.value) or 0) < 0
