"""The built-in connector against the real reference products served on loopback."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from builtin.support import BACKENDS, SharedDatabase, shared_database_for
from connectors.base import OutboundRecord
from connectors.builtin import BuiltinConnector
from connectors.registry import get_connector_class
from hub import signing
from hub.builtin.app import create_app
from hub.errors import AuthError, FatalError
from hub.services import AppServer

TOKEN = "connector-test-token"
SECRET = "whsec-connector-1"


@pytest.fixture(scope="module", params=BACKENDS)
def served(request: pytest.FixtureRequest,
           tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[SharedDatabase, str]]:
    """The products served on loopback over one database per backend, for the module."""
    for shared in shared_database_for(str(request.param), tmp_path_factory):
        with AppServer(create_app(shared.url, TOKEN)) as server:
            yield shared, server.url


@pytest.fixture
def base_url(served: tuple[SharedDatabase, str]) -> str:
    """The served products, with every table empty as on a fresh database."""
    shared, url = served
    shared.reset()
    return url


def _connector(base_url: str, app: str, **extra: object) -> BuiltinConnector:
    connector = get_connector_class("builtin").from_settings(
        {"base_url": base_url, "app": app, "token": TOKEN, "webhook_secret": SECRET,
         "max_retries": 1, **extra}, system=f"builtin-{app}")
    assert isinstance(connector, BuiltinConnector)
    return connector


def _customer(n: int, **data: object) -> OutboundRecord:
    return OutboundRecord(hub_id=f"h{n}", remote_id=None, natural_key=f"C-{n:03d}",
                          data={"cust_name": f"Importer {n}", "country": "DE", **data})


def test_upsert_is_idempotent_and_reads_back_through_the_feed(base_url: str) -> None:
    with _connector(base_url, "erp") as erp:
        created = erp.upsert("customer", [_customer(n) for n in range(7)])
        assert [r.outcome for r in created] == ["created"] * 7
        assert [r.hub_id for r in created] == [f"h{n}" for n in range(7)]
        again = erp.upsert("customer", [_customer(n) for n in range(7)])
        assert [r.outcome for r in again] == ["unchanged"] * 7
        assert [r.remote_id for r in again] == [r.remote_id for r in created]

        batches = list(erp.read_changes("customer", None, batch_size=3))
        assert [len(b.records) for b in batches] == [3, 3, 1]
        assert [r.data["cust_no"] for b in batches for r in b.records] == [
            f"C-{n:03d}" for n in range(7)]
        cursor = batches[-1].cursor

        erp.upsert("customer", [_customer(2, city="Hamburg")])
        erp.upsert("product", [OutboundRecord(hub_id="p", remote_id=None, natural_key="LED-9W",
                                              data={"item_name": "LED bulb"})])
        resumed = list(erp.read_changes("customer", cursor))
        assert [(r.data["cust_no"], r.data["city"]) for b in resumed for r in b.records] == [
            ("C-002", "Hamburg")]
        assert list(erp.read_changes("customer", resumed[-1].cursor))[0].records == []


def test_lookups_refusals_and_archives(base_url: str) -> None:
    with _connector(base_url, "erp") as erp:
        [result] = erp.upsert("customer", [_customer(1)])
        assert erp.find_by_natural_key("customer", "C-001") == result.remote_id
        assert erp.find_by_natural_key("customer", "C-404") is None
        record = erp.get("customer", str(result.remote_id))
        assert record is not None and record.data["cust_name"] == "Importer 1"
        assert erp.get("customer", "99999") is None

        refused = erp.upsert("customer", [_customer(2, country="Germany"), _customer(3)])
        assert [r.outcome for r in refused] == ["failed", "created"]
        assert refused[0].error == ("country: Value error, 'Germany' is not an ISO 3166-1 "
                                    "alpha-2 country code")

        [archived] = erp.delete("customer", [str(result.remote_id)])
        assert archived.outcome == "deleted"
        last = [r for b in erp.read_changes("customer", None) for r in b.records][-1]
        assert (last.remote_id, last.deleted) == (result.remote_id, True)
        [gone] = erp.delete("customer", ["424242"])
        assert (gone.outcome, gone.error_code) == ("failed", "not-found")


def test_entities_are_limited_to_the_product(base_url: str) -> None:
    with _connector(base_url, "oa") as oa:
        assert oa.readable == frozenset({"approval", "work_order"})
        with pytest.raises(FatalError, match="cannot read 'customer'"):
            list(oa.read_changes("customer", None))
    with _connector(base_url, "erp") as erp:
        with pytest.raises(FatalError, match="cannot write 'receivable'"):
            erp.upsert("receivable", [])


def test_crm_shipment_tracking_merges_into_the_order(base_url: str) -> None:
    with _connector(base_url, "crm") as crm:
        crm.upsert("customer", [OutboundRecord(hub_id="c", remote_id=None, natural_key="ACC-1",
                                               data={"company_name": "Lichtwerk",
                                                     "country_code": "DE"})])
        crm.upsert("sales_order", [OutboundRecord(
            hub_id="o", remote_id=None, natural_key="SO-1",
            data={"doc_type": "order", "account_code": "ACC-1", "doc_date": "2026-03-01",
                  "currency": "USD", "lines": [{"line_key": "1", "sku": "LED-9W", "qty": 800,
                                                "unit_price": "1.00"}]})])
        [tracked] = crm.upsert("shipment", [OutboundRecord(
            hub_id="s", remote_id=None, natural_key="SH-1",
            data={"doc_no": "SO-1", "tracking": {"shipment_no": "SH-1", "carrier": "COSCO",
                                                 "eta": "2026-04-28T00:00:00Z"}})])
        assert tracked.outcome == "updated"
        # Each shipment keeps its own identity though it patches the order.
        order_id, _, shipment = str(tracked.remote_id).partition("#")
        assert shipment == "SH-1"
        order = crm.get("sales_order", order_id)
        assert order is not None
        assert order.data["tracking"]["carrier"] == "COSCO"
        assert order.data["lines"][0]["qty"] == 800
        assert order.data["total_amount"] == "800.00"


def test_inventory_keys_split_into_their_fields(base_url: str) -> None:
    with _connector(base_url, "crm") as crm:
        [result] = crm.upsert("inventory", [OutboundRecord(
            hub_id="i", remote_id=None, natural_key="LED-9W@SH-01",
            data={"on_hand": 800, "reserved": 0})])
        assert result.outcome == "created"
        assert crm.find_by_natural_key("inventory", "LED-9W@SH-01") == result.remote_id


def test_signed_webhooks_verify_and_parse(base_url: str) -> None:
    body = json.dumps({"event_id": "erp-7", "app": "erp", "resource": "sales_orders",
                       "op": "update", "id": 3, "seq": 7, "at": "2026-03-01T08:00:00Z",
                       "data": {"id": 3, "so_no": "SO-1", "archived": False}}).encode()
    headers = signing.sign(SECRET, body, event_id="erp-7")
    with _connector(base_url, "erp") as erp:
        erp.verify_webhook(headers, body)
        with pytest.raises(AuthError, match="signature does not match"):
            erp.verify_webhook(headers, body.replace(b"SO-1", b"SO-2"))
        [event] = erp.parse_webhook(headers, body)
        assert (event.event_id, event.entity, event.remote_id, event.kind) == (
            "erp-7", "sales_order", "3", "upsert")
        with pytest.raises(FatalError, match="cannot read"):
            erp.parse_webhook(headers, b"{not json")
    with _connector(base_url, "crm") as crm:
        with pytest.raises(FatalError, match="expects crm events, got erp"):
            crm.parse_webhook(headers, body)


def test_a_wrong_token_is_an_auth_error(base_url: str) -> None:
    connector = get_connector_class("builtin").from_settings(
        {"base_url": base_url, "app": "erp", "token": "wrong"}, system="erp")
    with connector, pytest.raises(AuthError, match=r"refused our credentials \(401\)"):
        list(connector.read_changes("customer", None))
