from __future__ import annotations

from pathlib import Path

import pytest

from hub.errors import ConfigError
from hub.sync.hubfile import load_hub_config

GOOD = """\
systems:
  crm:
    connector: builtin
    settings:
      base_url: http://127.0.0.1:8000/crm
      token: ${CRM_TOKEN}
  erp:
    connector: builtin
    settings: {base_url: "${ERP_URL:-http://127.0.0.1:8000/erp}"}
pipelines:
  customers:
    entity: customer
    source: crm
    target: erp
    direction: two_way
    owners: {credit_limit: erp}
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "hub.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_env_references_and_defaults_are_resolved(tmp_path: Path) -> None:
    config = load_hub_config(write(tmp_path, GOOD), environ={"CRM_TOKEN": "s3cret"})
    assert config.systems["crm"].settings["token"] == "s3cret"
    assert config.systems["erp"].settings["base_url"] == "http://127.0.0.1:8000/erp"
    assert config.pipelines["customers"].owner_of("credit_limit") == "erp"
    assert config.pipelines["customers"].owner_of("name") == "crm"
    assert config.mapping_dir("crm") == tmp_path / "mappings" / "builtin"


def test_a_missing_variable_is_reported_where_it_is_used(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD)
    with pytest.raises(ConfigError) as info:
        load_hub_config(path, environ={})
    assert [str(i) for i in info.value.issues] == [
        f"{path}:6:14: error[missing-env]: environment variable CRM_TOKEN is not set"]


def test_every_error_is_reported_with_its_line_and_column(tmp_path: Path) -> None:
    broken = GOOD.replace("direction: two_way", "direction: both_ways") \
                 .replace("entity: customer", "entity: customr") \
                 .replace("    owners:", "    batch: 5\n    owners:")
    path = write(tmp_path, broken)
    with pytest.raises(ConfigError) as info:
        load_hub_config(path, environ={"CRM_TOKEN": "x"})
    lines = [str(i) for i in info.value.issues]
    assert lines == [
        f"{path}:12:13: error[invalid-value]: pipelines.customers.entity: Value error, unknown "
        "entity 'customr'; known: activity, approval, customer, inventory, lead, payment, "
        "product, sales_order, shipment, trade_record",
        f"{path}:15:16: error[invalid-value]: pipelines.customers.direction: Input should be "
        "'one_way' or 'two_way'",
        f"{path}:16:5: error[unknown-key]: pipelines.customers.batch: 'batch' is not a known "
        "setting here",
    ]


def test_a_pipeline_naming_an_unknown_system_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD.replace("target: erp", "target: sap")
                 .replace("    owners: {credit_limit: erp}\n", ""))
    with pytest.raises(ConfigError) as info:
        load_hub_config(path, environ={"CRM_TOKEN": "x"})
    assert "target 'sap' is not a system; systems: crm, erp" in str(info.value)


def test_secrets_never_appear_in_errors(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD.replace("direction: two_way", "direction: sideways"))
    with pytest.raises(ConfigError) as info:
        load_hub_config(path, environ={"CRM_TOKEN": "hunter2-secret"})
    assert "hunter2-secret" not in str(info.value)
    assert "sideways" not in info.value.message


def test_yaml_syntax_errors_have_a_location(tmp_path: Path) -> None:
    path = write(tmp_path, "systems:\n  crm: [unclosed\n")
    with pytest.raises(ConfigError) as info:
        load_hub_config(path)
    [issue] = info.value.issues
    assert issue.code == "yaml-syntax" and issue.location.line == 3
