"""Which Kingdee form backs each hub entity, and how its fields come back from a query.

A record's ``data`` is Kingdee's own Save-model shape (``FNumber``, ``FName``, base-data
references as ``{"FNumber": ...}``, entry rows as a list under the entry key), so the
same mapping file reads what the connector returns and writes what Save accepts.
ExecuteBillQuery returns flat field keys; each ``Field`` says where its value sits in
that shape. Integrators add their own fields (``F_xxx_Custom``) through the config's
``extra_fields``.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Field:
    key: str
    """The ExecuteBillQuery field key, e.g. ``FCustId.FNumber``."""
    path: tuple[str, ...] = ()
    """Where the value sits in the Save model; default: the dotted key split."""

    @property
    def model_path(self) -> tuple[str, ...]:
        return self.path or tuple(self.key.split("."))


def fields(*keys: str | Field) -> tuple[Field, ...]:
    return tuple(k if isinstance(k, Field) else Field(k) for k in keys)


@dataclass(frozen=True)
class Entry:
    """A document's entry (line) table, e.g. FSaleOrderEntry keyed by FEntryID."""

    name: str
    fields: tuple[Field, ...]
    key: str = "FEntryID"

    @property
    def query_key(self) -> str:
        return f"{self.name}_{self.key}"


@dataclass(frozen=True)
class Form:
    entity: str
    form_id: str
    pk: str
    number: str
    fields: tuple[Field, ...]
    modify_field: str = "FModifyDate"
    entry: Entry | None = None
    writable: bool = False
    extra: tuple[str, ...] = field(default=())

    def head_fields(self) -> tuple[Field, ...]:
        base = (Field(self.pk), Field(self.number), Field(self.modify_field))
        seen = {f.key for f in base}
        out = list(base)
        for f in (*self.fields, *fields(*self.extra)):
            if f.key not in seen:
                seen.add(f.key)
                out.append(f)
        return tuple(out)


FORMS: dict[str, Form] = {
    f.entity: f for f in (
        Form("customer", "BD_Customer", "FCUSTID", "FNumber", fields(
            "FName", "FShortName", "FCOUNTRY.FNumber", "FADDRESS", "FTEL", "FFAX",
            "FTRADINGCURRID.FNumber", "FCreateOrgId.FNumber", "FUseOrgId.FNumber",
            "FDocumentStatus", "FForbidStatus"), writable=True),
        Form("product", "BD_MATERIAL", "FMATERIALID", "FNumber", fields(
            "FName", "FSpecification", "FDescription", "FMaterialGroup.FNumber",
            "FCreateOrgId.FNumber", "FUseOrgId.FNumber", "FDocumentStatus",
            "FForbidStatus"), writable=True),
        Form("sales_order", "SAL_SaleOrder", "FID", "FBillNo", fields(
            "FDate", "FBillTypeID.FNumber", "FCustId.FNumber", "FSaleOrgId.FNumber",
            "FSalerId.FNumber", "FNote", "FDocumentStatus",
            Field("FSettleCurrId.FNumber", ("FSaleOrderFinance", "FSettleCurrId", "FNumber")),
            Field("FExchangeRate", ("FSaleOrderFinance", "FExchangeRate"))),
            entry=Entry("FSaleOrderEntry", fields(
                "FMaterialId.FNumber", "FQty", "FPrice", "FTaxPrice", "FEntryTaxRate",
                "FDeliveryDate", "FEntryNote")),
            writable=True),
        Form("inventory", "STK_Inventory", "FID", "FMaterialId.FNumber", fields(
            "FStockId.FNumber", "FStockOrgId.FNumber", "FLot.FNumber", "FBaseQty", "FQty",
            "FBaseAvbQty"), modify_field="FUpdateTime"),
        Form("shipment", "SAL_OUTSTOCK", "FID", "FBillNo", fields(
            "FDate", "FCustomerID.FNumber", "FSaleOrgId.FNumber", "FCarriageNO",
            "FDocumentStatus",
            Field("FAllAmount", ("SubHeadEntity", "FAllAmount"))),
            entry=Entry("FEntity", fields("FMaterialID.FNumber", "FRealQty",
                                          "FSoorDerno"))),
        Form("payment", "AR_RECEIVEBILL", "FID", "FBillNo", fields(
            "FDate", "FCONTACTUNIT.FNumber", "FCURRENCYID.FNumber", "FRECEIVEAMOUNT",
            "FRECAMOUNTFOR", "FDocumentStatus")),
    )
}


def put(target: dict[str, object], path: tuple[str, ...], value: object) -> None:
    """Set ``value`` at ``path`` in a nested dict, creating the dicts on the way."""
    node = target
    for part in path[:-1]:
        child = node.get(part)
        if not isinstance(child, dict):
            child = {}
            node[part] = child
        node = child
    node[path[-1]] = value


def get(source: dict[str, object], path: tuple[str, ...]) -> object:
    node: object = source
    for part in path:
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node
