"""Condition rules CD201-CD219: elements required, or excluded, by other declared values."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import pytest

from opencustoms.domain.declaration import (
    AdditionalType,
    DeclarationContent,
    Representative,
    Trader,
)
from opencustoms.domain.goods import Document
from opencustoms.domain.parties import PartyId

Check = Callable[..., set[tuple[str, str]]]
EditItem = Callable[..., DeclarationContent]
BROKER = PartyId("XX200000000001")


@pytest.mark.parametrize("importer", [None, Trader(None, "  ", "XX")])
def test_CD201_importer_required_for_import(
        findings: Check, import_declaration: DeclarationContent, importer: Trader | None) -> None:
    declaration = replace(import_declaration, importer=importer)
    assert findings(declaration) == {("CD201", "/importer")}


def test_CD201_importer_not_required_for_export(
        findings: Check, export_declaration: DeclarationContent) -> None:
    assert export_declaration.importer is None
    assert findings(export_declaration) == set()


def test_CD202_exporter_required_for_import(
        findings: Check, import_declaration: DeclarationContent) -> None:
    declaration = replace(import_declaration, exporter=None)
    assert findings(declaration) == {("CD202", "/exporter")}


def test_CD202_exporter_required_for_export(
        findings: Check, export_declaration: DeclarationContent) -> None:
    declaration = replace(export_declaration, exporter=None)
    assert findings(declaration) == {("CD202", "/exporter")}


def test_CD203_country_of_destination_required_for_export(
        findings: Check, export_declaration: DeclarationContent) -> None:
    declaration = replace(export_declaration, country_of_destination=None)
    assert findings(declaration) == {("CD203", "/country_of_destination")}


def test_CD204_office_of_exit_required_for_export(
        findings: Check, export_declaration: DeclarationContent) -> None:
    declaration = replace(export_declaration, office_of_exit=None)
    assert findings(declaration) == {("CD204", "/office_of_exit")}


def test_CD205_office_of_exit_not_declared_on_import(
        findings: Check, import_declaration: DeclarationContent) -> None:
    declaration = replace(import_declaration, office_of_exit="XX000200")
    assert findings(declaration) == {("CD205", "/office_of_exit")}


def test_CD206_country_of_dispatch_required_for_import(
        findings: Check, import_declaration: DeclarationContent) -> None:
    declaration = replace(import_declaration, country_of_dispatch=None)
    assert findings(declaration) == {("CD206", "/country_of_dispatch")}


def test_CD207_country_of_origin_required_on_import_items(
        findings: Check, import_declaration: DeclarationContent, edit_item: EditItem) -> None:
    declaration = edit_item(import_declaration, 0, country_of_origin=None)
    assert findings(declaration) == {("CD207", "/items/0/country_of_origin")}


def test_CD207_country_of_origin_not_required_on_export_items(
        findings: Check, export_declaration: DeclarationContent) -> None:
    assert all(item.country_of_origin is None for item in export_declaration.items)
    assert findings(export_declaration) == set()


def test_CD208_representative_status_required_with_a_representative(
        findings: Check, import_declaration: DeclarationContent) -> None:
    declaration = replace(import_declaration, representative=Representative(BROKER, None))
    assert findings(declaration) == {("CD208", "/representative/status")}


def test_CD208_a_blank_status_is_present_and_reported_once_as_unknown(
        findings: Check, import_declaration: DeclarationContent) -> None:
    declaration = replace(import_declaration, representative=Representative(BROKER, " "))
    assert findings(declaration) == {("CL120", "/representative/status")}


def test_CD208_representative_with_status_is_complete(
        findings: Check, import_declaration: DeclarationContent) -> None:
    declaration = replace(import_declaration, representative=Representative(BROKER, "2"))
    assert findings(declaration) == set()


def test_CD209_invoice_required(findings: Check, export_declaration: DeclarationContent) -> None:
    declaration = replace(export_declaration, invoice=None)
    assert findings(declaration) == {("CD209", "/invoice")}


def test_CD210_incoterm_required_for_import(
        findings: Check, import_declaration: DeclarationContent) -> None:
    declaration = replace(import_declaration, incoterm=None)
    assert findings(declaration) == {("CD210", "/incoterm")}


@pytest.mark.parametrize("incoterm", ["EXW", "FCA", "FAS", "FOB"])
def test_CD211_freight_required_when_buyer_pays_main_carriage(
        findings: Check, import_declaration: DeclarationContent, incoterm: str) -> None:
    declaration = replace(import_declaration, incoterm=incoterm, freight=None)
    assert findings(declaration) == {("CD211", "/freight")}


@pytest.mark.parametrize("incoterm", ["CFR", "CIF", "CPT", "CIP", "DAP", "DDP", "BAD", None])
def test_CD211_freight_not_required_when_seller_pays_or_incoterm_unusable(
        findings: Check, import_declaration: DeclarationContent, incoterm: str | None) -> None:
    declaration = replace(import_declaration, incoterm=incoterm, freight=None)
    assert "CD211" not in {code for code, _ in findings(declaration)}


@pytest.mark.parametrize("incoterm", ["FOB", "CFR", "CPT"])
def test_CD212_insurance_required_when_buyer_insures(
        findings: Check, import_declaration: DeclarationContent, incoterm: str) -> None:
    declaration = replace(import_declaration, incoterm=incoterm, insurance=None)
    assert findings(declaration) == {("CD212", "/insurance")}


def test_CD212_insurance_not_required_under_cif(
        findings: Check, import_declaration: DeclarationContent) -> None:
    declaration = replace(import_declaration, incoterm="CIF", freight=None, insurance=None)
    assert findings(declaration) == set()


def test_CD212_insurance_not_required_for_export(
        findings: Check, export_declaration: DeclarationContent) -> None:
    assert export_declaration.incoterm == "FCA"
    assert export_declaration.insurance is None
    assert findings(export_declaration) == set()


def test_CD213_valuation_method_required_on_import_items(
        findings: Check, import_declaration: DeclarationContent, edit_item: EditItem) -> None:
    declaration = edit_item(import_declaration, 0, valuation_method=None)
    assert findings(declaration) == {("CD213", "/items/0/valuation_method")}


def test_CD214_preference_required_on_import_items(
        findings: Check, import_declaration: DeclarationContent, edit_item: EditItem) -> None:
    declaration = edit_item(import_declaration, 0, preference=None)
    assert findings(declaration) == {("CD214", "/items/0/preference")}


def test_CD215_preference_claim_needs_proof_of_origin(
        findings: Check, import_declaration: DeclarationContent, edit_item: EditItem) -> None:
    declaration = edit_item(import_declaration, 0, preference="300")
    assert findings(declaration) == {("CD215", "/items/0/documents")}


def test_CD215_preference_claim_with_proof_of_origin_is_accepted(
        findings: Check, import_declaration: DeclarationContent, edit_item: EditItem) -> None:
    documents = (*import_declaration.items[0].documents, Document("N954", "EUR1-A-000123"))
    declaration = edit_item(import_declaration, 0, preference="300", documents=documents)
    assert findings(declaration) == set()


def test_CD216_supplementary_quantity_required_when_commodity_has_a_unit(
        findings: Check, import_declaration: DeclarationContent, edit_item: EditItem) -> None:
    declaration = edit_item(import_declaration, 0, supplementary_quantity=None)
    assert findings(declaration) == {("CD216", "/items/0/supplementary_quantity")}


def test_CD216_no_supplementary_quantity_for_commodity_without_a_unit(
        findings: Check, export_declaration: DeclarationContent) -> None:
    assert export_declaration.items[1].supplementary_quantity is None
    assert findings(export_declaration) == set()


def test_CD217_transport_required_for_import(
        findings: Check, import_declaration: DeclarationContent) -> None:
    declaration = replace(import_declaration, transport=None)
    assert findings(declaration) == {("CD217", "/transport")}


def test_CD218_means_of_transport_identity_required(
        findings: Check, import_declaration: DeclarationContent) -> None:
    assert import_declaration.transport is not None
    transport = replace(import_declaration.transport, means_identity=None)
    declaration = replace(import_declaration, transport=transport)
    assert findings(declaration) == {("CD218", "/transport/means_identity")}


@pytest.mark.parametrize("mode", ["5", "7", "9"])
def test_CD218_no_means_identity_for_postal_fixed_or_self_propelled(
        findings: Check, import_declaration: DeclarationContent, mode: str) -> None:
    assert import_declaration.transport is not None
    transport = replace(import_declaration.transport, mode_at_border=mode, means_identity=None)
    declaration = replace(import_declaration, transport=transport)
    assert findings(declaration) == set()


def test_CD218_no_means_identity_needed_when_pre_lodged(
        findings: Check, import_declaration: DeclarationContent) -> None:
    assert import_declaration.transport is not None
    transport = replace(import_declaration.transport, means_identity=None)
    declaration = replace(import_declaration, transport=transport,
                          additional_type=AdditionalType.PRE_LODGED)
    assert findings(declaration) == set()


def test_CD219_every_item_states_its_packages(
        findings: Check, export_declaration: DeclarationContent, edit_item: EditItem) -> None:
    declaration = edit_item(export_declaration, 1, packages=())
    assert findings(declaration) == {("CD219", "/items/1/packages")}
