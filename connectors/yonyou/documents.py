"""Which YonBIP list and detail APIs hold each readable document, and how to page them.

Every incrementally read entity has a list API (heads, filtered by ``pubts``) and a
detail API (``GET ...?id=``, the whole document with its lines); only the body shapes
differ. Sources, beyond shared/protocols.md §2.1 (id:N = a file in the public code
index, as in protocols.md):

- Sales-out (销售出库单), read as ``shipment``. VERIFIED: ``POST /yonbip/scm/salesout/list``
  with ``pageIndex``, ``pageSize``, ``code``, ``isSum`` and a flat ``simpleVOs`` list of
  ``{field, op, value1, value2}`` whose documented fields include ``pubts``; ops include
  ``egt``; reply ``data.recordList/pageCount`` (official doc text, id:52646759425).
  ``GET /yonbip/scm/salesout/detail?id=`` with ``details[]`` lines, ``srcBillNO``,
  ``srcBillType`` (2 = sales order), ``iLogisticId_name`` (carrier), ``cLogisticsBillNo``
  (waybill), errors ``1002 数据不存在`` / ``999 单据未找到`` (id:55057971710). Callers in
  public scripts use the same list path and body (id:46583601187, id:27685678835).
- Receipt bill (收款单), read as ``payment``. VERIFIED: ``POST /yonbip/fi/receivebill/list/v2``
  with ``pageIndex``, ``pageSize``, ``code``, ``isSum`` (true = heads only) and a nested
  ``simpleVOs: [{logicOp, conditions: [{field, op, value1, value2}]}]``; reply
  ``data.recordList`` with ``code, orderno, vouchdate, oriSum, natSum, exchRate, pubts``,
  envelope code as a number (``"code": 200``) and ``pageCount`` possibly ``""``
  (id:55369575633; the older ``/receivebill/list``, "即将废弃", id:55059480105; a public
  script calling ``list/v2``, id:27303646184). ``GET /yonbip/fi/receivebill/detail?id=``
  with ``customer_code``, ``currency_name``, ``natCurrency_name``, ``settlemode_name``,
  ``status`` (0 open, 1 audited, 2 closed, 3 in approval), lines ``ReceiveBill_b[]``;
  a missing bill answers ``999 该单据已经被删除或者没有权限`` (id:55132788918).
  UNVERIFIED: that ``pubts`` is accepted as a ``conditions`` field of ``list/v2`` (the
  doc names no condition fields; ``pubts`` is a documented column of the reply).
  Not used: the newer finance-cloud ``/yonbip/EFI/collection/list`` seen only in one
  public client (id:53329541660), with no doc text in the index.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

FAR_FUTURE = "9999-12-31 23:59:59"

Body = dict[str, Any]


def _int(value: object) -> int | None:
    try:
        return int(str(value))
    except ValueError:
        return None


@dataclass(frozen=True)
class DocumentApi:
    """One document type: where to list and fetch it, and the body dialect of its list."""

    entity: str
    list_path: str
    detail_path: str
    body: Callable[[int, int, str | None, Mapping[str, Any]], Body]
    by_code: Callable[[str], Body]
    bare_list: bool = False          # the reply's data is the row array itself
    gone_messages: tuple[str, ...] = field(default=())   # 999 texts meaning "not there"

    def rows(self, data: Any) -> list[dict[str, Any]]:
        if self.bare_list:
            return list(data or [])
        return list((data or {}).get("recordList") or [])

    def more(self, data: Any, rows: list[dict[str, Any]], page: int, size: int) -> bool:
        """A full page means more, unless the reply's page count says this was the last."""
        if len(rows) < size:
            return False
        count = None if self.bare_list else _int((data or {}).get("pageCount"))
        return count is None or page < count


def _merchant_body(page: int, size: int, since: str | None, extra: Mapping[str, Any]) -> Body:
    body: Body = {"pageIndex": page, "pageSize": size, **extra}
    if since:
        body["pubts"] = since
    return body


def _order_body(page: int, size: int, since: str | None, extra: Mapping[str, Any]) -> Body:
    body: Body = {"pageIndex": page, "pageSize": size, "isSum": True,
                  "simpleVOs": list(extra.get("simpleVOs", [])),
                  "queryOrders": [{"field": "pubts", "order": "asc"},
                                  {"field": "id", "order": "asc"}]}
    if since:
        body["simpleVOs"].append({"field": "pubts", "op": "between", "value1": since,
                                  "value2": FAR_FUTURE})
    return body


def _salesout_body(page: int, size: int, since: str | None, extra: Mapping[str, Any]) -> Body:
    """Heads only (``isSum``); the list documents no ``queryOrders``, so none is sent."""
    body: Body = {"pageIndex": page, "pageSize": size, "isSum": True, "simpleVOs": [], **extra}
    if since:
        body["simpleVOs"] = [{"field": "pubts", "op": "egt", "value1": since}]
    return body


def _receivebill_body(page: int, size: int, since: str | None,
                      extra: Mapping[str, Any]) -> Body:
    body: Body = {"pageIndex": page, "pageSize": size, "isSum": True, **extra}
    if since:   # UNVERIFIED: pubts as a condition field (see the module docstring)
        body["simpleVOs"] = [{"logicOp": "and", "conditions": [
            {"field": "pubts", "op": "egt", "value1": since}]}]
    return body


DOCUMENTS: dict[str, DocumentApi] = {api.entity: api for api in (
    DocumentApi("customer", "/yonbip/digitalModel/merchant/newlist",
                "/yonbip/digitalModel/merchant/detail", _merchant_body,
                lambda code: {"code": code}, bare_list=True),
    DocumentApi("sales_order", "/yonbip/sd/voucherorder/list", "/yonbip/sd/voucherorder/detail",
                _order_body, lambda code: {"simpleVOs": [
                    {"field": "code", "op": "eq", "value1": code}]}),
    DocumentApi("shipment", "/yonbip/scm/salesout/list", "/yonbip/scm/salesout/detail",
                _salesout_body, lambda code: {"code": code}, gone_messages=("单据未找到",)),
    DocumentApi("payment", "/yonbip/fi/receivebill/list/v2", "/yonbip/fi/receivebill/detail",
                _receivebill_body, lambda code: {"code": code},
                gone_messages=("已经被删除",)),
)}
