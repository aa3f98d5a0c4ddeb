"""``tradehub mappings check | test | schema`` as an integrator runs them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hub.cli import app
from hub.mapping.schema import mapping_schema

ROOT = Path(__file__).resolve().parents[2]
runner = CliRunner()


@pytest.fixture(autouse=True)
def _at_repo_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)


def test_check_passes_on_every_shipped_file() -> None:
    result = runner.invoke(app, ["mappings", "check"])
    assert result.exit_code == 0, result.output
    shipped = len(list((ROOT / "mappings").rglob("*.yaml")))
    assert result.output.strip() == f"{shipped} file(s) OK"


def test_check_prints_every_error_with_its_location_and_fails() -> None:
    result = runner.invoke(app, ["mappings", "check", "tests/mapping/broken/type_mismatch.yaml",
                                 "tests/mapping/broken/unknown_field.yaml"])
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        "tests/mapping/broken/type_mismatch.yaml:9:17: error[type-mismatch]: 'decimal' produces "
        "a decimal but 'name' is text",
        "tests/mapping/broken/type_mismatch.yaml:13:29: error[type-mismatch]: 'upper' needs text "
        "but gets a decimal here",
        "tests/mapping/broken/type_mismatch.yaml:16:17: error[type-mismatch]: 'date' produces a "
        "date but 'last_shipment_date' is a date-time",
        "tests/mapping/broken/unknown_field.yaml:9:16: error[unknown-field]: 'credit_limt' is not "
        "a field of Customer (did you mean 'credit_limit'?)",
    ]
    assert "4 errors in 2 file(s)" in result.stderr


def test_check_on_a_folder_and_a_missing_path() -> None:
    result = runner.invoke(app, ["mappings", "check", "tests/mapping/broken", "nope.yaml"])
    assert result.exit_code == 1
    files = {line.split(":")[0] for line in result.stdout.splitlines()}
    assert len(files) == len(list((ROOT / "tests/mapping/broken").glob("*.yaml")))
    assert "nope.yaml: error[not-found]: no such file or folder" in result.stderr


def test_test_inbound_prints_the_canonical_record(tmp_path: Path) -> None:
    record = tmp_path / "r.json"
    record.write_text(json.dumps({"id": "C-1", "company_name": " 深圳光明 ", "country": "中国",
                                  "credit_limit": "5000.50", "last_shipment": "2024/03/01"}),
                      encoding="utf-8")
    result = runner.invoke(app, ["mappings", "test", "mappings/examples/customer.yaml",
                                 "--record", str(record), "--direction", "inbound"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["name"] == "深圳光明" and out["country"] == "CN"
    assert out["credit_limit"] == "5000.50"
    assert out["last_shipment_date"] == "2024-02-29T16:00:00+00:00"


def test_test_outbound_validates_through_the_model_first(tmp_path: Path) -> None:
    record = tmp_path / "c.json"
    record.write_text(json.dumps({"number": "C-1", "name": "光明", "country": "CN",
                                  "credit_limit": "12.5"}), encoding="utf-8")
    result = runner.invoke(app, ["mappings", "test", "mappings/examples/customer.yaml",
                                 "--record", str(record), "--direction", "outbound"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["country"] == "China" and out["credit_limit"] == "12.5" and out["state"] == "active"
    record.write_text(json.dumps({"number": "C-1", "country": "XX"}), encoding="utf-8")
    result = runner.invoke(app, ["mappings", "test", "mappings/examples/customer.yaml",
                                 "--record", str(record), "--direction", "outbound"])
    assert result.exit_code == 1
    assert f"{record}: error[bad-record]: 'name': Field required" in result.stdout


def test_test_shows_a_record_error_with_field_and_rule(tmp_path: Path) -> None:
    record = tmp_path / "r.json"
    record.write_text(json.dumps({"id": "C-1", "company_name": "x", "country": "Atlantis"}),
                      encoding="utf-8")
    result = runner.invoke(app, ["mappings", "test", "mappings/examples/customer.yaml",
                                 "--record", str(record)])
    assert result.exit_code == 1
    assert result.stdout.strip() == (
        "mappings/examples/customer.yaml:28:5: error[record-mapping-error]: inbound 'country': "
        "'Atlantis' is not in lookup 'countries'")


def test_test_on_a_broken_mapping_prints_its_errors(tmp_path: Path) -> None:
    record = tmp_path / "r.json"
    record.write_text("{}", encoding="utf-8")
    result = runner.invoke(app, ["mappings", "test", "tests/mapping/broken/unknown_key.yaml",
                                 "--record", str(record)])
    assert result.exit_code == 1
    assert "unknown_key.yaml:10:5: error[unknown-key]" in result.stdout


def test_schema_command_prints_the_shipped_schema() -> None:
    result = runner.invoke(app, ["mappings", "schema"])
    assert result.exit_code == 0
    assert json.loads(result.stdout) == mapping_schema()
    shipped = json.loads((ROOT / "mappings" / "schema.json").read_text(encoding="utf-8"))
    assert shipped == mapping_schema(), "regenerate: tradehub mappings schema > mappings/schema.json"


def test_every_shipped_file_names_the_schema_relative_to_its_folder() -> None:
    for path in (ROOT / "mappings").rglob("*.yaml"):
        first = path.read_text(encoding="utf-8").splitlines()[0]
        assert first.startswith("# yaml-language-server: $schema="), path
        target = (path.parent / first.split("$schema=", 1)[1]).resolve()
        assert target == ROOT / "mappings" / "schema.json", path
