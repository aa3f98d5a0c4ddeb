"""CRUD through the HTTP API, and every refusal as a whole JSON body."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

ACCOUNT: dict[str, Any] = {
    "account_code": "ACC-1", "company_name": "Iluminación Mediterránea S.L.",
    "country_code": "es", "contacts": [{"full_name": "Lucía García", "email": "lucia@im.example",
                                        "whatsapp": "+34600111222", "primary": True}]}


def test_create_get_update_archive_and_delete_a_record(client: TestClient) -> None:
    created = client.post("/crm/customers", json=ACCOUNT)
    assert created.status_code == 201
    body = created.json()
    assert body["country_code"] == "ES"
    assert body["contacts"][0]["whatsapp"] == "+34600111222"
    assert body["archived"] is False
    record_id = body["id"]

    assert client.get(f"/crm/customers/{record_id}").json() == body
    assert client.get("/crm/customers/by-key/ACC-1").json() == body
    listed = client.get("/crm/customers", params={"account_code": "ACC-1"}).json()
    assert listed == {"items": [body], "total": 1, "next_offset": None}

    replaced = client.put(f"/crm/customers/{record_id}", json={**ACCOUNT, "city": "Valencia"})
    assert replaced.status_code == 200
    assert replaced.json()["city"] == "Valencia"
    patched = client.patch(f"/crm/customers/{record_id}", json={"grade": "A"})
    assert patched.json()["grade"] == "A"
    assert patched.json()["city"] == "Valencia"

    archived = client.delete(f"/crm/customers/{record_id}")
    assert archived.status_code == 200
    assert archived.json()["archived"] is True
    assert client.get("/crm/customers").json()["total"] == 0
    assert client.get("/crm/customers", params={"include_archived": True}).json()["total"] == 1

    assert client.delete(f"/crm/customers/{record_id}", params={"hard": True}).status_code == 204
    assert client.get(f"/crm/customers/{record_id}").status_code == 404


def test_a_missing_token_is_refused_with_401(client: TestClient) -> None:
    response = client.get("/erp/customers", headers={"Authorization": ""})
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.json() == {"error": "unauthorized",
                               "message": "missing 'Authorization: Bearer <token>' header"}


def test_a_wrong_token_is_refused_with_401(client: TestClient) -> None:
    response = client.get("/oa/approvals", headers={"Authorization": "Bearer nope"})
    assert response.status_code == 401
    assert response.json() == {"error": "unauthorized", "message": "invalid bearer token"}


def test_an_unknown_record_is_404(client: TestClient) -> None:
    assert client.get("/erp/customers/999").json() == {
        "error": "not_found", "message": "customers 999 does not exist"}
    response = client.get("/erp/customers/by-key/C-404")
    assert response.status_code == 404
    assert response.json() == {"error": "not_found", "message": "customers 'C-404' does not exist"}
    assert client.patch("/erp/customers/999", json={}).status_code == 404


def test_an_unknown_route_is_404_json(client: TestClient) -> None:
    response = client.get("/erp/no-such-thing")
    assert response.status_code == 404
    assert response.json() == {"error": "not_found", "message": "Not Found"}


def test_a_duplicate_natural_key_is_409(client: TestClient) -> None:
    assert client.post("/crm/customers", json=ACCOUNT).status_code == 201
    response = client.post("/crm/customers", json=ACCOUNT)
    assert response.status_code == 409
    assert response.json() == {"error": "conflict", "message": "customers 'ACC-1' already exists"}


def test_renaming_onto_another_key_is_409(client: TestClient) -> None:
    client.post("/crm/customers", json=ACCOUNT)
    other = client.post("/crm/customers", json={**ACCOUNT, "account_code": "ACC-2"}).json()
    response = client.patch(f"/crm/customers/{other['id']}", json={"account_code": "ACC-1"})
    assert response.status_code == 409
    assert response.json() == {"error": "conflict", "message": "customers 'ACC-1' already exists"}


def test_an_invalid_body_is_422_naming_each_field(client: TestClient) -> None:
    response = client.post("/erp/customers", json={"cust_no": "C-1", "country": "XX",
                                                   "credit_limit": "-5", "colour": "red"})
    assert response.status_code == 422
    assert response.json() == {"error": "validation_error", "message": "the request is invalid",
                               "fields": [
        {"loc": "body.cust_name", "message": "Field required"},
        {"loc": "body.country",
         "message": "Value error, 'XX' is not an ISO 3166-1 alpha-2 country code"},
        {"loc": "body.credit_limit", "message": "Input should be greater than or equal to 0"},
        {"loc": "body.colour", "message": "Extra inputs are not permitted"}]}


def test_patching_a_field_the_product_owns_is_422(client: TestClient) -> None:
    created = client.post("/erp/customers", json={"cust_no": "C-1", "cust_name": "A",
                                                  "country": "DE"}).json()
    response = client.patch(f"/erp/customers/{created['id']}",
                            json={"receivable_balance_cny": "0.00"})
    assert response.status_code == 422
    assert response.json() == {"error": "validation_error",
                               "message": "not writable fields of customers: receivable_balance_cny"}


def test_a_reference_to_a_missing_record_is_422(client: TestClient) -> None:
    response = client.post("/erp/inventory", json={"sku": "NOPE", "wh_code": "SH-01"})
    assert response.status_code == 422
    assert response.json() == {"error": "unknown_reference",
                               "message": "sku: products 'NOPE' does not exist"}


def test_a_non_numeric_id_is_422(client: TestClient) -> None:
    response = client.get("/oa/work-orders/abc")
    assert response.status_code == 422
    assert response.json() == {"error": "validation_error", "message": "the request is invalid",
                               "fields": [{"loc": "path.record_id", "message":
                                           "Input should be a valid integer, unable to parse "
                                           "string as an integer"}]}


def test_read_only_resources_refuse_writes(client: TestClient) -> None:
    response = client.post("/erp/receivables", json={"so_no": "SO-1"})
    assert response.status_code == 405
    assert response.json() == {"error": "method_not_allowed", "message": "Method Not Allowed"}


def test_each_product_publishes_its_openapi_document(client: TestClient) -> None:
    for app in ("crm", "erp", "oa"):
        document = client.get(f"/{app}/openapi.json").json()
        assert f"/changes" in document["paths"]
    assert "/sales-orders/batch-upsert" in client.get("/erp/openapi.json").json()["paths"]


def test_ids_offsets_and_cursors_beyond_the_database_integers_are_422(
        client: TestClient) -> None:
    """They used to reach the driver and overflow there: a 500 on both backends."""
    too_big = client.get(f"/erp/customers/{2**31}")
    assert too_big.status_code == 422
    assert too_big.json() == {"error": "validation_error", "message": "the request is invalid",
                              "fields": [{"loc": "path.record_id", "message":
                                          "Input should be less than or equal to 2147483647"}]}
    assert client.delete("/oa/approvals/0").json()["fields"] == [
        {"loc": "path.record_id", "message": "Input should be greater than or equal to 1"}]
    assert client.get("/crm/customers", params={"offset": 2**40}).json()["fields"] == [
        {"loc": "query.offset", "message": "Input should be less than or equal to 2147483647"}]
    for cursor in (str(2**63), "\u00b2"):  # beyond BIGINT; a digit int() refuses
        response = client.get("/erp/changes", params={"since": cursor})
        assert response.status_code == 422
        assert response.json()["message"].startswith(f"since: '{cursor}' is not a cursor")


def test_text_with_nul_finds_nothing_and_is_refused_where_it_would_be_stored(
        client: TestClient) -> None:
    """PostgreSQL refuses NUL in text parameters (it was a 500 there, and stored on
    SQLite): lookups find nothing, writes are refused naming the field."""
    client.post("/crm/customers", json=ACCOUNT)
    response = client.get("/crm/customers/by-key/ACC-1%00")
    assert response.status_code == 404
    assert response.json() == {"error": "not_found",
                               "message": "customers 'ACC-1\x00' does not exist"}
    assert client.get("/crm/customers", params={"account_code": "ACC-1\x00"}).json() == {
        "items": [], "total": 0, "next_offset": None}
    assert client.get("/crm/customers", params={"erp_cust_no": "\x00"}).json()["total"] == 0

    lead = client.post("/crm/leads", json={"lead_ref": "L-1", "source": "whatsapp",
                                          "whatsapp_id": "+49151\x00"})
    assert lead.status_code == 422
    assert lead.json()["fields"] == [{"loc": "body.whatsapp_id", "message":
                                      "String should match pattern '^[^\\x00-\\x1f]*$'"}]
    secret = client.post("/crm/webhook-subscriptions",
                         json={"url": "http://127.0.0.1:9/hook", "secret": "whsec-\x00-1"})
    assert secret.json()["fields"] == [{"loc": "body.secret", "message":
                                        "String should match pattern '^[^\\x00]*$'"}]
    batch = client.post("/crm/customers/batch-upsert", json={"items": [
        {**ACCOUNT, "account_code": "ACC-\x00"}]}).json()
    assert [(r["key"], r["outcome"]) for r in batch["results"]] == [("ACC-\x00", "error")]
    assert batch["results"][0]["error"].startswith("account_code: String should match pattern")
