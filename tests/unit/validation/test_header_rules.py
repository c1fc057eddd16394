"""Header rules RL301-RL311: LRN, number of items, parties and the authenticated party."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from decimal import Decimal

import pytest

from opencustoms.domain.declaration import Amount, DeclarationContent, Representative, Trader
from opencustoms.domain.errors import Problem
from opencustoms.domain.money import CurrencyCode
from opencustoms.domain.parties import Party, PartyId, Role

Check = Callable[..., set[tuple[str, str]]]


def test_RL301_lrn_must_not_be_empty(
        findings: Check, import_declaration: DeclarationContent) -> None:
    assert findings(replace(import_declaration, lrn="")) == {("RL301", "/lrn")}


def test_RL302_lrn_at_most_22_characters(
        findings: Check, import_declaration: DeclarationContent) -> None:
    assert findings(replace(import_declaration, lrn="A" * 22)) == set()
    assert findings(replace(import_declaration, lrn="A" * 23)) == {("RL302", "/lrn")}


@pytest.mark.parametrize("lrn", [" ACME-1", "ACME-1 ", "ACMÉ-1", "AC\tME", "ACME\n"])
def test_RL303_lrn_printable_ascii_without_surrounding_spaces(
        findings: Check, import_declaration: DeclarationContent, lrn: str) -> None:
    assert findings(replace(import_declaration, lrn=lrn)) == {("RL303", "/lrn")}


def test_RL303_lrn_may_contain_inner_spaces(
        findings: Check, import_declaration: DeclarationContent) -> None:
    assert findings(replace(import_declaration, lrn="ACME 2026/1")) == set()


def test_RL304_at_least_one_item(
        findings: Check, import_declaration: DeclarationContent) -> None:
    assert findings(replace(import_declaration, items=())) == {("RL304", "/items")}


def test_RL305_at_most_999_items(
        findings: Check, import_declaration: DeclarationContent) -> None:
    template = replace(import_declaration.items[0], item_price=Decimal("12.50"))
    items = tuple(replace(template, sequence=n) for n in range(1, 1001))
    invoice = Amount(CurrencyCode("USD"), Decimal("12500.00"))
    declaration = replace(import_declaration, items=items, invoice=invoice)
    assert findings(declaration) == {("RL305", "/items")}
    assert findings(replace(declaration, items=items[:999], invoice=replace(
        invoice, amount=Decimal("12487.50")))) == set()


@pytest.mark.parametrize(("field", "where"), [
    ("declarant", "/declarant"),
    ("importer", "/importer/id"),
    ("representative", "/representative/id"),
])
def test_RL306_party_ids_have_eori_shape(
        findings: Check, import_declaration: DeclarationContent, field: str,
        where: str) -> None:
    bad = PartyId("xx-100")
    value: object = {"declarant": bad, "importer": Trader(bad, "Acme", "XX"),
                     "representative": Representative(bad, "2")}[field]
    assert findings(replace(import_declaration, **{field: value})) == {("RL306", where)}


def test_RL307_declarant_lodging_for_itself_is_accepted(
        findings: Check, import_declaration: DeclarationContent, acme: Party) -> None:
    assert findings(import_declaration, acme) == set()


def test_RL307_authorised_representative_lodging_is_accepted(
        findings: Check, import_declaration: DeclarationContent, broker: Party) -> None:
    declaration = replace(import_declaration, representative=Representative(broker.id, "2"))
    assert findings(declaration, broker) == set()


def test_RL307_representative_must_be_authorised_by_the_declarant(
        findings: Check, export_declaration: DeclarationContent, broker: Party) -> None:
    declaration = replace(export_declaration, representative=Representative(broker.id, "3"))
    assert findings(declaration, broker) == {("RL307", "/representative/id")}


def test_RL307_authorised_party_must_be_named_as_representative(
        findings: Check, import_declaration: DeclarationContent, broker: Party) -> None:
    assert findings(import_declaration, broker) == {("RL307", "/representative")}


def test_RL307_another_trader_may_not_lodge_for_the_declarant(
        problems: Callable[..., list[Problem]], import_declaration: DeclarationContent) -> None:
    stranger = Party(PartyId("XX100000000009"), "Stranger", "XX", frozenset({Role.TRADER}))
    found = problems(import_declaration, stranger)
    assert [(p.code, p.pointer) for p in found] == [("RL307", "/declarant")]
    assert found[0].detail == ("declarant XX100000000001 is neither the authenticated party "
                               "XX100000000009 nor represented by it")


def test_RL307_customs_staff_never_lodge_for_traders(
        findings: Check, import_declaration: DeclarationContent, officer: Party) -> None:
    assert findings(import_declaration, officer) == {("RL307", "/declarant")}


def test_RL307_silent_without_an_authenticated_party(
        findings: Check, export_declaration: DeclarationContent) -> None:
    assert findings(export_declaration, None) == set()


def test_RL308_representative_is_not_the_declarant(
        findings: Check, import_declaration: DeclarationContent) -> None:
    declaration = replace(import_declaration,
                          representative=Representative(import_declaration.declarant, "2"))
    assert findings(declaration) == {("RL308", "/representative/id")}


def test_RL309_import_is_not_dispatched_from_the_jurisdiction(
        findings: Check, import_declaration: DeclarationContent) -> None:
    declaration = replace(import_declaration, country_of_dispatch="XX")
    assert findings(declaration) == {("RL309", "/country_of_dispatch")}


def test_RL310_export_is_not_destined_for_the_jurisdiction(
        findings: Check, export_declaration: DeclarationContent) -> None:
    declaration = replace(export_declaration, country_of_destination="XX")
    assert findings(declaration) == {("RL310", "/country_of_destination")}


@pytest.mark.parametrize(("field", "code"), [
    ("office_of_declaration", "X0001"),
    ("office_of_declaration", "xx000100"),
    ("office_of_exit", "XX-000200"),
    ("office_of_exit", ""),
])
def test_RL311_office_reference_number_format(
        findings: Check, export_declaration: DeclarationContent, field: str, code: str) -> None:
    declaration = replace(export_declaration, **{field: code})
    assert findings(declaration) == {("RL311", f"/{field}")}
