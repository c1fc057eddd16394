"""Sequence rules (SQ4xx): numbering and repetition of goods items and their sub-lists.

Goods items are numbered 1 to n in the order given (DE 1/6); within an item, documents and
additional procedure codes are each listed once and carry their reference or marks.
"""

from __future__ import annotations

from collections.abc import Iterator

from opencustoms.validation.registry import Finding, RuleContext, RuleFamily, rule
from opencustoms.validation.rules._support import is_blank, item_pointer, items


@rule("SQ401", RuleFamily.SEQUENCE)
def item_numbers_are_sequential(context: RuleContext) -> Iterator[Finding]:
    """Goods item numbers (DE 1/6) must run 1, 2, 3 ... in order, without gaps or repeats.

    Each item is checked against its position, so one problem is reported per item that does
    not carry the number of its place.
    """
    for i, item in items(context.declaration):
        if item.sequence != i + 1:
            yield item_pointer(i, "sequence"), (
                f"goods item in position {i + 1} is numbered {item.sequence}; expected {i + 1}")


@rule("SQ402", RuleFamily.SEQUENCE)
def document_reference_not_blank(context: RuleContext) -> Iterator[Finding]:
    """Every document produced (DE 2/3) must carry its reference."""
    for i, item in items(context.declaration):
        for j, document in enumerate(item.documents):
            if is_blank(document.reference):
                yield item_pointer(i, "documents", j, "reference"), (
                    f"document {document.code} of goods item {item.sequence} has no reference")


@rule("SQ403", RuleFamily.SEQUENCE)
def document_listed_once(context: RuleContext) -> Iterator[Finding]:
    """A document (DE 2/3 code and reference) is listed only once per goods item."""
    for i, item in items(context.declaration):
        seen: set[tuple[str, str]] = set()
        for j, document in enumerate(item.documents):
            key = (document.code, document.reference)
            if key in seen:
                yield item_pointer(i, "documents", j), (
                    f"document {document.code} {document.reference!r} is already listed")
            seen.add(key)


@rule("SQ404", RuleFamily.SEQUENCE)
def additional_procedure_listed_once(context: RuleContext) -> Iterator[Finding]:
    """An additional procedure code (DE 1/11) is listed only once per goods item."""
    for i, item in items(context.declaration):
        seen: set[str] = set()
        for j, code in enumerate(item.additional_procedures):
            if code in seen:
                yield item_pointer(i, "additional_procedures", j), (
                    f"additional procedure {code} is already listed")
            seen.add(code)


@rule("SQ405", RuleFamily.SEQUENCE)
def package_marks_not_blank(context: RuleContext) -> Iterator[Finding]:
    """Shipping marks (DE 6/11), when given, must not be blank."""
    for i, item in items(context.declaration):
        for j, package in enumerate(item.packages):
            if package.marks is not None and is_blank(package.marks):
                yield item_pointer(i, "packages", j, "marks"), (
                    f"package {j + 1} of goods item {item.sequence} has blank marks")
