"""The change feed split into parts by record id, for readers in several processes."""

from __future__ import annotations

from fastapi.testclient import TestClient


def _items(count: int) -> list[dict[str, object]]:
    return [{"cust_no": f"E-{n:03d}", "cust_name": f"Importer {n}", "country": "DE"}
            for n in range(count)]


def test_each_record_is_in_exactly_one_part_and_each_part_has_its_own_cursor(
        client: TestClient) -> None:
    client.post("/erp/customers/batch-upsert", json={"items": _items(7)}).raise_for_status()
    whole = client.get("/erp/changes", params={"resource": "customers"}).json()["changes"]
    ids = [change["id"] for change in whole]
    assert len(ids) == 7

    seen: list[int] = []
    for part in range(3):
        page = client.get("/erp/changes", params={
            "resource": "customers", "part": part, "parts": 3, "limit": 2}).json()
        got = [change["id"] for change in page["changes"]]
        assert all(record_id % 3 == part for record_id in got)
        while page["has_more"]:              # the part's own cursor pages through it
            page = client.get("/erp/changes", params={
                "resource": "customers", "part": part, "parts": 3, "limit": 2,
                "since": page["next"]}).json()
            got += [change["id"] for change in page["changes"]]
        assert got == sorted(got)
        seen += got
    assert sorted(seen) == sorted(ids)


def test_part_and_parts_come_together_and_part_is_below_parts(client: TestClient) -> None:
    for params in ({"part": 0}, {"parts": 2}, {"part": 2, "parts": 2}):
        response = client.get("/erp/changes", params=params)
        assert response.status_code == 422, params
        assert "part and parts" in response.text
    assert client.get("/erp/changes", params={"part": 0, "parts": 65}).status_code == 422


def test_a_part_is_exactly_its_two_halves(client: TestClient) -> None:
    """``Partition.halves``: a part split halfway through goes on as two parts of
    twice as many, which together hold exactly its records."""
    from connectors.base import Partition

    client.post("/erp/customers/batch-upsert", json={"items": _items(11)}).raise_for_status()

    def ids(partition: Partition) -> list[int]:
        page = client.get("/erp/changes", params={
            "resource": "customers", "part": partition.index,
            "parts": partition.count}).json()
        return [change["id"] for change in page["changes"]]

    for part in (Partition(index=0, count=2), Partition(index=1, count=3)):
        lower, upper = part.halves()
        assert (lower.count, upper.count) == (2 * part.count, 2 * part.count)
        assert ids(part) and sorted(ids(lower) + ids(upper)) == ids(part)
        assert not set(ids(lower)) & set(ids(upper))
