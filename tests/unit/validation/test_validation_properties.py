"""Property-based tests of the rule catalogue (Hypothesis)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from opencustoms.domain.declaration import Amount, DeclarationContent, Representative, Transport
from opencustoms.domain.errors import Problem
from opencustoms.domain.goods import Document, Package
from opencustoms.domain.parties import PartyId
from opencustoms.validation.engine import catalogue

Check = Callable[..., set[tuple[str, str]]]
Problems = Callable[..., list[Problem]]
EditItem = Callable[..., DeclarationContent]

printable = st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=1)
anything = st.text(max_size=12)


@given(numbers=st.lists(st.integers(min_value=-2, max_value=12), min_size=1, max_size=12))
def test_SQ401_flags_exactly_the_items_out_of_place(
        findings: Check, export_declaration: DeclarationContent, numbers: list[int]) -> None:
    template = export_declaration.items[1]
    items = tuple(replace(template, sequence=n) for n in numbers)
    flagged = {where for code, where in findings(replace(export_declaration, items=items))
               if code == "SQ401"}
    assert flagged == {f"/items/{i}/sequence" for i, n in enumerate(numbers) if n != i + 1}
    assert (not flagged) == (numbers == list(range(1, len(numbers) + 1)))


@given(lrn=printable)
def test_RL302_lrn_is_flagged_exactly_when_longer_than_22(
        findings: Check, import_declaration: DeclarationContent, lrn: str) -> None:
    found = findings(replace(import_declaration, lrn=lrn))
    assert (("RL302", "/lrn") in found) == (len(lrn) > 22)
    assert found <= {("RL302", "/lrn")}


@given(digits=st.integers(min_value=0, max_value=6), minor=st.sampled_from(
    [("JPY", 0), ("USD", 2), ("KWD", 3)]), units=st.integers(min_value=0, max_value=10**9))
def test_RL319_amount_is_flagged_exactly_when_finer_than_the_minor_unit(
        findings: Check, import_declaration: DeclarationContent, digits: int,
        minor: tuple[str, int], units: int) -> None:
    currency, minor_unit = minor
    amount = Decimal(units).scaleb(-digits)
    declaration = replace(import_declaration, freight=Amount(currency, amount))
    assert findings(declaration) == (
        {("RL319", "/freight/amount")} if digits > minor_unit else set())


@given(commodity=anything, procedure=anything, kind=anything, country=anything,
       currency=anything, incoterm=anything, office=anything, status=anything,
       document=anything, extra=st.lists(anything, max_size=3),
       count=st.integers(min_value=-3, max_value=3))
def test_rules_never_fail_on_arbitrary_codes(
        problems: Problems, import_declaration: DeclarationContent, edit_item: EditItem,
        commodity: str, procedure: str, kind: str, country: str, currency: str,
        incoterm: str, office: str, status: str, document: str, extra: list[str],
        count: int) -> None:
    declaration = edit_item(
        import_declaration, 0, commodity_code=commodity, procedure=procedure,
        country_of_origin=country, preference=status, valuation_method=status,
        additional_procedures=tuple(extra), packages=(Package(kind, count, kind),),
        documents=(Document(document, document),))
    declaration = replace(
        declaration, incoterm=incoterm, office_of_declaration=office, office_of_exit=office,
        country_of_dispatch=country, invoice=Amount(currency, Decimal("12500.00")),
        representative=Representative(PartyId(status), status),
        transport=Transport(status, None, country))
    codes = {r.code for r in catalogue()}
    for problem in problems(declaration):
        assert problem.code in codes
        assert problem.pointer.startswith("/")
        assert problem.detail
