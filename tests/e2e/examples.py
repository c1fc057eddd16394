"""The example declarations of the JSON contract, copied here so the suite runs on its own.

Both documents are the ones in ``shared/examples/``: an import lodged by the demo trader Acme
and an export lodged by the demo trader Beta. Tests take fresh copies with their own LRN.
"""

from __future__ import annotations

import copy
import itertools
import uuid
from typing import Any

ACME = "XX100000000001"
BETA = "XX100000000002"
BROKER = "XX200000000001"
OFFICER = "XX900000000001"
ADMIN = "XX900000000003"

_IMPORT: dict[str, Any] = {
    "lrn": "ACME-2026-000001",
    "type": "IM",
    "additional_type": "A",
    "declarant": "XX100000000001",
    "representative": None,
    "importer": {"id": "XX100000000001", "name": "Acme Imports", "country": "XX"},
    "exporter": {"name": "Shenzhen Widget Co", "country": "CN"},
    "office_of_declaration": "XX000100",
    "country_of_dispatch": "CN",
    "incoterm": "FOB",
    "invoice": {"currency": "USD", "amount": "12500.00"},
    "freight": {"currency": "USD", "amount": "800.00"},
    "insurance": {"currency": "USD", "amount": "50.00"},
    "transport": {"mode_at_border": "1", "means_identity": "IMO9321483", "nationality": "PA"},
    "items": [
        {
            "sequence": 1,
            "commodity_code": "8517130000",
            "description": "Smartphones, 128 GB",
            "country_of_origin": "CN",
            "procedure": "4000",
            "additional_procedures": [],
            "preference": "100",
            "net_mass": "12.500",
            "gross_mass": "15.000",
            "supplementary_quantity": "100",
            "packages": [{"kind": "CT", "count": 10, "marks": "ACME 1-10"}],
            "item_price": "12500.00",
            "valuation_method": "1",
            "documents": [{"code": "N935", "reference": "INV-2026-118"}],
        }
    ],
}

_EXPORT: dict[str, Any] = {
    "lrn": "BETA-EXP-2026-0042",
    "type": "EX",
    "additional_type": "A",
    "declarant": "XX100000000002",
    "representative": None,
    "exporter": {"id": "XX100000000002", "name": "Beta Machinery Works", "country": "XX"},
    "consignee": {"name": "Almaty Trading LLP", "country": "KZ"},
    "office_of_declaration": "XX000100",
    "office_of_exit": "XX000200",
    "country_of_destination": "KZ",
    "incoterm": "FCA",
    "invoice": {"currency": "EUR", "amount": "48200.00"},
    "transport": {"mode_at_border": "3", "means_identity": "XX-123-AB", "nationality": "XX"},
    "items": [
        {
            "sequence": 1,
            "commodity_code": "8429520000",
            "description": "Hydraulic excavator, 360-degree revolving superstructure",
            "procedure": "1040",
            "additional_procedures": [],
            "net_mass": "14200.000",
            "gross_mass": "14350.000",
            "supplementary_quantity": "1",
            "packages": [{"kind": "NE", "count": 1, "marks": "BMW-EX-7"}],
            "item_price": "46000.00",
            "documents": [{"code": "N380", "reference": "INV-BMW-2026-77"}],
        },
        {
            "sequence": 2,
            "commodity_code": "8431490000",
            "description": "Spare bucket teeth for excavators",
            "procedure": "1040",
            "additional_procedures": [],
            "net_mass": "180.000",
            "gross_mass": "195.000",
            "packages": [{"kind": "CT", "count": 3, "marks": "BMW-EX-8/10"}],
            "item_price": "2200.00",
            "documents": [{"code": "N380", "reference": "INV-BMW-2026-77"}],
        },
    ],
}

_counter = itertools.count(1)


def unique_lrn(prefix: str = "E2E") -> str:
    """An LRN no other test uses (at most 22 characters, rule RL302)."""
    return f"{prefix}-{next(_counter):04d}-{uuid.uuid4().hex[:8]}"


def import_declaration(lrn: str | None = None) -> dict[str, Any]:
    """A fresh copy of the import example (Acme declares), under its own LRN."""
    document = copy.deepcopy(_IMPORT)
    document["lrn"] = lrn or unique_lrn("IM")
    return document


def export_declaration(lrn: str | None = None) -> dict[str, Any]:
    """A fresh copy of the export example (Beta declares), under its own LRN."""
    document = copy.deepcopy(_EXPORT)
    document["lrn"] = lrn or unique_lrn("EX")
    return document


def represented_import(lrn: str | None = None) -> dict[str, Any]:
    """The import example lodged by the broker as Acme's direct representative."""
    document = import_declaration(lrn)
    document["representative"] = {"id": BROKER, "status": "2"}
    return document
