"""Stock movements: reservations for confirmed orders, goods in transit, receipts.

Every movement rewrites the inventory document through the writer, so the change
feed (and the CRM's stock view, through the hub) sees each one.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from hub.builtin.common.errors import rule
from hub.builtin.common.product import Writer
from hub.builtin.common.resource import Doc
from hub.builtin.common.types import number
from sqlalchemy import select


def dec(value: Any) -> Decimal:
    return Decimal(str(value))


def adjust(writer: Writer, sku: str, wh_code: str, *, on_hand: Decimal = Decimal(0),
           reserved: Decimal = Decimal(0), in_transit: Decimal = Decimal(0)) -> None:
    """Move stock of one product in one warehouse (creating the row at zero)."""
    inventory = writer.res("inventory")
    row = writer.by_key(inventory, f"{sku}@{wh_code}")
    doc: Doc = dict(row.data) if row is not None else {
        "sku": sku, "wh_code": wh_code, "on_hand": 0, "in_transit": 0, "bin_location": None,
        "reserved": 0}
    for field, delta in (("on_hand", on_hand), ("reserved", reserved),
                         ("in_transit", in_transit)):
        doc[field] = number(max(dec(doc[field]) + delta, Decimal(0)))
    inventory.derive(doc)
    writer.save_doc(inventory, doc, row)


def warehouses(writer: Writer) -> dict[str, Doc]:
    table = writer.res("warehouses").table
    rows = writer.session.execute(select(table.key, table.data)
                                  .where(table.archived.is_(False)).order_by(table.key))
    return {r.key: r.data for r in rows}


def default_warehouse(writer: Writer, preferred: str | None) -> str:
    known = warehouses(writer)
    if preferred is not None:
        if preferred not in known:
            raise rule(f"warehouse '{preferred}' does not exist")
        return preferred
    for code, doc in known.items():
        if not doc.get("overseas"):
            return code
    raise rule("the ERP has no domestic warehouse to receive goods into")


def totals(reservations: Iterable[Doc]) -> dict[tuple[str, str], Decimal]:
    summed: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for r in reservations:
        summed[(r["sku"], r["wh_code"])] += dec(r["qty"])
    return summed


def plan(writer: Writer, lines: list[Doc], held: list[Doc]) -> tuple[list[Doc], list[Doc]]:
    """Reservations and shortages for ``lines``, counting stock the order already holds.

    Domestic warehouses are used in code order; an overseas warehouse only when a
    line names it.
    """
    inventory = writer.res("inventory")
    own = totals(held)
    known = warehouses(writer)
    available: dict[tuple[str, str], Decimal] = {}
    for sku in {line["sku"] for line in lines}:
        for row in writer.by_ref(inventory, sku):
            if row.archived:
                continue
            free = dec(row.data["on_hand"]) - dec(row.data["reserved"])
            available[(sku, row.data["wh_code"])] = free + own.get((sku, row.data["wh_code"]), 0)
    reservations: list[Doc] = []
    shortages: list[Doc] = []
    for line in lines:
        need = dec(line["qty"])
        order = [line["wh_code"]] if line.get("wh_code") else []
        order += [c for c, w in known.items() if not w.get("overseas") and c not in order]
        for wh_code in order:
            take = min(need, available.get((line["sku"], wh_code), Decimal(0)))
            if take > 0:
                reservations.append({"line_key": line["line_key"], "sku": line["sku"],
                                     "wh_code": wh_code, "qty": number(take)})
                available[(line["sku"], wh_code)] -= take
                need -= take
        if need > 0:
            shortages.append({"line_key": line["line_key"], "sku": line["sku"],
                              "qty": number(need)})
    return reservations, shortages


def apply_reservations(writer: Writer, before: list[Doc], after: list[Doc], *,
                       consume: bool) -> None:
    """Move ``reserved`` from the old reservations to the new; ``consume`` ships the
    old ones (they leave on_hand too)."""
    old, new = totals(before), totals(after)
    for sku, wh_code in sorted(set(old) | set(new)):
        delta = new.get((sku, wh_code), Decimal(0)) - old.get((sku, wh_code), Decimal(0))
        shipped = old.get((sku, wh_code), Decimal(0)) if consume else Decimal(0)
        if delta or shipped:
            adjust(writer, sku, wh_code, reserved=delta, on_hand=-shipped)
