"""The JSON contract examples (copies of shared/examples, which may be absent in a checkout)."""

from __future__ import annotations

import copy
from typing import Any

IMPORT: dict[str, Any] = {
    "lrn": "ACME-2026-000001", "type": "IM", "additional_type": "A",
    "declarant": "XX100000000001", "representative": None,
    "importer": {"id": "XX100000000001", "name": "Acme Imports", "country": "XX"},
    "exporter": {"name": "Shenzhen Widget Co", "country": "CN"},
    "office_of_declaration": "XX000100", "country_of_dispatch": "CN", "incoterm": "FOB",
    "invoice": {"currency": "USD", "amount": "12500.00"},
    "freight": {"currency": "USD", "amount": "800.00"},
    "insurance": {"currency": "USD", "amount": "50.00"},
    "transport": {"mode_at_border": "1", "means_identity": "IMO9321483", "nationality": "PA"},
    "items": [{
        "sequence": 1, "commodity_code": "8517130000", "description": "Smartphones, 128 GB",
        "country_of_origin": "CN", "procedure": "4000", "additional_procedures": [],
        "preference": "100", "net_mass": "12.500", "gross_mass": "15.000",
        "supplementary_quantity": "100",
        "packages": [{"kind": "CT", "count": 10, "marks": "ACME 1-10"}],
        "item_price": "12500.00", "valuation_method": "1",
        "documents": [{"code": "N935", "reference": "INV-2026-118"}],
    }],
}


def import_declaration(lrn: str) -> dict[str, Any]:
    """A fresh copy of the import example under ``lrn``."""
    document = copy.deepcopy(IMPORT)
    document["lrn"] = lrn
    return document
