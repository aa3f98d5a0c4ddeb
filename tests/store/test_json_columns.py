"""JSON columns take a document already encoded (``Encoded``) as the object it encodes."""

from __future__ import annotations

from sqlalchemy import Engine, select

from hub.store.base import Encoded, JsonColumn, utcnow
from hub.store.db import json_dumps, session_factory, transaction
from hub.store.tables import CanonicalState, RecordHash
from hub.store.upsert import write_many

DOC = {"name": "ACME 有限公司", "tags": ["led", "importer"], "credit_limit": "25000.5"}


def test_an_encoded_document_reads_back_as_the_object_not_a_string(store_engine: Engine) -> None:
    factory = session_factory(store_engine)
    encoded = Encoded(json_dumps(DOC))
    with transaction(factory) as session:
        write_many(session, CanonicalState.__table__, [        # the checkpoint's bulk path
            {"entity": "customer", "hub_id": "h1", "natural_key": "C-1", "data": encoded,
             "updated_at": utcnow()}], keys=("entity", "hub_id"))
        session.add(RecordHash(entity="customer", hub_id="h1", system="crm",   # the ORM's
                               hash="x" * 64, snapshot=encoded))
    with factory() as session:
        assert session.scalars(select(CanonicalState.data)).one() == DOC
        assert session.scalars(select(RecordHash.snapshot)).one() == DOC


def test_the_columns_storing_one_encoded_document_bind_one_plain_string(
        store_engine: Engine) -> None:
    """A checkpoint stores the golden record in up to three columns. The driver turns
    each string object it binds into UTF-8 once and keeps that on the object, so all
    three must get the same plain ``str`` (a copy per bind would convert the document
    three times)."""
    bind = JsonColumn().dialect_impl(store_engine.dialect).bind_processor(store_engine.dialect)
    encoded = Encoded(json_dumps(DOC))
    first, second = bind(encoded), bind(encoded)
    assert type(first) is str
    assert first is second is encoded.text
