"""Sequence rules SQ401-SQ405: numbering of goods items, repetition within an item."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import pytest

from opencustoms.domain.declaration import DeclarationContent
from opencustoms.domain.goods import Document, Package

Check = Callable[..., set[tuple[str, str]]]
EditItem = Callable[..., DeclarationContent]


@pytest.mark.parametrize(("numbers", "pointers"), [
    ((1, 3), {"/items/1/sequence"}),
    ((1, 1), {"/items/1/sequence"}),
    ((2, 1), {"/items/0/sequence", "/items/1/sequence"}),
    ((0, 1), {"/items/0/sequence", "/items/1/sequence"}),
])
def test_SQ401_item_numbers_run_1_to_n_in_order(
        findings: Check, export_declaration: DeclarationContent,
        numbers: tuple[int, int], pointers: set[str]) -> None:
    items = tuple(replace(item, sequence=n)
                  for item, n in zip(export_declaration.items, numbers, strict=True))
    declaration = replace(export_declaration, items=items)
    assert findings(declaration) == {("SQ401", where) for where in pointers}


def test_SQ401_detail_names_the_expected_number(
        problems: Callable[..., list], export_declaration: DeclarationContent,
        edit_item: EditItem) -> None:
    found = problems(edit_item(export_declaration, 1, sequence=5))
    assert [p.detail for p in found] == ["goods item in position 2 is numbered 5; expected 2"]


@pytest.mark.parametrize("blank", ["", "  "])
def test_SQ402_document_reference_not_blank(
        findings: Check, import_declaration: DeclarationContent, edit_item: EditItem,
        blank: str) -> None:
    declaration = edit_item(import_declaration, 0, documents=(Document("N935", blank),))
    assert findings(declaration) == {("SQ402", "/items/0/documents/0/reference")}


def test_SQ403_document_listed_once_per_item(
        findings: Check, import_declaration: DeclarationContent, edit_item: EditItem) -> None:
    document = import_declaration.items[0].documents[0]
    declaration = edit_item(import_declaration, 0, documents=(document, document))
    assert findings(declaration) == {("SQ403", "/items/0/documents/1")}


def test_SQ403_same_document_on_different_items_is_fine(
        findings: Check, export_declaration: DeclarationContent) -> None:
    assert export_declaration.items[0].documents == export_declaration.items[1].documents
    assert findings(export_declaration) == set()


def test_SQ404_additional_procedure_listed_once_per_item(
        findings: Check, import_declaration: DeclarationContent, edit_item: EditItem) -> None:
    declaration = edit_item(import_declaration, 0, additional_procedures=("F15", "C07", "F15"))
    assert findings(declaration) == {("SQ404", "/items/0/additional_procedures/2")}


def test_SQ405_package_marks_not_blank_when_given(
        findings: Check, export_declaration: DeclarationContent, edit_item: EditItem) -> None:
    packages = (Package("CT", 2, "B-1"), Package("CT", 1, " "), Package("CT", 1, None))
    declaration = edit_item(export_declaration, 1, packages=packages)
    assert findings(declaration) == {("SQ405", "/items/1/packages/1/marks")}
