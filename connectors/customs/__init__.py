"""Customs trade data: bills of lading in, customers enriched, prospects found."""

from connectors.customs.connector import ApiSource, CsvSource, CustomsConfig, CustomsConnector
from connectors.customs.enrich import CustomerEnrichment, apply_enrichment, enrich_customers
from connectors.customs.matching import ImporterMatch, importer_key, match_importers
from connectors.customs.normalize import NormaliseError
from connectors.customs.prospects import Prospect, ProspectRules, lead_key, prospect_leads
from connectors.customs.sources import RowIssue

__all__ = [
    "ApiSource",
    "CsvSource",
    "CustomerEnrichment",
    "CustomsConfig",
    "CustomsConnector",
    "ImporterMatch",
    "NormaliseError",
    "Prospect",
    "ProspectRules",
    "RowIssue",
    "apply_enrichment",
    "enrich_customers",
    "importer_key",
    "lead_key",
    "match_importers",
    "prospect_leads",
]
