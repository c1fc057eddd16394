"""Code-list rules CL101-CL124: each coded element holds a code known on the acceptance date."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date

import pytest

from opencustoms.domain.declaration import Amount, DeclarationContent, Representative, Trader
from opencustoms.domain.errors import Problem
from opencustoms.domain.parties import PartyId

Check = Callable[..., set[tuple[str, str]]]
EditItem = Callable[..., DeclarationContent]
Problems = Callable[..., list[Problem]]
BROKER = PartyId("XX200000000001")


@pytest.mark.parametrize("country", ["ZZ", "cn", "CHN", ""])
def test_CL101_importer_country_must_be_known(
        findings: Check, import_declaration: DeclarationContent, country: str) -> None:
    importer = Trader(PartyId("XX100000000001"), "Acme", country or None)
    declaration = replace(import_declaration, importer=importer)
    expected = {("CL101", "/importer/country")} if country else set()
    assert findings(declaration) == expected


@pytest.mark.parametrize("field", ["exporter", "consignee"])
def test_CL101_exporter_and_consignee_country_must_be_known(
        findings: Check, export_declaration: DeclarationContent, field: str) -> None:
    declaration = replace(export_declaration, **{field: Trader(None, "Someone", "QQ")})
    assert findings(declaration) == {("CL101", f"/{field}/country")}


def test_CL101_accepts_the_jurisdictions_own_country_code(
        findings: Check, export_declaration: DeclarationContent) -> None:
    assert export_declaration.exporter is not None
    assert export_declaration.exporter.country == "XX"
    assert findings(export_declaration) == set()


def test_CL102_country_of_dispatch_must_be_known(
        findings: Check, import_declaration: DeclarationContent) -> None:
    declaration = replace(import_declaration, country_of_dispatch="QQ")
    assert findings(declaration) == {("CL102", "/country_of_dispatch")}


def test_CL103_country_of_destination_must_be_known(
        findings: Check, export_declaration: DeclarationContent) -> None:
    declaration = replace(export_declaration, country_of_destination="Kazakhstan")
    assert findings(declaration) == {("CL103", "/country_of_destination")}


def test_CL104_country_of_origin_must_be_known(
        findings: Check, import_declaration: DeclarationContent, edit_item: EditItem) -> None:
    declaration = edit_item(import_declaration, 0, country_of_origin="C1")
    assert findings(declaration) == {("CL104", "/items/0/country_of_origin")}


def test_CL105_commodity_code_must_exist_in_the_nomenclature(
        findings: Check, import_declaration: DeclarationContent, edit_item: EditItem) -> None:
    declaration = edit_item(import_declaration, 0, commodity_code="8517999999")
    assert findings(declaration) == {("CL105", "/items/0/commodity_code")}


def test_CL106_commodity_code_must_be_valid_on_acceptance_date(
        problems: Problems, import_declaration: DeclarationContent,
        edit_item: EditItem) -> None:
    declaration = edit_item(import_declaration, 0, commodity_code="8517120000")
    found = problems(declaration)
    assert [(p.code, p.pointer) for p in found] == [("CL106", "/items/0/commodity_code")]
    assert "not valid on 2026-03-02 (valid 2017-01-01 to 2021-12-31)" in found[0].detail


def test_CL106_expired_commodity_code_is_accepted_on_a_date_it_was_valid(
        findings: Check, import_declaration: DeclarationContent, edit_item: EditItem) -> None:
    declaration = edit_item(import_declaration, 0, commodity_code="8517120000")
    codes = {code for code, _ in findings(declaration, on=date(2020, 6, 1))}
    assert "CL106" not in codes


def test_CL107_commodity_code_must_be_declarable(
        findings: Check, import_declaration: DeclarationContent, edit_item: EditItem) -> None:
    declaration = edit_item(import_declaration, 0, commodity_code="8517000000")
    assert findings(declaration) == {("CL107", "/items/0/commodity_code")}


@pytest.mark.parametrize("code", ["8517.13", "85171", "85171300001", "85171300AB", "８５１７１３"])
def test_CL108_commodity_code_must_be_6_to_10_digits(
        findings: Check, import_declaration: DeclarationContent, edit_item: EditItem,
        code: str) -> None:
    declaration = edit_item(import_declaration, 0, commodity_code=code)
    assert findings(declaration) == {("CL108", "/items/0/commodity_code")}


def test_CL108_well_formed_but_unknown_code_is_only_unknown(
        findings: Check, import_declaration: DeclarationContent, edit_item: EditItem) -> None:
    declaration = edit_item(import_declaration, 0, commodity_code="85171300")
    assert findings(declaration) == {("CL105", "/items/0/commodity_code")}


def test_CL109_transport_nationality_must_be_known(
        findings: Check, import_declaration: DeclarationContent) -> None:
    assert import_declaration.transport is not None
    transport = replace(import_declaration.transport, nationality="P1")
    declaration = replace(import_declaration, transport=transport)
    assert findings(declaration) == {("CL109", "/transport/nationality")}


@pytest.mark.parametrize(("field", "currency"),
                         [("invoice", "ABC"), ("freight", "usd"), ("insurance", "XAU")])
def test_CL110_currency_must_be_iso_4217(
        findings: Check, import_declaration: DeclarationContent, field: str,
        currency: str) -> None:
    amount: Amount = getattr(import_declaration, field)
    declaration = replace(import_declaration, **{field: replace(amount, currency=currency)})
    assert findings(declaration) == {("CL110", f"/{field}/currency")}


def test_CL111_foreign_currency_needs_an_exchange_rate_on_the_date(
        findings: Check, import_declaration: DeclarationContent) -> None:
    assert import_declaration.freight is not None
    freight = replace(import_declaration.freight, currency="CHF")
    declaration = replace(import_declaration, freight=freight)
    assert findings(declaration) == {("CL111", "/freight/currency")}


def test_CL111_rates_are_looked_up_on_the_acceptance_date(
        findings: Check, import_declaration: DeclarationContent) -> None:
    assert findings(import_declaration, on=date(2027, 1, 4)) == {
        ("CL111", "/invoice/currency"), ("CL111", "/freight/currency"),
        ("CL111", "/insurance/currency")}


def test_CL111_own_currency_needs_no_rate(
        findings: Check, export_declaration: DeclarationContent) -> None:
    assert findings(export_declaration, on=date(2030, 1, 1)) == set()


def test_CL112_procedure_code_must_be_known(
        findings: Check, import_declaration: DeclarationContent, edit_item: EditItem) -> None:
    declaration = edit_item(import_declaration, 0, procedure="4999")
    assert findings(declaration) == {("CL112", "/items/0/procedure")}


def test_CL113_additional_procedure_codes_must_be_known(
        findings: Check, import_declaration: DeclarationContent, edit_item: EditItem) -> None:
    declaration = edit_item(import_declaration, 0, additional_procedures=("F15", "Z99"))
    assert findings(declaration) == {("CL113", "/items/0/additional_procedures/1")}


@pytest.mark.parametrize("kind", ["ZZ", "BG"])
def test_CL114_package_kind_must_be_known_on_the_date(
        findings: Check, import_declaration: DeclarationContent, edit_item: EditItem,
        kind: str) -> None:
    item = import_declaration.items[0]
    packages = (replace(item.packages[0], kind=kind),)
    declaration = edit_item(import_declaration, 0, packages=packages)
    assert findings(declaration) == {("CL114", "/items/0/packages/0/kind")}


def test_CL115_incoterm_must_be_known(
        findings: Check, import_declaration: DeclarationContent) -> None:
    declaration = replace(import_declaration, incoterm="FOR")
    assert findings(declaration) == {("CL115", "/incoterm")}


def test_CL116_transport_mode_must_be_known(
        findings: Check, import_declaration: DeclarationContent) -> None:
    assert import_declaration.transport is not None
    transport = replace(import_declaration.transport, mode_at_border="6")
    declaration = replace(import_declaration, transport=transport)
    assert findings(declaration) == {("CL116", "/transport/mode_at_border")}


def test_CL117_document_code_must_be_known(
        findings: Check, export_declaration: DeclarationContent, edit_item: EditItem) -> None:
    item = export_declaration.items[1]
    documents = (*item.documents, replace(item.documents[0], code="X999"))
    declaration = edit_item(export_declaration, 1, documents=documents)
    assert findings(declaration) == {("CL117", "/items/1/documents/1/code")}


def test_CL118_preference_must_be_known(
        findings: Check, import_declaration: DeclarationContent, edit_item: EditItem) -> None:
    declaration = edit_item(import_declaration, 0, preference="999")
    assert findings(declaration) == {("CL118", "/items/0/preference")}


def test_CL119_valuation_method_must_be_known(
        findings: Check, import_declaration: DeclarationContent, edit_item: EditItem) -> None:
    declaration = edit_item(import_declaration, 0, valuation_method="9")
    assert findings(declaration) == {("CL119", "/items/0/valuation_method")}


def test_CL120_representative_status_must_be_known(
        findings: Check, import_declaration: DeclarationContent) -> None:
    declaration = replace(import_declaration, representative=Representative(BROKER, "7"))
    assert findings(declaration) == {("CL120", "/representative/status")}


@pytest.mark.parametrize("office", ["XX009999", "XX000900"])
def test_CL121_office_of_declaration_must_exist_and_be_open(
        findings: Check, import_declaration: DeclarationContent, office: str) -> None:
    declaration = replace(import_declaration, office_of_declaration=office)
    assert findings(declaration) == {("CL121", "/office_of_declaration")}


def test_CL122_office_of_declaration_must_accept_declarations(
        problems: Problems, import_declaration: DeclarationContent) -> None:
    declaration = replace(import_declaration, office_of_declaration="XX000300")
    found = problems(declaration)
    assert [(p.code, p.pointer) for p in found] == [("CL122", "/office_of_declaration")]
    assert found[0].detail == ("customs office XX000300 does not act as office of declaration "
                               "(roles: entry)")


def test_CL123_office_of_exit_must_exist(
        findings: Check, export_declaration: DeclarationContent) -> None:
    declaration = replace(export_declaration, office_of_exit="XX009999")
    assert findings(declaration) == {("CL123", "/office_of_exit")}


def test_CL124_office_of_exit_must_act_as_exit(
        findings: Check, export_declaration: DeclarationContent) -> None:
    declaration = replace(export_declaration, office_of_exit="XX000100")
    assert findings(declaration) == {("CL124", "/office_of_exit")}


def test_code_list_rules_skip_absent_optional_codes(
        findings: Check, export_declaration: DeclarationContent) -> None:
    declaration = replace(export_declaration, incoterm=None, consignee=None,
                          representative=None, transport=None)
    assert findings(declaration) == {("CD217", "/transport")}


def test_a_party_id_is_not_checked_against_the_country_list(
        findings: Check, import_declaration: DeclarationContent) -> None:
    importer = Trader(PartyId("QQ100"), "Acme", "XX")
    assert findings(replace(import_declaration, importer=importer)) == set()
