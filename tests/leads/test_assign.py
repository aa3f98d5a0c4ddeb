from __future__ import annotations

import pytest
import yaml
from pydantic import ValidationError

from hub.leads.assign import LeadAssignmentConfig
from hub.leads.extract import extract_inquiry
from hub.models import Lead

HUB_YAML_SECTION = """
default_rep: alice
product_lines:
  lighting: [led, lamp, bulb, 灯]
  solar: [solar, inverter, 太阳能, 逆变器]
rules:
  - {name: gulf-lighting, rep: omar, countries: [AE, SA], product_lines: [lighting]}
  - {name: gulf, rep: fatima, countries: [ae, SA]}
  - {rep: wei, product_lines: [Solar], sources: [whatsapp]}
"""


@pytest.fixture
def config() -> LeadAssignmentConfig:
    return LeadAssignmentConfig.model_validate(yaml.safe_load(HUB_YAML_SECTION))


def lead(message: str, country: str | None, source: str = "whatsapp") -> Lead:
    return Lead(source=source, country=country, message=message,  # type: ignore[arg-type]
                inquiry=extract_inquiry(message))


def test_first_matching_rule_wins(config: LeadAssignmentConfig) -> None:
    result = config.assign(lead("need 1000 LED lamps", "AE"))
    assert (result.rep, result.rule, result.reason) == ("omar", "gulf-lighting", "rule")
    assert result.product_lines == ["lighting"]


def test_country_rule_without_product_line(config: LeadAssignmentConfig) -> None:
    result = config.assign(lead("need 200 sets of office chairs", "SA"))
    assert (result.rep, result.rule) == ("fatima", "gulf")


def test_product_line_read_from_chinese_product_names(config: LeadAssignmentConfig) -> None:
    result = config.assign(lead("采购太阳能板500块", "NG"))
    assert (result.rep, result.rule) == ("wei", "#3")


def test_source_condition_and_default(config: LeadAssignmentConfig) -> None:
    result = config.assign(lead("need 20 solar inverters", "NG", source="email"))
    assert (result.rep, result.reason, result.rule) == ("alice", "default", None)


def test_product_lines_can_come_from_the_catalogue(config: LeadAssignmentConfig) -> None:
    result = config.assign(lead("please call me", "BR"), product_lines=["SOLAR"])
    assert result.rep == "wei"


def test_a_rule_naming_an_unknown_product_line_is_refused() -> None:
    with pytest.raises(ValidationError) as info:
        LeadAssignmentConfig.model_validate({
            "default_rep": "alice", "product_lines": {"lighting": ["led"]},
            "rules": [{"rep": "omar", "product_lines": ["lightning"]}]})
    assert "rules[0].product_lines: 'lightning' is not in product_lines (lighting)" in str(
        info.value)


def test_a_bad_country_is_refused() -> None:
    with pytest.raises(ValidationError, match="not an ISO 3166-1 alpha-2"):
        LeadAssignmentConfig.model_validate(
            {"default_rep": "alice", "rules": [{"rep": "x", "countries": ["Arabia"]}]})
