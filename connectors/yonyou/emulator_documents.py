"""Read-only YonBIP documents for the emulator: sales-outs (销售出库单), receipt bills (收款单).

They are made by ERP users (or pushed down from orders), which the emulator stands in
for with its control endpoint ``POST /__emulator__/seed``; the open API only lists and
fetches them, in the shapes the API docs give (sources in ``documents.py``):

- ``POST /yonbip/scm/salesout/list``: ``pageIndex``/``pageSize`` required, ``code``,
  ``isSum`` (true: heads; false: a row per line, line fields prefixed ``details_``), a
  flat ``simpleVOs`` list; reply ``"code": "200"`` with ``recordList``, ``recordCount``,
  ``pageCount``. A malformed query answers ``999 列表查询失败`` as documented.
- ``POST /yonbip/fi/receivebill/list/v2``: the same paging, ``code``, ``orderno``,
  ``customer_code``, ``auditstatus`` and the nested ``simpleVOs`` of
  ``{logicOp, conditions}``; reply ``"code": 200`` (a number, as in the doc's example)
  with ``recordCount``/``pageCount`` as text.
- ``GET .../salesout/detail`` and ``.../receivebill/detail``: the document with its lines,
  or ``999`` with the documented message for an id that is not there.
"""

from __future__ import annotations

import copy
import itertools
from collections.abc import Callable
from typing import Any, Literal

from connectors.yonyou.emulator_store import ApiError, matches

Kind = Literal["salesout", "receivebill"]
LINES: dict[str, str] = {"salesout": "details", "receivebill": "ReceiveBill_b"}
PREFIX: dict[str, str] = {"salesout": "XSCK", "receivebill": "RECar"}
REQUIRED: dict[str, tuple[str, ...]] = {
    "salesout": ("vouchdate", "cust"),
    "receivebill": ("vouchdate", "customer_code", "oriSum", "currency_name"),
}


class SeedError(ValueError):
    """A seeded document the emulator cannot hold; the control endpoint answers 422."""


def _page(body: dict[str, Any]) -> tuple[int, int]:
    try:
        index, size = int(body["pageIndex"]), int(body["pageSize"])
    except (KeyError, TypeError, ValueError):
        raise ApiError(999, "列表查询失败: pageIndex 和 pageSize 必填且为整数") from None
    if index < 1 or not 1 <= size <= 500:
        raise ApiError(999, "列表查询失败: pageIndex 从1开始，pageSize 在1到500之间")
    return index, size


class DocumentStore:
    def __init__(self, new_id: Callable[[], str], pubts: Callable[[], str]) -> None:
        self.new_id = new_id
        self.pubts = pubts
        self.tables: dict[str, dict[str, dict[str, Any]]] = {"salesout": {},
                                                              "receivebill": {}}
        self._codes = itertools.count(1)

    # -- what ERP users do --------------------------------------------------------------
    def seed(self, kind: Kind, documents: list[dict[str, Any]]) -> list[str]:
        """Create documents, or change existing ones (those given with a known ``id``).

        Every change moves ``pubts``, as saving or auditing in YonBIP does. All are
        checked before any is stored, so a refused seed leaves the state as it was.
        """
        table = self.tables[kind]
        lines_key = LINES[kind]
        ready: list[dict[str, Any]] = []
        for n, given in enumerate(documents):
            known = table.get(str(given.get("id"))) if given.get("id") is not None else None
            if given.get("id") is not None and known is None:
                raise SeedError(f"documents[{n}]: no {kind} with id {given['id']}")
            doc = copy.deepcopy(known) if known else {}
            doc.update(copy.deepcopy(given))
            missing = [name for name in REQUIRED[kind] if doc.get(name) in (None, "")]
            if missing:
                raise SeedError(f"documents[{n}]: {kind} needs {', '.join(missing)}")
            lines = doc.get(lines_key, [])
            if not isinstance(lines, list) or not all(isinstance(ln, dict) for ln in lines):
                raise SeedError(f"documents[{n}].{lines_key} must be a list of objects")
            if kind == "salesout" and not lines:
                raise SeedError(f"documents[{n}]: a sales-out needs at least one line")
            codes = {d.get("code") for d in table.values() if d["id"] != doc.get("id")}
            if doc.get("code") in codes:
                raise SeedError(f"documents[{n}]: code {doc['code']!r} already exists")
            ready.append(doc)
        ids = []
        for doc in ready:
            doc.setdefault("id", self.new_id())
            doc.setdefault("code", f"{PREFIX[kind]}{next(self._codes):012d}")
            doc.setdefault("status", 0)
            doc["pubts"] = self.pubts()
            for line in doc.get(lines_key, []):
                line.setdefault("id", self.new_id())
                line["mainid"] = doc["id"]
                line["pubts"] = doc["pubts"]
            if kind == "salesout":
                doc["totalQuantity"] = sum(float(ln.get("qty") or 0) for ln in doc["details"])
            elif kind == "receivebill":
                doc.setdefault("billtype", 7)
                doc.setdefault("basebilltype_name", "收款单")
            table[str(doc["id"])] = doc
            ids.append(str(doc["id"]))
        return ids

    # -- the open API ---------------------------------------------------------------------
    def detail(self, kind: Kind, record_id: str | None) -> dict[str, Any]:
        doc = self.tables[kind].get(str(record_id))
        if doc is None:
            raise ApiError(999, "单据未找到" if kind == "salesout"
                           else "该单据已经被删除或者没有权限")
        return {"code": "200", "message": "操作成功", "data": copy.deepcopy(doc)}

    def salesout_list(self, body: dict[str, Any]) -> dict[str, Any]:
        index, size = _page(body)
        vos = body.get("simpleVOs") or []
        if not isinstance(vos, list) or not all(isinstance(v, dict) and v.get("field")
                                                for v in vos):
            raise ApiError(999, "列表查询失败")
        rows = self._rows("salesout", bool(body.get("isSum", False)))
        for name in ("code", "upcode", "srcBillNO"):
            if body.get(name):
                rows = [r for r in rows if r.get(name) == body[name]]
        for vo in vos:
            rows = [r for r in rows if matches(r, vo)]
        data = _paged(rows, index, size, self.pubts())
        return {"code": "200", "message": "操作成功", "data": data}

    def receivebill_list(self, body: dict[str, Any]) -> dict[str, Any]:
        index, size = _page(body)
        rows = self._rows("receivebill", bool(body.get("isSum", False)))
        for name in ("code", "orderno", "customer_code", "auditstatus"):
            if body.get(name) not in (None, ""):
                rows = [r for r in rows if str(r.get(name)) == str(body[name])]
        for group in body.get("simpleVOs") or []:
            conditions = group.get("conditions") if isinstance(group, dict) else None
            if not isinstance(conditions, list) or not all(
                    isinstance(c, dict) and c.get("field") for c in conditions):
                raise ApiError(999, "simpleVOs 须为 [{logicOp, conditions: [{field, op, "
                                    "value1, value2}]}]")
            join = any if str(group.get("logicOp") or "and").lower() == "or" else all
            rows = [r for r in rows if join(matches(r, c) for c in conditions)]
        data = _paged(rows, index, size, self.pubts())
        data.update(recordCount=str(data["recordCount"]), pageCount=str(data["pageCount"]),
                    sumRecordList={"natSum": sum(float(r.get("natSum") or 0) for r in rows)})
        return {"code": 200, "message": "操作成功", "data": data}

    def _rows(self, kind: Kind, heads_only: bool) -> list[dict[str, Any]]:
        lines_key = LINES[kind]
        rows: list[dict[str, Any]] = []
        for doc in sorted(self.tables[kind].values(), key=lambda d: int(d["id"])):
            head = {k: copy.deepcopy(v) for k, v in doc.items() if k != lines_key}
            if heads_only or not doc.get(lines_key):
                rows.append(head)
            else:
                rows.extend(dict(head, **{f"{lines_key}_{k}": v for k, v in line.items()})
                            for line in doc[lines_key])
        return rows


def _paged(rows: list[dict[str, Any]], index: int, size: int, now: str) -> dict[str, Any]:
    count = len(rows)
    pages = max(1, -(-count // size))
    return {"pageIndex": index, "pageSize": size, "recordCount": count,
            "recordList": rows[(index - 1) * size: index * size], "pageCount": pages,
            "beginPageIndex": 1, "endPageIndex": pages, "pubts": now}
