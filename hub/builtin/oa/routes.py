"""The approver's action: approve or reject the current step of an approval."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Depends

from hub.builtin.common.auth import require_token
from hub.builtin.common.errors import ApiError, not_found, rule
from hub.builtin.common.product import Product, represent_row
from hub.builtin.common.routes import RecordId
from hub.builtin.oa.models import Decision


def oa_routes(product: Product) -> APIRouter:
    router = APIRouter(dependencies=[Depends(require_token)])

    def decide(record_id: int, step: int, decision: Decision,
               verdict: Literal["approved", "rejected"]) -> dict[str, Any]:
        with product.writing() as writer:
            approvals = writer.res("approvals")
            row = writer.by_id(approvals, record_id)
            doc = {**row.data, "steps": [dict(s) for s in row.data["steps"]]}
            if not 1 <= step <= len(doc["steps"]):
                raise not_found(f"approvals {record_id} step", step)
            if doc["status"] != "pending":
                raise rule(f"approval {doc['form_no']} is already {doc['status']}")
            if step != doc["current_step"]:
                raise rule(f"step {step} of approval {doc['form_no']} is not the current "
                           f"step (step {doc['current_step']} is)")
            target = doc["steps"][step - 1]
            if decision.approver != target["approver"]:
                raise ApiError(403, "forbidden", f"only {target['approver']} can decide step "
                                                 f"{step} of approval {doc['form_no']}")
            target.update(decision=verdict, comment=decision.comment,
                          decided_at=writer.now.isoformat().replace("+00:00", "Z"))
            approvals.derive(doc)
            stored, _ = writer.save_doc(approvals, doc, row)
            return represent_row(stored)

    @router.post("/approvals/{record_id}/steps/{step}/approve", tags=["approvals"],
                 summary="The current approver approves this step")
    def approve(record_id: RecordId, step: int, decision: Decision) -> dict[str, Any]:
        return decide(record_id, step, decision, "approved")

    @router.post("/approvals/{record_id}/steps/{step}/reject", tags=["approvals"],
                 summary="The current approver rejects this step (and the request)")
    def reject(record_id: RecordId, step: int, decision: Decision) -> dict[str, Any]:
        return decide(record_id, step, decision, "rejected")

    return router
