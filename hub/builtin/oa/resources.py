"""OA resources: an approval's steps and status are the OA's own, derived from the
approver chain and the decisions taken through the step endpoints."""

from __future__ import annotations

from hub.builtin.common.errors import rule
from hub.builtin.common.product import Product, Writer
from hub.builtin.common.resource import Doc, Resource
from hub.builtin.oa import models


class Approvals(Resource):
    name = "approvals"
    model = models.ApprovalForm
    key_fields = ("form_no",)
    ref_field = "ref_doc"
    server_defaults = {"steps": []}
    sequential = True
    description = "Approval requests decided step by step by an approver chain."

    def build(self, writer: Writer, doc: Doc, current: Doc | None) -> Doc:
        decided = [s for s in (current["steps"] if current else []) if s["decision"] != "pending"]
        for index, step in enumerate(decided):
            if index >= len(doc["approvers"]) or doc["approvers"][index] != step["approver"]:
                raise rule(f"approval {doc['form_no']}: step {index + 1} was already decided "
                           f"by {step['approver']}; the chain cannot change there")
        doc["steps"] = decided + [
            {"step": i + 1, "approver": name, "decision": "pending", "decided_at": None,
             "comment": None}
            for i, name in enumerate(doc["approvers"]) if i >= len(decided)]
        self.derive(doc)
        return doc

    def derive(self, doc: Doc) -> None:
        decisions = [s["decision"] for s in doc["steps"]]
        if "rejected" in decisions:
            doc["status"] = "rejected"
        elif all(d == "approved" for d in decisions):
            doc["status"] = "approved"
        else:
            doc["status"] = "pending"
        pending = [s for s in doc["steps"] if s["decision"] == "pending"]
        current = pending[0] if doc["status"] == "pending" else None
        doc["current_step"] = current["step"] if current else None
        doc["current_approver"] = current["approver"] if current else None


class WorkOrders(Resource):
    name = "work_orders"
    model = models.WorkOrder
    key_fields = ("wo_no",)
    ref_field = "ref_doc"
    description = "Work orders assigned to a person."


def make_oa() -> Product:
    return Product("oa", "TradeHub reference OA", [Approvals(), WorkOrders()])
