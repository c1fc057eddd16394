"""A small hand-made jurisdiction and tariff for the tariff engine's tests, and builders.

National currency EUR; 1 EUR = 1.25 USD, 0.80 GBP and 160 JPY, so conversions come out exact;
the tariff converts GBP duties at its own monetary rate 1 GBP = 1.20 EUR. Every code below
names what it tests; all measures are valid throughout 2026 (acceptance date :data:`ON`).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Any

from opencustoms.domain.declaration import (
    LRN,
    AdditionalType,
    Amount,
    DeclarationContent,
    DeclarationType,
    OfficeCode,
)
from opencustoms.domain.errors import RuleViolations
from opencustoms.domain.goods import CommodityCode, CountryCode, Document, GoodsItem, Quantity
from opencustoms.domain.money import CurrencyCode
from opencustoms.domain.parties import PartyId
from opencustoms.domain.reference import (
    CodeList,
    CodeListEntry,
    Commodity,
    ExchangeRate,
    Jurisdiction,
    ReferenceData,
    Validity,
)
from opencustoms.tariff.assessment import Assessment, ItemAssessment, TaxLine
from opencustoms.tariff.calculation import QuotaBalance, calculate
from opencustoms.tariff.model import (
    DutyComponent,
    Fee,
    GeographicalArea,
    Measure,
    MeasureCondition,
    MeasureKind,
    MeasureType,
    MonetaryRate,
    Quota,
    Tariff,
)

ON = date(2026, 3, 2)
YEAR = Validity(date(2026, 1, 1), date(2026, 12, 31))
D = Decimal
K = MeasureKind

ERGA = GeographicalArea("1011", "ERGA OMNES")
MED = GeographicalArea("1033", "Mediterranean partners", frozenset({"MA", "TN"}))
CA = GeographicalArea("CA", "Canada")
CN = GeographicalArea("CN", "China")
US = GeographicalArea("US", "United States")
KP = GeographicalArea("KP", "North Korea")

T103 = MeasureType("103", "Third country duty", K.THIRD_COUNTRY_DUTY)
T109 = MeasureType("109", "Supplementary unit", K.SUPPLEMENTARY_UNIT)
T117 = MeasureType("117", "Suspension - end use", K.SUSPENSION)
T122 = MeasureType("122", "Non preferential tariff quota", K.NON_PREFERENTIAL_QUOTA)
T142 = MeasureType("142", "Tariff preference", K.TARIFF_PREFERENCE)
T143 = MeasureType("143", "Preferential tariff quota", K.PREFERENTIAL_QUOTA)
T277 = MeasureType("277", "Import prohibition", K.PROHIBITION)
T278 = MeasureType("278", "Export prohibition", K.PROHIBITION)
T305 = MeasureType("305", "Value added tax", K.VAT)
T306 = MeasureType("306", "Excises", K.EXCISE)
T410 = MeasureType("410", "Veterinary control", K.RESTRICTION)
T552 = MeasureType("552", "Definitive anti-dumping duty", K.ANTI_DUMPING)
T695 = MeasureType("695", "Additional duties", K.ADDITIONAL_DUTY)


def pct(amount: str, expression: str = "01", unit: str | None = None) -> DutyComponent:
    return DutyComponent(expression, D(amount), None, unit)


def per(amount: str, currency: str, unit: str | None, qualifier: str | None = None,
        expression: str = "01") -> DutyComponent:
    return DutyComponent(expression, D(amount), currency, unit, qualifier)


def condition(code: str, sequence: int, action: str, document: str | None = None,
              **kw: Any) -> MeasureCondition:
    return MeasureCondition(code, sequence, action, document, **kw)


_SID = iter(range(1000, 10_000))


def measure(kind: MeasureType, code: str, *components: DutyComponent,
            area: GeographicalArea = ERGA, **kw: Any) -> Measure:
    return Measure(str(next(_SID)), kind, code, area, YEAR, tuple(components), **kw)


NOMENCLATURE: list[tuple[str, str | None, bool, str | None]] = [
    # code, parent, declarable, supplementary unit
    ("02", None, False, None), ("0201", "02", False, None), ("020130", "0201", False, None),
    ("0201300000", "020130", True, None),
    ("07", None, False, None), ("0702000000", "07", True, None),
    ("08", None, False, None), ("0809290000", "08", True, None),
    ("10", None, False, None), ("1001990000", "10", True, None),
    ("17", None, False, None), ("1704909900", "17", True, None),
    ("18", None, False, None), ("1806900000", "18", True, None),
    ("22", None, False, None), ("2208300000", "22", True, "LTR"),
    ("24", None, False, None), ("2402200000", "24", True, "NAR"),
    ("38", None, False, None), ("3826001000", "38", True, None),
    ("64", None, False, None), ("6403990000", "64", True, "NPR"),
    ("73", None, False, None), ("7318150000", "73", True, None),
    ("84", None, False, None), ("8471", "84", False, None), ("847130", "8471", False, None),
    ("8471300000", "847130", True, "NAR"),
    ("87", None, False, None), ("8708990000", "87", True, None),
    ("91", None, False, None), ("9101110000", "91", True, "NAR"),
    ("93", None, False, None), ("9304000000", "93", True, None),
    ("99", None, False, None), ("9999000000", "99", True, None),
]


def _reference() -> ReferenceData:
    data = ReferenceData(Jurisdiction("XX", "Test territory", "EUR"))
    data.add_commodities(Commodity(code, f"test {code}", parent, declarable,
                                   supplementary_unit=unit)
                         for code, parent, declarable, unit in NOMENCLATURE)
    data.add_commodities([Commodity("8471300010", "laptops, old code", "847130", True,
                                    Validity(date(2020, 1, 1), date(2025, 12, 31)))])
    lists: dict[str, dict[str, dict[str, str]]] = {
        CodeList.CURRENCY: {"EUR": {"minor_unit": "2"}, "USD": {"minor_unit": "2"},
                            "GBP": {"minor_unit": "2"}, "JPY": {"minor_unit": "0"}},
        CodeList.INCOTERM: {
            "FOB": {"seller_pays_main_carriage": "false", "seller_pays_insurance": "false"},
            "CFR": {"seller_pays_main_carriage": "true", "seller_pays_insurance": "false"},
            "CIF": {"seller_pays_main_carriage": "true", "seller_pays_insurance": "true"}},
        CodeList.PREFERENCE: {"100": {"preferential": "false"},
                              "120": {"preferential": "false"},
                              "300": {"preferential": "true"},
                              "320": {"preferential": "true"}},
        CodeList.DOCUMENT: {"N954": {"kind": "proof_of_origin"}, "N380": {"kind": "invoice"},
                            "U088": {"kind": "other"}, "C990": {"kind": "certificate"},
                            "N853": {"kind": "certificate"}, "X002": {"kind": "licence"}},
    }
    for name, codes in lists.items():
        data.add_entries(name, [CodeListEntry(code, f"test {code}", attributes=attrs)
                                for code, attrs in codes.items()])
    data.add_exchange_rates([ExchangeRate("USD", D("1.25"), YEAR),
                             ExchangeRate("GBP", D("0.80"), YEAR),
                             ExchangeRate("JPY", D("160"), YEAR)])
    return data


def _duties() -> list[Measure]:
    return [
        measure(T103, "020130", pct("12.80"), per("176.80", "EUR", "DTN", expression="04")),
        measure(T410, "0201", conditions=(condition("B", 1, "29", "N853"),
                                          condition("B", 2, "09"))),
        measure(T103, "0702000000", pct("8.00")),
        measure(T142, "0702000000", pct("0.00"), area=MED),
        measure(T142, "0702000000", pct("0.00"), area=CA,
                conditions=(condition("Q", 1, "27", "U088"), condition("Q", 2, "07"))),
        measure(T103, "0809290000", conditions=(
            condition("V", 1, "01", threshold=D("52.60"), threshold_monetary_unit="EUR",
                      threshold_unit="DTN", components=(pct("14.40"),)),
            condition("V", 2, "01", threshold=D("50.00"), threshold_monetary_unit="EUR",
                      threshold_unit="DTN", components=(
                          pct("14.40"), per("2.10", "EUR", "DTN", expression="04"))),
            condition("V", 3, "01", threshold=D("0"), threshold_monetary_unit="EUR",
                      threshold_unit="DTN", components=(
                          pct("14.40"), per("29.80", "EUR", "DTN", expression="04"))))),
        measure(T103, "1001990000", per("95.00", "EUR", "TNE")),
        measure(T122, "1001990000", pct("0.00"), quota="090001"),
        measure(T143, "1001990000", pct("0.00"), area=MED, quota="090002"),
        measure(T103, "1704909900", pct("9.00"), DutyComponent("12", None),
                pct("18.70", "17"), DutyComponent("21", None)),
        measure(T103, "1806900000", pct("8.00"), per("20.00", "EUR", "DTN", expression="04"),
                pct("18.00", "17")),
        measure(T103, "2208300000", pct("0.00")),
        measure(T306, "2208300000", per("12.50", "EUR", "LPA")),
        measure(T103, "2402200000", pct("10.00")),
        measure(T306, "2402200000", pct("16.50", unit="RET"),
                per("244.78", "GBP", "MIL", expression="04"),
                per("320.90", "GBP", "MIL", expression="15")),
        measure(T103, "3826001000", pct("6.50")),
        measure(T552, "3826001000", per("144.10", "GBP", "TNE", "I"), area=US),
        measure(T103, "6403990000", pct("8.00"), per("2.00", "EUR", "NPR", expression="15")),
        measure(T103, "7318150000", pct("3.70")),
        measure(T552, "7318150000", pct("22.30"), area=CN, additional_code="C001"),
        measure(T552, "7318150000", pct("85.00"), area=CN, additional_code="C999"),
        measure(T695, "7318150000", pct("25.00"), area=US),
        measure(T103, "8471", pct("2.50")),
        measure(T109, "8471300000", DutyComponent("99", None, None, "NAR")),
        measure(T103, "8708990000", pct("4.50")),
        measure(T117, "8708990000", pct("0.00"), conditions=(
            condition("B", 1, "27", "C990"), condition("B", 2, "07"))),
        measure(T103, "9101110000", per("5.00", "CHF", "NAR")),
        measure(T103, "9304000000", pct("3.20")),
        measure(T277, "9304000000", area=KP),
        measure(T278, "9304000000", conditions=(condition("B", 1, "24", "X002"),
                                                condition("B", 2, "05"))),
    ]


def _vat() -> list[Measure]:
    chapters = {code for code, parent, _, _ in NOMENCLATURE if parent is None}
    standard = [measure(T305, chapter, pct("20.00")) for chapter in sorted(chapters)]
    return [*standard, measure(T305, "07", pct("5.00"), additional_code="VATR")]


FEE = Fee("F001", "customs processing fee", per_declaration=D("5.00"), percentage=D("0.21"),
          minimum=D("25.00"), maximum=D("485.00"), validity=YEAR)


def _tariff() -> Tariff:
    tariff = Tariff("EUR", fees=[FEE])
    tariff.add_measures([*_duties(), *_vat()])
    tariff.quotas["090001"] = [Quota("090001", YEAR, D("1000000"), "KGM", "wheat")]
    tariff.quotas["090002"] = [Quota("090002", YEAR, D("500000"), "KGM", "wheat, MED")]
    tariff.monetary_rates.append(MonetaryRate("GBP", "EUR", D("1.20"), YEAR))
    return tariff


REFERENCE = _reference()
TARIFF = _tariff()


def goods(code: str, price: str = "1000.00", *, sequence: int = 1, mass: str = "100.000",
          origin: str | None = "CN", preference: str | None = "100",
          documents: tuple[str, ...] = (), quantities: dict[str, str] | None = None,
          **kw: Any) -> GoodsItem:
    """A goods item under procedure 4000, valued by method 1 unless told otherwise."""
    return GoodsItem(
        sequence=sequence, commodity_code=CommodityCode(code), description=f"goods {code}",
        procedure="4000", net_mass=D(mass), gross_mass=D(mass) + 5, item_price=D(price),
        country_of_origin=CountryCode(origin) if origin else None, preference=preference,
        valuation_method=kw.pop("valuation_method", "1"),
        documents=tuple(Document(code, f"REF-{code}") for code in documents),
        quantities=tuple(Quantity(unit.split("/")[0], D(value),
                                  unit.split("/")[1] if "/" in unit else None)
                         for unit, value in (quantities or {}).items()),
        **kw)


def amount(value: str, currency: str = "EUR") -> Amount:
    return Amount(CurrencyCode(currency), D(value))


def declaration(*items: GoodsItem, kind: DeclarationType = DeclarationType.IMPORT,
                incoterm: str | None = "CIF", currency: str = "EUR",
                **kw: Amount | None) -> DeclarationContent:
    """A declaration of ``items`` (renumbered 1..n), invoiced in ``currency``."""
    numbered = tuple(replace(item, sequence=n) for n, item in enumerate(items, 1))
    total = sum((item.item_price for item in numbered), D(0))
    return DeclarationContent(
        lrn=LRN("TEST-1"), type=kind, additional_type=AdditionalType.STANDARD,
        declarant=PartyId("XX100000000001"), office_of_declaration=OfficeCode("XX000100"),
        items=numbered, incoterm=incoterm, invoice=amount(str(total), currency), **kw)


def run(content: DeclarationContent, *, quota_balance: QuotaBalance | None = None,
        tariff: Tariff | None = None) -> Assessment:
    if quota_balance is None:
        return calculate(content, on=ON, tariff=tariff or TARIFF, reference=REFERENCE)
    return calculate(content, on=ON, tariff=tariff or TARIFF, reference=REFERENCE,
                     quota_balance=quota_balance)


def one(*items: GoodsItem, **kw: Any) -> ItemAssessment:
    """The first item's assessment of a CIF declaration of ``items``."""
    return run(declaration(*items), **kw).items[0]


def line(item: ItemAssessment, tax_type: str) -> TaxLine:
    """The only line of ``tax_type`` on ``item``."""
    (found,) = [ln for ln in item.lines if ln.tax_type == tax_type]
    return found


def sid(code: str, type_id: str, area: str = "1011",
        additional_code: str | None = None) -> str:
    """The sid of the test tariff's measure of ``type_id`` on ``code`` for ``area``."""
    (found,) = [m.sid for m in TARIFF.measures[code] if m.type.id == type_id
                and m.area.id == area and m.additional_code == additional_code]
    return found


def problems(content: DeclarationContent, **kw: Any) -> set[tuple[str, str]]:
    """(code, pointer) of every problem the calculation raises."""
    try:
        run(content, **kw)
    except RuleViolations as error:
        return {(p.code, p.pointer) for p in error.problems}
    raise AssertionError("calculation raised no problem")
