"""ERP actions beyond CRUD: appending a carrier's tracking event to a shipment."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends

from hub.builtin.common.auth import require_token
from hub.builtin.common.product import Product, represent_row
from hub.builtin.common.routes import RecordId
from hub.builtin.erp.models import NewTrackingEvent


def erp_routes(product: Product) -> APIRouter:
    router = APIRouter(dependencies=[Depends(require_token)])

    @router.post("/shipments/{record_id}/events", tags=["shipments"],
                 summary="Append a tracking event; the shipment takes its status (and ETA)")
    def add_event(record_id: RecordId, event: NewTrackingEvent) -> dict[str, Any]:
        with product.writing() as writer:
            shipments = writer.res("shipments")
            row = writer.by_id(shipments, record_id)
            data = shipments.writable_part(row.data)
            data["events"] = [*data["events"], event.model_dump(mode="json", exclude={"eta"})]
            data["status"] = event.status
            if event.eta is not None:
                data["eta"] = event.model_dump(mode="json")["eta"]
            stored, _ = writer.save(shipments, shipments.model.model_validate(data), row)
            return represent_row(stored)

    return router
