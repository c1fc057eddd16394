"""The engine over the whole catalogue: valid examples pass, every error comes back at once."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from decimal import Decimal

from opencustoms.domain.declaration import (
    AdditionalType,
    DeclarationContent,
    DeclarationType,
    OfficeCode,
)
from opencustoms.domain.errors import Problem
from opencustoms.domain.goods import CommodityCode, GoodsItem
from opencustoms.domain.parties import Party, PartyId

Check = Callable[..., set[tuple[str, str]]]
Problems = Callable[..., list[Problem]]
EditItem = Callable[..., DeclarationContent]


def test_valid_import_example_has_no_problems(
        problems: Problems, import_declaration: DeclarationContent, acme: Party) -> None:
    assert problems(import_declaration, acme) == []


def test_valid_export_example_has_no_problems(
        problems: Problems, export_declaration: DeclarationContent) -> None:
    beta = Party(export_declaration.declarant, "Beta Machinery Works", "XX", frozenset())
    assert problems(export_declaration, beta) == []


def test_all_errors_are_returned_at_once(
        findings: Check, import_declaration: DeclarationContent, edit_item: EditItem) -> None:
    declaration = edit_item(import_declaration, 0, commodity_code="8517999999",
                            net_mass=Decimal("20.000"), sequence=2)
    declaration = replace(declaration, lrn="ACME-2026-000001-TOO-LONG", importer=None)
    assert findings(declaration) == {
        ("RL302", "/lrn"),
        ("CL105", "/items/0/commodity_code"),
        ("RL312", "/items/0/net_mass"),
        ("CD201", "/importer"),
        ("SQ401", "/items/0/sequence"),
    }


def test_problems_are_ordered_by_pointer_then_code(
        problems: Problems, import_declaration: DeclarationContent,
        edit_item: EditItem) -> None:
    declaration = edit_item(import_declaration, 0, net_mass=Decimal("0"),
                            gross_mass=Decimal("-1"), sequence=7)
    found = [(p.pointer, p.code) for p in problems(declaration)]
    assert found == sorted(found)
    assert len(found) == 4


def test_a_bare_declaration_reports_what_is_missing_without_failing(
        findings: Check) -> None:
    item = GoodsItem(1, CommodityCode("0901210000"), "Roasted coffee", "4000",
                     Decimal("10"), Decimal("11"), Decimal("100.00"))
    bare = DeclarationContent("BARE-1", DeclarationType.IMPORT, AdditionalType.STANDARD,
                              PartyId("XX100000000001"), OfficeCode("XX000100"), (item,))
    assert findings(bare) == {
        ("CD201", "/importer"), ("CD202", "/exporter"), ("CD206", "/country_of_dispatch"),
        ("CD209", "/invoice"), ("CD210", "/incoterm"), ("CD217", "/transport"),
        ("CD207", "/items/0/country_of_origin"), ("CD213", "/items/0/valuation_method"),
        ("CD214", "/items/0/preference"), ("CD219", "/items/0/packages"),
    }


def test_a_bare_special_fiscal_territory_declaration_needs_only_its_invoice(
        findings: Check) -> None:
    item = GoodsItem(1, CommodityCode("0901210000"), "Roasted coffee", "4000",
                     Decimal("10"), Decimal("11"), Decimal("100.00"))
    bare = DeclarationContent("CO-1", DeclarationType.SPECIAL_FISCAL_TERRITORY,
                              AdditionalType.STANDARD, PartyId("XX100000000001"),
                              OfficeCode("XX000100"), (item,))
    assert findings(bare) == {("CD209", "/invoice"), ("CD219", "/items/0/packages")}
