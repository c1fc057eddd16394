"""Goods-item and amount rules RL312-RL328: masses, quantities, money, procedures, text."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from decimal import Decimal

import pytest

from opencustoms.domain.declaration import Amount, DeclarationContent
from opencustoms.domain.goods import Package

Check = Callable[..., set[tuple[str, str]]]
EditItem = Callable[..., DeclarationContent]


def _two_item_import(declaration: DeclarationContent, procedure: str) -> DeclarationContent:
    first = replace(declaration.items[0], item_price=Decimal("12000.00"))
    second = replace(first, sequence=2, procedure=procedure, item_price=Decimal("500.00"))
    return replace(declaration, items=(first, second))


def test_RL312_net_mass_not_above_gross_mass(
        problems: Callable[..., list], import_declaration: DeclarationContent,
        edit_item: EditItem) -> None:
    declaration = edit_item(import_declaration, 0, net_mass=Decimal("15.001"))
    found = problems(declaration)
    assert [(p.code, p.pointer) for p in found] == [("RL312", "/items/0/net_mass")]
    assert found[0].detail == "net mass 15.001 kg exceeds gross mass 15.000 kg"


@pytest.mark.parametrize("mass", ["0", "-1.5"])
def test_RL313_net_mass_positive(
        findings: Check, import_declaration: DeclarationContent, edit_item: EditItem,
        mass: str) -> None:
    declaration = edit_item(import_declaration, 0, net_mass=Decimal(mass))
    assert findings(declaration) == {("RL313", "/items/0/net_mass")}


def test_RL314_gross_mass_positive(
        findings: Check, import_declaration: DeclarationContent, edit_item: EditItem) -> None:
    declaration = edit_item(import_declaration, 0, gross_mass=Decimal("0"))
    assert findings(declaration) == {("RL314", "/items/0/gross_mass"),
                                     ("RL312", "/items/0/net_mass")}


def test_RL315_supplementary_quantity_positive(
        findings: Check, import_declaration: DeclarationContent, edit_item: EditItem) -> None:
    declaration = edit_item(import_declaration, 0, supplementary_quantity=Decimal("0"))
    assert findings(declaration) == {("RL315", "/items/0/supplementary_quantity")}


def test_RL316_packed_goods_need_at_least_one_package(
        findings: Check, import_declaration: DeclarationContent, edit_item: EditItem) -> None:
    declaration = edit_item(import_declaration, 0, packages=(Package("CT", 0, "ACME"),))
    assert findings(declaration) == {("RL316", "/items/0/packages/0/count")}


def test_RL316_bulk_goods_may_declare_zero_packages(
        findings: Check, export_declaration: DeclarationContent, edit_item: EditItem) -> None:
    declaration = edit_item(export_declaration, 0, packages=(Package("NE", 0),))
    assert findings(declaration) == set()


def test_RL316_bulk_goods_never_declare_a_negative_count(
        findings: Check, export_declaration: DeclarationContent, edit_item: EditItem) -> None:
    declaration = edit_item(export_declaration, 0, packages=(Package("VR", -1),))
    assert findings(declaration) == {("RL316", "/items/0/packages/0/count")}


def test_RL316_unknown_kind_counts_as_packed(
        findings: Check, export_declaration: DeclarationContent, edit_item: EditItem) -> None:
    declaration = edit_item(export_declaration, 0, packages=(Package("??", 0),))
    assert findings(declaration) == {("RL316", "/items/0/packages/0/count"),
                                     ("CL114", "/items/0/packages/0/kind")}


def test_RL317_item_price_not_negative(
        findings: Check, export_declaration: DeclarationContent, edit_item: EditItem) -> None:
    declaration = edit_item(export_declaration, 1, item_price=Decimal("-2200.00"))
    assert findings(declaration) == {("RL317", "/items/1/item_price"),
                                     ("RL321", "/invoice/amount")}


def test_RL317_goods_free_of_charge_may_be_priced_zero(
        findings: Check, export_declaration: DeclarationContent, edit_item: EditItem) -> None:
    declaration = edit_item(export_declaration, 1, item_price=Decimal("0.00"))
    assert export_declaration.invoice is not None
    invoice = replace(export_declaration.invoice, amount=Decimal("46000.00"))
    assert findings(replace(declaration, invoice=invoice)) == set()


def test_RL318_amounts_not_negative(
        findings: Check, import_declaration: DeclarationContent) -> None:
    declaration = replace(import_declaration, freight=Amount("USD", Decimal("-800.00")))
    assert findings(declaration) == {("RL318", "/freight/amount")}


def test_RL319_amounts_have_at_most_the_currency_minor_digits(
        findings: Check, import_declaration: DeclarationContent) -> None:
    declaration = replace(import_declaration, insurance=Amount("USD", Decimal("50.005")))
    assert findings(declaration) == {("RL319", "/insurance/amount")}


@pytest.mark.parametrize(("currency", "amount", "flagged"), [
    ("JPY", "800", False), ("JPY", "800.0", True), ("KWD", "800.125", False),
    ("KWD", "800.1250", True), ("EUR", "8E+2", False)])
def test_RL319_minor_digits_follow_the_currency(
        findings: Check, import_declaration: DeclarationContent, currency: str, amount: str,
        flagged: bool) -> None:
    declaration = replace(import_declaration, freight=Amount(currency, Decimal(amount)))
    assert findings(declaration) == ({("RL319", "/freight/amount")} if flagged else set())


def test_RL319_unknown_currency_uses_two_digits_and_does_not_fail(
        findings: Check, import_declaration: DeclarationContent) -> None:
    declaration = replace(import_declaration, freight=Amount("ABC", Decimal("800.005")))
    assert findings(declaration) == {("RL319", "/freight/amount"), ("CL110", "/freight/currency")}


def test_RL320_item_price_in_the_invoice_currency_minor_unit(
        findings: Check, import_declaration: DeclarationContent) -> None:
    declaration = replace(import_declaration, invoice=Amount("JPY", Decimal("12500")))
    assert findings(declaration) == {("RL320", "/items/0/item_price")}


def test_RL321_item_prices_add_up_to_the_invoice(
        problems: Callable[..., list], export_declaration: DeclarationContent,
        edit_item: EditItem) -> None:
    declaration = edit_item(export_declaration, 1, item_price=Decimal("2100.00"))
    found = problems(declaration)
    assert [(p.code, p.pointer) for p in found] == [("RL321", "/invoice/amount")]
    assert found[0].detail == ("item prices add up to 48100.00 EUR but the invoice amount is "
                               "48200.00")


def test_RL322_procedure_fits_the_declaration_type(
        findings: Check, import_declaration: DeclarationContent, edit_item: EditItem) -> None:
    declaration = edit_item(import_declaration, 0, procedure="1040")
    assert findings(declaration) == {("RL322", "/items/0/procedure")}


def test_RL322_every_item_is_checked(
        findings: Check, export_declaration: DeclarationContent, edit_item: EditItem) -> None:
    declaration = edit_item(export_declaration, 1, procedure="4000")
    assert findings(declaration) == {("RL322", "/items/1/procedure"),
                                     ("RL323", "/items/1/procedure")}


def test_RL323_one_requested_procedure_per_declaration(
        findings: Check, import_declaration: DeclarationContent) -> None:
    assert findings(_two_item_import(import_declaration, "4071")) == set()
    mixed = _two_item_import(import_declaration, "7100")
    assert findings(mixed) == {("RL323", "/items/1/procedure")}


@pytest.mark.parametrize("procedure", ["40", "40000", "40A0", ""])
def test_RL324_procedure_code_has_four_digits(
        findings: Check, import_declaration: DeclarationContent, edit_item: EditItem,
        procedure: str) -> None:
    declaration = edit_item(import_declaration, 0, procedure=procedure)
    assert findings(declaration) == {("RL324", "/items/0/procedure")}


def test_RL325_additional_procedure_fits_the_procedure(
        findings: Check, export_declaration: DeclarationContent, edit_item: EditItem) -> None:
    declaration = edit_item(export_declaration, 0, additional_procedures=("F15", "C07", "E01"))
    assert findings(declaration) == {("RL325", "/items/0/additional_procedures/1")}


@pytest.mark.parametrize("description", ["", "   "])
def test_RL326_description_not_blank(
        findings: Check, import_declaration: DeclarationContent, edit_item: EditItem,
        description: str) -> None:
    declaration = edit_item(import_declaration, 0, description=description)
    assert findings(declaration) == {("RL326", "/items/0/description")}


def test_RL327_description_at_most_512_characters(
        findings: Check, import_declaration: DeclarationContent, edit_item: EditItem) -> None:
    assert findings(edit_item(import_declaration, 0, description="x" * 512)) == set()
    declaration = edit_item(import_declaration, 0, description="x" * 513)
    assert findings(declaration) == {("RL327", "/items/0/description")}


@pytest.mark.parametrize("field", ["net_mass", "gross_mass", "supplementary_quantity",
                                   "item_price"])
@pytest.mark.parametrize("value", ["NaN", "sNaN", "Infinity", "-Infinity"])
def test_RL328_numbers_are_finite_and_reported_once(
        findings: Check, import_declaration: DeclarationContent, edit_item: EditItem,
        field: str, value: str) -> None:
    declaration = edit_item(import_declaration, 0, **{field: Decimal(value)})
    assert findings(declaration) == {("RL328", f"/items/0/{field}")}


def test_RL328_header_amounts_are_finite(
        findings: Check, import_declaration: DeclarationContent) -> None:
    declaration = replace(import_declaration, invoice=Amount("USD", Decimal("NaN")))
    assert findings(declaration) == {("RL328", "/invoice/amount")}
