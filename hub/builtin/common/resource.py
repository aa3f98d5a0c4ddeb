"""How a product declares a resource: its model, natural key, server-owned fields, rules.

A resource is declared by class attributes plus three hooks, so each product module
says only what is particular to it; storage, the feed, batch upserts and the routes
are shared.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import BaseModel

if TYPE_CHECKING:
    from hub.builtin.common.product import Writer

Doc = dict[str, Any]
"""A stored record in the product's own JSON shape (without id and timestamps)."""


class Resource:
    name: ClassVar[str]
    """Feed resource name and table suffix, e.g. ``sales_orders`` (URL: ``sales-orders``)."""
    model: ClassVar[type[BaseModel]]
    """What a client may write; anything else in a stored record is the product's."""
    key_fields: ClassVar[tuple[str, ...]]
    """Natural key; several fields are joined with '@' (``LED-9W@SH-01``)."""
    ref_field: ClassVar[str | None] = None
    """One more indexed field, for lookups such as payments of an order."""
    server_defaults: ClassVar[Mapping[str, Any]] = {}
    """Server-owned fields and their initial values; writes never overwrite them."""
    references: ClassVar[Mapping[str, str]] = {}
    """Field → resource whose natural key it must name (unknown → refused item)."""
    writable: ClassVar[bool] = True
    sequential: ClassVar[bool] = False
    """True when writes have side effects, so batch items are written one by one."""
    description: ClassVar[str] = ""

    table: type[Any]

    @property
    def path(self) -> str:
        return self.name.replace("_", "-")

    @property
    def key_param(self) -> str:
        return self.key_fields[0] if len(self.key_fields) == 1 else "key"

    def key_of(self, data: Mapping[str, Any]) -> str:
        fields = self.key_fields
        if len(fields) == 1:            # most resources: a batch upsert asks twice an item
            return str(data[fields[0]]).strip()
        return "@".join(str(data[f]).strip() for f in fields)

    def ref_of(self, data: Mapping[str, Any]) -> str | None:
        if self.ref_field is None:
            return None
        value = data.get(self.ref_field)
        return None if value is None else str(value)

    def writable_part(self, doc: Mapping[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in doc.items() if k in self.model.model_fields}

    def build(self, writer: Writer, doc: Doc, current: Doc | None) -> Doc:
        """The record to store for a validated item (``doc``: its JSON dump, ours to
        change) given the stored one (``None``: new)."""
        for field, default in self.server_defaults.items():
            doc[field] = current.get(field, default) if current is not None else default
        self.derive(doc)
        return doc

    def derive(self, doc: Doc) -> None:
        """Fill computed fields (totals, available stock) in place."""

    def check(self, writer: Writer, doc: Doc, before: Doc | None) -> None:
        """Raise ``ApiError`` when a business rule refuses the change."""

    def after(self, writer: Writer, record_id: int, doc: Doc, before: Doc | None) -> None:
        """Side effects of a stored change (reservations, receivables...)."""

    def after_remove(self, writer: Writer, doc: Doc) -> None:
        """Side effects of archiving or deleting a record."""
