"""Fixtures of the validation tests: a small hand-built jurisdiction and valid declarations.

The reference data here is the tests' own (not the demo pack), so every rule test knows
exactly which codes exist. The valid import and export declarations mirror
``shared/examples/declaration-import.json`` and ``declaration-export.json``. Every fixture is
immutable and session-scoped, so Hypothesis tests can use them too.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from opencustoms.domain.declaration import (
    LRN,
    AdditionalType,
    Amount,
    DeclarationContent,
    DeclarationType,
    OfficeCode,
    Trader,
    Transport,
)
from opencustoms.domain.errors import Problem
from opencustoms.domain.goods import CommodityCode, CountryCode, Document, GoodsItem, Package
from opencustoms.domain.money import CurrencyCode
from opencustoms.domain.parties import Party, PartyId, Role
from opencustoms.domain.reference import (
    CodeList,
    CodeListEntry,
    Commodity,
    ExchangeRate,
    Jurisdiction,
    Office,
    ReferenceData,
    Validity,
)
from opencustoms.validation.engine import validate
from opencustoms.validation.registry import RuleContext

ACCEPTANCE = date(2026, 3, 2)
YEAR_2026 = Validity(date(2026, 1, 1), date(2026, 12, 31))

ACME = PartyId("XX100000000001")
BETA = PartyId("XX100000000002")
BROKER = PartyId("XX200000000001")

Findings = set[tuple[str, str]]
Check = Callable[..., Findings]
EditItem = Callable[..., DeclarationContent]


def _entries(codes: Mapping[str, Mapping[str, str]]) -> list[CodeListEntry]:
    return [CodeListEntry(code, f"test {code}", attributes=dict(attrs))
            for code, attrs in codes.items()]


def _incoterms() -> dict[str, dict[str, str]]:
    def terms(carriage: bool, insurance: bool) -> dict[str, str]:
        return {"seller_pays_main_carriage": str(carriage).lower(),
                "seller_pays_insurance": str(insurance).lower()}

    buyer_pays_all = dict.fromkeys(("EXW", "FCA", "FAS", "FOB"), terms(False, False))
    seller_carries = dict.fromkeys(("CFR", "CPT"), terms(True, False))
    seller_pays_all = dict.fromkeys(("CIF", "CIP", "DAP", "DPU", "DDP"), terms(True, True))
    return buyer_pays_all | seller_carries | seller_pays_all


def _code_lists(reference: ReferenceData) -> None:
    lists: dict[str, dict[str, dict[str, str]]] = {
        CodeList.COUNTRY: {"XX": {}},
        CodeList.CURRENCY: {"EUR": {"minor_unit": "2"}, "USD": {"minor_unit": "2"},
                            "JPY": {"minor_unit": "0"}, "KWD": {"minor_unit": "3"}},
        CodeList.PROCEDURE: {
            "4000": {"declaration_types": "IM CO", "requested": "40", "previous": "00"},
            "4071": {"declaration_types": "IM", "requested": "40", "previous": "71"},
            "1040": {"declaration_types": "EX", "requested": "10", "previous": "40"},
            "2100": {"declaration_types": "EX", "requested": "21", "previous": "00"},
            "7100": {"declaration_types": "IM", "requested": "71", "previous": "00"},
        },
        CodeList.ADDITIONAL_PROCEDURE: {"C07": {"procedures": "4000 4071"},
                                        "F15": {"procedures": "*"}, "E01": {}},
        CodeList.PACKAGE_KIND: {"CT": {"bulk": "false"}, "BX": {}, "NE": {"bulk": "true"},
                                "VR": {"bulk": "true"}},
        CodeList.INCOTERM: _incoterms(),
        CodeList.TRANSPORT_MODE: {mode: {} for mode in "12345789"},
        CodeList.DOCUMENT: {"N935": {"kind": "invoice"}, "N380": {"kind": "invoice"},
                            "N705": {"kind": "transport"}, "N954": {"kind": "proof_of_origin"}},
        CodeList.PREFERENCE: {"100": {"preferential": "false"},
                              "300": {"preferential": "true"}},
        CodeList.REPRESENTATIVE_STATUS: {"2": {}, "3": {}},
        CodeList.VALUATION_METHOD: {method: {} for method in "123456"},
    }
    for name, codes in lists.items():
        reference.add_entries(name, _entries(codes))
    reference.add_entries(CodeList.PACKAGE_KIND, [CodeListEntry(
        "BG", "bag, withdrawn", Validity(date(2000, 1, 1), date(2020, 12, 31)))])


def _nomenclature(reference: ReferenceData) -> None:
    reference.add_commodities([
        Commodity("8517000000", "telephone sets", None, declarable=False),
        Commodity("8517130000", "smartphones", "8517000000", True, supplementary_unit="p/st"),
        Commodity("8517120000", "mobile telephones", "8517000000", True,
                  validity=Validity(date(2017, 1, 1), date(2021, 12, 31))),
        Commodity("8429520000", "revolving excavators", None, True, supplementary_unit="p/st"),
        Commodity("8431490000", "parts of excavators", None, True),
        Commodity("0901210000", "roasted coffee", None, True),
    ])


def _offices(reference: ReferenceData) -> None:
    reference.add_offices([
        Office("XX000100", "Capital", "XX", frozenset({"declaration", "entry"})),
        Office("XX000200", "Border", "XX", frozenset({"declaration", "exit", "entry"})),
        Office("XX000300", "Airport", "XX", frozenset({"entry"})),
        Office("XX000900", "Closed", "XX", frozenset({"declaration", "exit"}),
               Validity(date(2000, 1, 1), date(2020, 12, 31))),
    ])


@pytest.fixture(scope="session")
def reference() -> ReferenceData:
    data = ReferenceData(Jurisdiction("XX", "Test territory", "EUR"))
    _code_lists(data)
    _nomenclature(data)
    _offices(data)
    data.add_exchange_rates([ExchangeRate("USD", Decimal("1.0850"), YEAR_2026),
                             ExchangeRate("JPY", Decimal("162"), YEAR_2026),
                             ExchangeRate("KWD", Decimal("0.333"), YEAR_2026)])
    return data


def _import() -> DeclarationContent:
    usd = CurrencyCode("USD")
    item = GoodsItem(
        sequence=1, commodity_code=CommodityCode("8517130000"), description="Smartphones, 128 GB",
        procedure="4000", net_mass=Decimal("12.500"), gross_mass=Decimal("15.000"),
        item_price=Decimal("12500.00"), country_of_origin=CountryCode("CN"), preference="100",
        supplementary_quantity=Decimal("100"), packages=(Package("CT", 10, "ACME 1-10"),),
        valuation_method="1", documents=(Document("N935", "INV-2026-118"),),
    )
    return DeclarationContent(
        lrn=LRN("ACME-2026-000001"), type=DeclarationType.IMPORT,
        additional_type=AdditionalType.STANDARD, declarant=ACME,
        office_of_declaration=OfficeCode("XX000100"), items=(item,),
        importer=Trader(ACME, "Acme Imports", CountryCode("XX")),
        exporter=Trader(None, "Shenzhen Widget Co", CountryCode("CN")),
        country_of_dispatch=CountryCode("CN"), incoterm="FOB",
        invoice=Amount(usd, Decimal("12500.00")), freight=Amount(usd, Decimal("800.00")),
        insurance=Amount(usd, Decimal("50.00")),
        transport=Transport("1", "IMO9321483", CountryCode("PA")),
    )


def _export() -> DeclarationContent:
    invoice = "INV-BMW-2026-77"
    items = (
        GoodsItem(1, CommodityCode("8429520000"),
                  "Hydraulic excavator, 360-degree revolving superstructure", "1040",
                  Decimal("14200.000"), Decimal("14350.000"), Decimal("46000.00"),
                  supplementary_quantity=Decimal("1"), packages=(Package("NE", 1, "BMW-EX-7"),),
                  documents=(Document("N380", invoice),)),
        GoodsItem(2, CommodityCode("8431490000"), "Spare bucket teeth for excavators", "1040",
                  Decimal("180.000"), Decimal("195.000"), Decimal("2200.00"),
                  packages=(Package("CT", 3, "BMW-EX-8/10"),),
                  documents=(Document("N380", invoice),)),
    )
    return DeclarationContent(
        lrn=LRN("BETA-EXP-2026-0042"), type=DeclarationType.EXPORT,
        additional_type=AdditionalType.STANDARD, declarant=BETA,
        office_of_declaration=OfficeCode("XX000100"), items=items,
        exporter=Trader(BETA, "Beta Machinery Works", CountryCode("XX")),
        consignee=Trader(None, "Almaty Trading LLP", CountryCode("KZ")),
        office_of_exit=OfficeCode("XX000200"), country_of_destination=CountryCode("KZ"),
        incoterm="FCA", invoice=Amount(CurrencyCode("EUR"), Decimal("48200.00")),
        transport=Transport("3", "XX-123-AB", CountryCode("XX")),
    )


@pytest.fixture(scope="session")
def import_declaration() -> DeclarationContent:
    """A valid import declaration, as ``declaration-import.json``."""
    return _import()


@pytest.fixture(scope="session")
def export_declaration() -> DeclarationContent:
    """A valid export declaration, as ``declaration-export.json``."""
    return _export()


@pytest.fixture(scope="session")
def acme() -> Party:
    """The trader who declares the import example."""
    return Party(ACME, "Acme Imports", "XX", frozenset({Role.TRADER}))


@pytest.fixture(scope="session")
def broker() -> Party:
    """A customs broker authorised by Acme (and nobody else)."""
    return Party(BROKER, "Border Brokers", "XX", frozenset({Role.REPRESENTATIVE}),
                 represents=frozenset({ACME}))


@pytest.fixture(scope="session")
def officer() -> Party:
    return Party(PartyId("XX900000000001"), "Officer", "XX", frozenset({Role.OFFICER}),
                 office="XX000100")


@pytest.fixture(scope="session")
def problems(reference: ReferenceData) -> Callable[..., list[Problem]]:
    """Validate a declaration on the acceptance date, optionally as an authenticated party."""

    def run(declaration: DeclarationContent, actor: Party | None = None,
            on: date = ACCEPTANCE) -> list[Problem]:
        return validate(RuleContext(declaration, reference, on, actor))

    return run


@pytest.fixture(scope="session")
def findings(problems: Callable[..., list[Problem]]) -> Check:
    """The (code, pointer) pairs of every problem: compare with a set literal."""

    def run(declaration: DeclarationContent, actor: Party | None = None,
            on: date = ACCEPTANCE) -> Findings:
        return {(p.code, p.pointer) for p in problems(declaration, actor, on)}

    return run


@pytest.fixture(scope="session")
def edit_item() -> EditItem:
    """``edit_item(declaration, index, field=value, ...)``: the declaration with one item
    changed."""

    def run(declaration: DeclarationContent, index: int, **changes: Any) -> DeclarationContent:
        items = list(declaration.items)
        items[index] = replace(items[index], **changes)
        return replace(declaration, items=tuple(items))

    return run
