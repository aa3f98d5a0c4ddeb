"""OA approvals are decided step by step, by the current approver only."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

FORM = {"form_no": "OA-1", "form_type": "purchase_request", "title": "Buy 200 LED bulbs",
        "applicant": "li.wei", "ref_doc": "PR-SO-1-10", "amount": "1420", "currency": "CNY",
        "approvers": ["zhao.lei", "sun.hong"]}


def _decide(client: TestClient, record_id: int, step: int, verdict: str,
            approver: str) -> Any:
    return client.post(f"/oa/approvals/{record_id}/steps/{step}/{verdict}",
                       json={"approver": approver, "comment": "ok"})


def test_the_chain_approves_in_order(client: TestClient) -> None:
    form = client.post("/oa/approvals", json=FORM).json()
    assert (form["status"], form["current_step"], form["current_approver"]) == (
        "pending", 1, "zhao.lei")
    assert [s["decision"] for s in form["steps"]] == ["pending", "pending"]

    out_of_turn = _decide(client, form["id"], 2, "approve", "sun.hong")
    assert out_of_turn.status_code == 409
    assert out_of_turn.json() == {"error": "rule_violation", "message":
                                  "step 2 of approval OA-1 is not the current step (step 1 is)"}
    impostor = _decide(client, form["id"], 1, "approve", "sun.hong")
    assert impostor.status_code == 403
    assert impostor.json() == {"error": "forbidden",
                               "message": "only zhao.lei can decide step 1 of approval OA-1"}

    first = _decide(client, form["id"], 1, "approve", "zhao.lei").json()
    assert (first["status"], first["current_approver"]) == ("pending", "sun.hong")
    assert first["steps"][0]["decision"] == "approved"
    assert first["steps"][0]["decided_at"] is not None
    final = _decide(client, form["id"], 2, "approve", "sun.hong").json()
    assert (final["status"], final["current_step"], final["current_approver"]) == (
        "approved", None, None)

    late = _decide(client, form["id"], 2, "reject", "sun.hong")
    assert late.status_code == 409
    assert late.json() == {"error": "rule_violation", "message": "approval OA-1 is already approved"}


def test_a_rejection_ends_the_request(client: TestClient) -> None:
    form = client.post("/oa/approvals", json=FORM).json()
    rejected = _decide(client, form["id"], 1, "reject", "zhao.lei").json()
    assert rejected["status"] == "rejected"
    assert [s["decision"] for s in rejected["steps"]] == ["rejected", "pending"]


def test_a_decided_step_cannot_be_rewritten_by_an_update(client: TestClient) -> None:
    form = client.post("/oa/approvals", json=FORM).json()
    _decide(client, form["id"], 1, "approve", "zhao.lei")
    kept = client.patch(f"/oa/approvals/{form['id']}", json={"title": "Buy 250 LED bulbs"}).json()
    assert kept["steps"][0]["decision"] == "approved"
    changed = client.patch(f"/oa/approvals/{form['id']}", json={"approvers": ["ceo.liu"]})
    assert changed.status_code == 409
    assert changed.json() == {"error": "rule_violation", "message":
                              "approval OA-1: step 1 was already decided by zhao.lei; the chain "
                              "cannot change there"}
    missing = _decide(client, form["id"], 7, "approve", "zhao.lei")
    assert missing.status_code == 404
    assert missing.json() == {"error": "not_found",
                              "message": f"approvals {form['id']} step 7 does not exist"}
