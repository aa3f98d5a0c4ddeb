"""Which sales rep gets a new lead: ordered rules from hub.yaml, first match wins.

Trading companies split their buyers by market (a rep for the Gulf, one for Latin
America) and by product line (lighting vs. solar), so a rule names countries and/or
product lines; a lead that no rule claims goes to the default rep. The product line
of a lead comes from its inquiry: the caller may pass lines it already knows (from
the product catalogue), and the ``product_lines`` keyword table reads them from the
product names a buyer wrote, in any language.

In hub.yaml::

    lead_assignment:
      default_rep: alice
      product_lines:
        lighting: [led, lamp, bulb, 灯]
        solar: [solar, inverter, 太阳能, 逆变器]
      rules:
        - {name: gulf-lighting, rep: omar, countries: [AE, SA], product_lines: [lighting]}
        - {name: africa, rep: grace, countries: [NG, KE, GH]}
"""

from __future__ import annotations

import logging
import unicodedata
from collections.abc import Iterable
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from hub.models import Lead
from hub.models.base import CountryCode
from hub.models.lead import LeadSource

__all__ = ["Assignment", "AssignmentRule", "LeadAssignmentConfig"]

log = logging.getLogger(__name__)


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold().strip()


class AssignmentRule(BaseModel):
    """One rule; every condition given must hold, an omitted condition matches anything."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str | None = Field(None, max_length=100, description="Shown in logs and results.")
    rep: str = Field(min_length=1, max_length=100, description="The sales rep's user name.")
    countries: list[CountryCode] = Field(default_factory=list,
                                         description="ISO 3166-1 alpha-2 codes of the buyer.")
    product_lines: list[str] = Field(default_factory=list,
                                     description="Any of these product lines is asked for.")
    sources: list[LeadSource] = Field(default_factory=list,
                                      description="Only leads from these channels.")

    @field_validator("product_lines")
    @classmethod
    def _fold_lines(cls, value: list[str]) -> list[str]:
        return [_fold(v) for v in value]

    def matches(self, *, country: str | None, lines: set[str], source: str) -> bool:
        if self.countries and country not in self.countries:
            return False
        if self.product_lines and not lines.intersection(self.product_lines):
            return False
        return not self.sources or source in self.sources


class Assignment(BaseModel):
    model_config = ConfigDict(frozen=True)

    rep: str
    rule: str | None = Field(None, description="Name (or #position) of the rule that matched.")
    reason: Literal["rule", "default"]
    product_lines: list[str] = Field(default_factory=list)


class LeadAssignmentConfig(BaseModel):
    """The ``lead_assignment`` section of hub.yaml."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    default_rep: str = Field(min_length=1, max_length=100)
    rules: list[AssignmentRule] = Field(default_factory=list)
    product_lines: dict[str, list[str]] = Field(
        default_factory=dict,
        description="Product line → keywords found in inquiry product names (case-insensitive).")

    @field_validator("product_lines")
    @classmethod
    def _fold_keywords(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        return {_fold(line): [_fold(k) for k in words if k.strip()]
                for line, words in value.items()}

    @model_validator(mode="after")
    def _known_lines(self) -> LeadAssignmentConfig:
        """A typo in a rule's product line would silently never match; refuse it instead."""
        if not self.product_lines:
            return self
        problems = [f"rules[{i}].product_lines: '{line}' is not in product_lines "
                    f"({', '.join(sorted(self.product_lines))})"
                    for i, rule in enumerate(self.rules) for line in rule.product_lines
                    if line not in self.product_lines]
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def product_lines_of(self, products: Iterable[str]) -> list[str]:
        """The product lines whose keywords appear in any of these product names."""
        names = [_fold(p) for p in products]
        return sorted(line for line, words in self.product_lines.items()
                      if any(word in name for word in words for name in names))

    def assign(self, lead: Lead, *, product_lines: Iterable[str] = ()) -> Assignment:
        lines = {_fold(line) for line in product_lines}
        lines.update(self.product_lines_of(item.product for item in lead.inquiry))
        for position, rule in enumerate(self.rules):
            if rule.matches(country=lead.country, lines=lines, source=lead.source):
                label = rule.name or f"#{position + 1}"
                log.info("lead assigned", extra={"lead": lead.hub_id, "rep": rule.rep,
                                                 "rule": label})
                return Assignment(rep=rule.rep, rule=label, reason="rule",
                                  product_lines=sorted(lines))
        return Assignment(rep=self.default_rep, reason="default", product_lines=sorted(lines))
