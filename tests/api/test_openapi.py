"""The OpenAPI document is complete and true: schemathesis finds no 5xx and no response
that violates the schema, on every operation (bounded examples, SQLite store)."""

from __future__ import annotations

import tempfile
from pathlib import Path

import schemathesis
from schemathesis import checks
from fastapi import FastAPI
from hypothesis import HealthCheck, settings
from schemathesis.core.transport import Response
from schemathesis.generation.case import Case

from api_support import ADMIN, api_settings, hub_config, hub_settings
from hub.api.app import create_app
from hub.store.db import session_factory
from hub.store.migrate import create_store_engine
from hub.sync.context import SyncContext


def _app_on_a_fresh_store() -> FastAPI:
    """Built at import: schemathesis parametrizes tests from the schema at collection."""
    folder = Path(tempfile.mkdtemp(prefix="tradehub-openapi-"))
    engine = create_store_engine(f"sqlite:///{folder / 'hub.db'}")
    ctx = SyncContext(config=hub_config(), sessions=session_factory(engine))
    return create_app(ctx, settings=hub_settings(), api_settings=api_settings())


CHECKS = [checks.not_a_server_error, checks.status_code_conformance,
          checks.content_type_conformance, checks.response_schema_conformance,
          checks.response_headers_conformance]
"""No 5xx and nothing the document does not promise. Request-strictness checks
(``negative_data_rejection``: unknown query parameters are ignored, as in most APIs;
``positive_data_acceptance``: a schema-valid subscription URL can still be refused by the
address guard) are not promises this API makes."""

schema = schemathesis.openapi.from_asgi("/openapi.json", _app_on_a_fresh_store())


@schema.parametrize()
@settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_conforms_to_its_openapi_document(case: Case) -> None:
    response: Response = case.call_and_validate(headers=ADMIN, checks=CHECKS)
    assert response.status_code < 500


def test_every_operation_documents_its_problems() -> None:
    document = create_app(None, settings=hub_settings(),
                          api_settings=api_settings()).openapi()
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            if path.startswith("/admin"):
                assert "401" in responses, (method, path)
            if path.startswith("/admin") and operation.get("parameters"):
                assert "422" in responses, (method, path)
            assert any(code.startswith("2") for code in responses), (method, path)
