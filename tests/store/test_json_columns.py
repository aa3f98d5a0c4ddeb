"""JSON columns take a document already encoded (``Encoded``) as the object it encodes."""

from __future__ import annotations

from decimal import Decimal

import orjson
import pytest
from sqlalchemy import Engine, select, text

from hub.store.base import Encoded, JsonColumn, utcnow
from hub.store.db import json_bytes, session_factory, transaction
from hub.store.tables import CanonicalState, RecordHash
from hub.store.upsert import write_many

DOC = {"name": "ACME 有限公司", "tags": ["led", "importer"], "credit_limit": "25000.5"}


def _store_encoded(store_engine: Engine, encoded: Encoded) -> None:
    with transaction(session_factory(store_engine)) as session:
        write_many(session, CanonicalState.__table__, [        # the checkpoint's bulk path
            {"entity": "customer", "hub_id": "h1", "natural_key": "C-1", "data": encoded,
             "updated_at": utcnow()}], keys=("entity", "hub_id"))
        session.add(RecordHash(entity="customer", hub_id="h1", system="crm",   # the ORM's
                               hash="x" * 64, snapshot=encoded))


def test_an_encoded_document_reads_back_as_the_object_not_a_string(store_engine: Engine) -> None:
    _store_encoded(store_engine, Encoded(json_bytes(DOC)))
    with session_factory(store_engine)() as session:
        assert session.scalars(select(CanonicalState.data)).one() == DOC
        assert session.scalars(select(RecordHash.snapshot)).one() == DOC


def test_an_encoded_document_is_bound_as_its_bytes_and_stored_as_text(
        store_engine: Engine) -> None:
    """A checkpoint stores the golden record in up to three columns. On SQLite each binds
    the bytes orjson wrote, as they are (a ``str`` would be converted to UTF-8 again at
    every bind), and the statement casts them to TEXT: the store holds text, as before,
    which SQLite's JSON functions read. Other databases get the text, decoded once."""
    dialect = store_engine.dialect
    bind = JsonColumn().dialect_impl(dialect).bind_processor(dialect)
    encoded = Encoded(json_bytes(DOC))
    if dialect.name == "sqlite":
        assert bind(encoded) is encoded.data and bind(encoded) is encoded.data
    else:
        assert bind(encoded) is bind(encoded) == encoded.data.decode()
    _store_encoded(store_engine, encoded)
    if dialect.name == "sqlite":
        with store_engine.connect() as connection:
            kinds = connection.execute(text(
                "SELECT typeof(data), json_extract(data, '$.name') FROM canonical_records "
                "UNION ALL SELECT typeof(snapshot), json_extract(snapshot, '$.name') "
                "FROM record_hashes")).all()
        assert [tuple(row) for row in kinds] == [("text", DOC["name"])] * 2


def test_a_document_with_amounts_or_number_keys_is_written_all_the_same() -> None:
    """orjson writes plain JSON fastest with no options; a Decimal or a key that is not a
    string takes the second try, with the options that write them."""
    assert json_bytes(DOC) == orjson.dumps(DOC)
    assert json_bytes({"amount": Decimal("25000.50"), 7: "seven"}) == \
        b'{"amount":"25000.50","7":"seven"}'
    with pytest.raises(TypeError):
        json_bytes({"when": object()})
