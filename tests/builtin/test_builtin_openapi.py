"""Each product's OpenAPI document is valid OpenAPI 3, and the product keeps to it.

A bounded, deterministic schemathesis run per product and backend: the fuzzed
operations (see ``SAMPLE``) get generated requests (derandomized, no example
database) sent through a TestClient, and every response must be no 5xx and match
the documented schema. Failures are collected and reported together, each with the
request that caused it. Its first run found ids and offsets beyond 32 bits reaching
the database driver (a 500); those and the related fixes have exact regression tests
in ``test_api.py``.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator
from typing import Any

import jsonschema_rs
import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.strategies import SearchStrategy
from schemathesis.checks import not_a_server_error
from schemathesis.generation.case import Case
from schemathesis.schemas import APIOperation
from schemathesis.specs.openapi.checks import response_schema_conformance

from builtin.support import AUTH

APPS = ("crm", "erp", "oa")
GENERIC = re.compile(r"^/(?P<resource>[a-z-]+)"
                     r"(/by-key/\{key\}|/\{record_id\}|/\{subscription_id\}|/batch-upsert)?$")
SHARED = {"changes", "webhook-subscriptions"}
SAMPLE = ("erp", {"customers", *SHARED})
"""Which operations are fuzzed. The generic routes (CRUD, batch, feed, webhooks)
are one code path for every resource of every product, only the model differs,
and the cost is per operation (~0.2 s to build and first draw a strategy), so all
of them are fuzzed for the ERP's customers, feed and webhooks; for every other
resource only the create, where its model's validators and its product's rules
run. Routes that are not generic (tracking events, approval steps) always are."""
MODEL_BODY_EXAMPLES = 10
OTHER_EXAMPLES = 3
"""Requests per operation: operations whose body is a product model get the most;
the rest (ids, keys, paging, free-form patches and batches) get a few each."""
BASE = "http://testserver"

FUZZ = settings(derandomize=True, database=None, deadline=None,
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=list(HealthCheck))
"""Same requests on every run; no shrinking (failures are recorded, not raised)."""


@pytest.fixture
def unserved_client(builtin_database_url: str, builtin_app: FastAPI) -> Iterator[TestClient]:
    """The products without their lifespan: no webhook workers, so subscriptions the
    fuzzer creates (to generated, non-loopback URLs) are never delivered to."""
    client = TestClient(builtin_app, headers=AUTH)
    yield client
    client.close()


def _document(client: TestClient, app: str) -> dict[str, Any]:
    response = client.get(f"/{app}/openapi.json")
    assert response.status_code == 200
    document: dict[str, Any] = response.json()
    return document


def _fuzzed(app: str, path: str, method: str) -> bool:
    generic = GENERIC.match(path)
    if generic is None:
        return True
    resource = generic["resource"]
    if app == SAMPLE[0] and resource in SAMPLE[1]:
        return True
    return method.upper() == "POST" and path == f"/{resource}" and resource not in SHARED


def _examples(document: dict[str, Any], path: str, method: str) -> int:
    body = document["paths"][path][method.lower()].get("requestBody", {})
    schema = body.get("content", {}).get("application/json", {}).get("schema", {})
    return MODEL_BODY_EXAMPLES if "$ref" in schema else OTHER_EXAMPLES


def _send(client: TestClient, case: Case, app: str) -> Any:
    request = case.as_transport_kwargs(base_url=f"{BASE}/{app}")
    body: dict[str, Any] = {}
    if "json" in request:
        body["json"] = request["json"]
    elif request.get("data") is not None:
        body["content"] = request["data"]
    return client.request(request["method"], request["url"], params=request.get("params"),
                          headers=request.get("headers"), **body)


@pytest.mark.parametrize("app", APPS)
def test_the_document_is_valid_openapi_3(unserved_client: TestClient, app: str) -> None:
    document = _document(unserved_client, app)
    assert document["openapi"].startswith("3.")
    assert document["servers"] == [{"url": f"/{app}"}]
    schema = schemathesis.openapi.from_dict(document)
    schema.validate()
    operations = [result.ok() for result in schema.get_all_operations()]
    assert {"/changes", "/webhook-subscriptions"} <= {op.path for op in operations}

    broken = copy.deepcopy(document)
    broken["paths"]["/changes"]["get"]["responses"] = "none"
    with pytest.raises(jsonschema_rs.ValidationError, match="is not of type"):
        schemathesis.openapi.from_dict(broken).validate()


_STRATEGIES: dict[str, tuple[dict[str, Any], list[tuple[APIOperation, SearchStrategy[Case]]]]] = {}


def _strategies(app: str, document: dict[str, Any]) -> list[tuple[APIOperation,
                                                                  SearchStrategy[Case]]]:
    """The fuzzed operations and their strategies, built once per document: building
    and first drawing a strategy is most of the cost, and both backends serve the
    same document."""
    cached = _STRATEGIES.get(app)
    if cached is None or cached[0] != document:
        schema = schemathesis.openapi.from_dict(document)
        operations = [op for op in (result.ok() for result in schema.get_all_operations())
                      if _fuzzed(app, op.path, op.method)]
        cached = _STRATEGIES[app] = (document, [(op, op.as_strategy()) for op in operations])
    return cached[1]


@pytest.mark.parametrize("app", APPS)
def test_generated_requests_get_no_5xx_and_documented_responses(
        unserved_client: TestClient, app: str) -> None:
    client = unserved_client
    document = _document(client, app)
    failures: list[str] = []
    calls = 0

    operations = _strategies(app, document)
    for operation, strategy in operations:

        @given(case=strategy)
        @settings(FUZZ, max_examples=_examples(document, operation.path, operation.method))
        def fuzz(case: Case) -> None:
            nonlocal calls
            calls += 1
            try:
                response = _send(client, case, app)
                case.validate_response(
                    response, checks=[not_a_server_error, response_schema_conformance])
            except Exception as exc:  # collected: every failing operation is reported
                failures.append(f"{case.method} {case.formatted_path} {case.query or ''} "
                                f"{case.body!r:.200}: {type(exc).__name__}: {exc!s:.500}")

        fuzz()

    assert failures == []
    assert calls >= len(operations)  # every operation was sent requests
