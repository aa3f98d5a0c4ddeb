"""In-memory YonBIP business objects for the emulator: merchants, sales orders, stock.

Answers as the API docs describe (protocols.md 2.1): merchant list returns a bare array
(no total, page until short), voucherorder list returns ``recordList`` with counts and
honours ``simpleVOs``/``queryOrders``; saves are MDD-idempotent by ``resubmitCheckKey``
(the first result is replayed for an hour, then code 100004 with only the id); order
lines not sent are kept (only ``_status: Delete`` removes one).
"""

from __future__ import annotations

import copy
import itertools
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo


class ApiError(Exception):
    def __init__(self, code: str | int, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


IDEMPOTENCY_TTL = 3600.0


def _cmp(a: Any, b: Any) -> int:
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return (a > b) - (a < b)
    sa, sb = str(a), str(b)
    return (sa > sb) - (sa < sb)


def matches(row: dict[str, Any], vo: dict[str, Any]) -> bool:
    value = row.get(str(vo.get("field")))
    op = str(vo.get("op") or "eq").lower()
    v1, v2 = vo.get("value1"), vo.get("value2")
    if value is None:
        return op in ("neq", "nin")
    if op == "eq":
        return _cmp(value, v1) == 0
    if op == "neq":
        return _cmp(value, v1) != 0
    if op == "gt":
        return _cmp(value, v1) > 0
    if op == "egt":
        return _cmp(value, v1) >= 0
    if op == "lt":
        return _cmp(value, v1) < 0
    if op == "elt":
        return _cmp(value, v1) <= 0
    if op == "between":
        return _cmp(value, v1) >= 0 and (v2 in (None, "") or _cmp(value, v2) <= 0)
    if op in ("in", "nin"):
        values = v1 if isinstance(v1, list) else str(v1).split(",")
        return any(_cmp(value, v) == 0 for v in values) == (op == "in")
    if op == "like":
        return str(v1).strip("%") in str(value)
    raise ApiError("999", f"不支持的比较符[{op}]")


class YonStore:
    def __init__(self, *, zone: str = "Asia/Shanghai",
                 clock: Callable[[], float] = time.time) -> None:
        self.zone = ZoneInfo(zone)
        self.clock = clock
        self.merchants: dict[str, dict[str, Any]] = {}
        self.orders: dict[str, dict[str, Any]] = {}
        self.stock: list[dict[str, Any]] = []
        self._ids = itertools.count(2_285_747_004_510_464)
        self._codes = itertools.count(1)
        self._idem: dict[tuple[str, str], tuple[float, dict[str, Any]]] = {}
        self.on_change: Callable[[str, str, dict[str, Any]], None] = lambda *_: None

    def pubts(self) -> str:
        return datetime.fromtimestamp(self.clock(), self.zone).strftime("%Y-%m-%d %H:%M:%S")

    def new_id(self) -> str:
        return str(next(self._ids))

    def idempotent(self, api: str, key: Any, run: Callable[[], dict[str, Any]]) -> dict[str, Any]:
        """MDD idempotency: same key within an hour → first answer; later → 100004 + id."""
        if key in (None, ""):
            return run()
        if len(str(key)) > 32:
            raise ApiError("999", "resubmitCheckKey 长度不能超过32位")
        now = self.clock()
        seen = self._idem.get((api, str(key)))
        if seen is not None:
            when, answer = seen
            if now - when <= IDEMPOTENCY_TTL:
                return answer
            data = answer.get("data")
            first = data[0] if isinstance(data, list) and data else data
            return {"code": "100004", "message": "重复提交", "data": {"id": first["id"]}}
        answer = run()
        if str(answer.get("code")) == "200":
            self._idem[(api, str(key))] = (now, answer)
        return answer

    # -- merchants -----------------------------------------------------------------
    def merchant_list(self, body: dict[str, Any]) -> list[dict[str, Any]]:
        index, size = int(body.get("pageIndex") or 1), int(body.get("pageSize") or 10)
        if size > 5000 or size < 1 or index < 1:
            raise ApiError("999", "pageSize 必须在1到5000之间")
        rows = sorted(self.merchants.values(), key=lambda m: int(m["id"]))
        if body.get("code"):
            rows = [m for m in rows if m.get("code") == body["code"]]
        if body.get("pubts"):
            rows = [m for m in rows if str(m["pubts"]) >= str(body["pubts"])]
        page = rows[(index - 1) * size: index * size]
        return [{k: copy.deepcopy(v) for k, v in m.items()
                 if k not in ("merchantAddressInfos", "merchantContactInfos")} for m in page]

    def merchant_insert(self, data: Any) -> dict[str, Any]:
        if not isinstance(data, dict):
            raise ApiError(0, "data 不能为空")
        name = data.get("name")
        if not data.get("code"):
            raise ApiError(0, "客户编码不能为空!")
        if not isinstance(name, dict) or not name.get("simplifiedName"):
            raise ApiError(0, "客户名称不能为空!")
        if not data.get("createOrgCode"):
            raise ApiError(0, "管理组织不能为空!")
        if any(m.get("code") == data["code"] for m in self.merchants.values()):
            raise ApiError("999", f"客户编码[{data['code']}]已存在")
        merchant = {k: copy.deepcopy(v) for k, v in data.items() if k != "resubmitCheckKey"}
        merchant.update(id=self.new_id(), pubts=self.pubts(), stopstatus=False)
        self.merchants[merchant["id"]] = merchant
        self.on_change("YXYBASEDOC_AA_MERCHANT_INSERT", "customer", merchant)
        return {"code": "200", "success": True, "message": "操作成功",
                "data": [{"id": merchant["id"], "code": merchant["code"]}]}

    def merchant_batch_save(self, rows: Any) -> dict[str, Any]:
        if not isinstance(rows, list):
            raise ApiError("999", "data 必须是数组")
        ok, messages, infos = 0, [], []
        for row in rows:
            status = row.get("_status") if isinstance(row, dict) else None
            target = self.merchants.get(str(row.get("id"))) if status == "Update" else None
            if status != "Update" or target is None:
                messages.append(f"客户[{row.get('code') if isinstance(row, dict) else row}]"
                                f"{'不存在' if status == 'Update' else '只支持 _status=Update'}")
                continue
            target.update({k: copy.deepcopy(v) for k, v in row.items()
                           if k not in ("_status", "id")})
            target["pubts"] = self.pubts()
            ok += 1
            infos.append({"id": target["id"], "code": target.get("code")})
            self.on_change("YXYBASEDOC_AA_MERCHANT_UPDATE", "customer", target)
        return {"code": "200", "message": "操作成功",
                "data": {"count": len(rows), "sucessCount": ok, "failCount": len(rows) - ok,
                         "messages": messages, "infos": infos}}

    # -- sales orders -------------------------------------------------------------------
    def order_list(self, body: dict[str, Any]) -> dict[str, Any]:
        index, size = int(body.get("pageIndex") or 1), int(body.get("pageSize") or 10)
        if size < 1 or index < 1:
            raise ApiError(999, "pageIndex/pageSize 不合法")
        rows: list[dict[str, Any]] = []
        for order in self.orders.values():
            head = {k: copy.deepcopy(v) for k, v in order.items() if k != "orderDetails"}
            if body.get("isSum", False):
                rows.append(head)
            else:
                rows.extend(dict(head, **{f"orderDetails_{k}": v for k, v in line.items()})
                            for line in order.get("orderDetails") or [])
        if body.get("code"):
            rows = [r for r in rows if r.get("code") == body["code"]]
        for vo in body.get("simpleVOs") or []:
            rows = [r for r in rows if matches(r, vo)]
        for order_by in reversed(body.get("queryOrders") or []):
            field = str(order_by.get("field"))
            rows.sort(key=lambda r: (r.get(field) is not None, _sortable(r.get(field))),
                      reverse=str(order_by.get("order")).lower() == "desc")
        count = len(rows)
        return {"pageIndex": index, "pageSize": size, "recordCount": count,
                "pageCount": max(1, -(-count // size)),
                "recordList": rows[(index - 1) * size: index * size]}

    def order_save(self, data: Any) -> dict[str, Any]:
        if not isinstance(data, dict):
            raise ApiError("999", "data 不能为空")
        status = data.get("_status")
        if status not in ("Insert", "Update"):
            raise ApiError("999", "表头 _status 必须为 Insert 或 Update")
        lines = data.get("orderDetails")
        if lines is not None and not isinstance(lines, list):
            raise ApiError("999", "orderDetails 必须是数组")
        for n, line in enumerate(lines or [], 1):
            if not isinstance(line, dict) or line.get("_status") not in ("Insert", "Update",
                                                                          "Delete"):
                raise ApiError("999", f"第{n}行 _status 必须为 Insert、Update 或 Delete")
        if status == "Insert":
            order: dict[str, Any] = {"orderDetails": []}
        else:
            existing = self.orders.get(str(data.get("id")))
            if existing is None:
                raise ApiError("999", f"单据[{data.get('id')}]不存在")
            order = copy.deepcopy(existing)
        order.update({k: copy.deepcopy(v) for k, v in data.items()
                      if k not in ("orderDetails", "_status", "resubmitCheckKey")})
        details = {str(d["id"]): d for d in order["orderDetails"]}
        for n, line in enumerate(lines or [], 1):
            fields = {k: copy.deepcopy(v) for k, v in line.items() if k != "_status"}
            if line["_status"] == "Insert":
                fields["id"] = self.new_id()
                order["orderDetails"].append(fields)
            elif str(line.get("id")) not in details:
                raise ApiError("999", f"第{n}行订单行[{line.get('id')}]不存在")
            elif line["_status"] == "Delete":
                order["orderDetails"].remove(details[str(line["id"])])
            else:
                details[str(line["id"])].update(fields)
        for name in ("salesOrgId", "transactionTypeId", "vouchdate", "agentId"):
            if order.get(name) in (None, ""):
                raise ApiError("999", f"表头字段[{name}]不能为空")
        agent = str(order["agentId"])
        if not any(agent in (m["id"], m.get("code")) for m in self.merchants.values()):
            raise ApiError("999", f"客户[{agent}]不存在")
        if not order["orderDetails"]:
            raise ApiError("999", "订单表体不能为空")
        for n, line in enumerate(order["orderDetails"], 1):
            if line.get("productId") in (None, "") or not _positive(line.get("qty")):
                raise ApiError("999", f"第{n}行商品和数量必须填写且数量大于0")
        if status == "Insert":
            if order.get("code") in (None, ""):
                order["code"] = f"UO-{datetime.now(self.zone):%Y%m%d}{next(self._codes):06d}"
            if any(o.get("code") == order["code"] for o in self.orders.values()):
                raise ApiError("999", f"单据编号[{order['code']}]已存在")
            order["id"] = self.new_id()
            order.setdefault("nextStatus", "CONFIRMORDER")
        order["pubts"] = self.pubts()
        self.orders[order["id"]] = order
        self.on_change("SALE_SAVEORDER_NOTIFY_SENT", "sales_order", order)
        return {"code": "200", "message": "操作成功", "data": copy.deepcopy(order)}

    def order_delete(self, data: Any) -> dict[str, Any]:
        """``{"data": {"id": [...], "code": [...]}}``; id wins when both are given."""
        if not isinstance(data, dict) or not (data.get("id") or data.get("code")):
            raise ApiError("999", "id 和 code 不能同时为空")
        ids = [str(i) for i in data.get("id") or []]
        targets = ids or [o["id"] for o in self.orders.values()
                          if o.get("code") in set(data.get("code") or [])]
        ok, messages = 0, []
        for order_id in targets:
            order = self.orders.get(order_id)
            if order is None:
                messages.append(f"单据[{order_id}]不存在")
            elif order.get("nextStatus") not in (None, "CONFIRMORDER"):
                messages.append(f"单据[{order.get('code')}]已审核，不能删除")
            else:
                del self.orders[order_id]
                ok += 1
                self.on_change("SALE_DELETEORDER_NOTIFY_SENT", "sales_order", order)
        count = len(targets) or len(ids)
        return {"code": "200", "message": "操作成功",
                "data": {"count": count, "sucessCount": ok, "failCount": count - ok,
                         "messages": messages}}

    def stock_query(self, body: dict[str, Any]) -> list[dict[str, Any]]:
        rows = self.stock
        for key in ("org", "warehouse", "product"):
            if body.get(key):
                rows = [r for r in rows if body[key] in (r.get(key), r.get(f"{key}_code"))]
        if body.get("pageIndex") and body.get("pageSize"):
            index, size = int(body["pageIndex"]), int(body["pageSize"])
            rows = rows[(index - 1) * size: index * size]
        return copy.deepcopy(rows)


def _positive(value: Any) -> bool:
    try:
        return float(value) > 0
    except (TypeError, ValueError):
        return False


def _sortable(value: Any) -> Any:
    if isinstance(value, str) and value.isdigit():
        return value.zfill(24)
    return "" if value is None else value
