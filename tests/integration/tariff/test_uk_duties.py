"""Duties and taxes on real UK Trade Tariff data, checked against amounts worked out by hand.

The tariff is the GB service's, imported from the API responses in ``../shared/data``; the
jurisdiction's currency is GBP. Specific duties written in euro are converted at the monthly
rate of the fixture's ``monetary_exchange_rates.json`` for the month of acceptance:

    2021-02: 1 EUR = 0.88383 GBP     2021-04: 1 EUR = 0.8512 GBP
    2021-05: 1 EUR = 0.86988 GBP     2021-06: 1 EUR = 0.85765 GBP

Every declaration is CIF with a GBP invoice, so the customs value of an item is its price.
Each line is rounded once, half-up, to the penny; VAT is charged on the customs value plus the
duties (customs, additional, anti-dumping, countervailing) and the excise of the item.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date
from decimal import Decimal

import pytest

from opencustoms.adapters.formats.uk_tariff import load_uk_tariff
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
from opencustoms.domain.reference import CodeList, CodeListEntry, ReferenceData
from opencustoms.tariff.assessment import Assessment, TaxLine
from opencustoms.tariff.model import Tariff
from tests.integration.tariff.shared import UK_FIXTURES, needs_shared_data

calculation = pytest.importorskip("opencustoms.tariff.calculation")

pytestmark = needs_shared_data

FEBRUARY_2021 = date(2021, 2, 10)
APRIL_2021 = date(2021, 4, 20)
MAY_2021 = date(2021, 5, 14)
D = Decimal

TaxData = tuple[ReferenceData, Tariff]


def _code_lists(reference: ReferenceData) -> ReferenceData:
    """The code lists the engine reads, written for these tests (CDS-style codes)."""
    reference.add_entries(CodeList.INCOTERM, [
        CodeListEntry("CIF", "Cost, insurance and freight", attributes={
            "seller_pays_main_carriage": "true", "seller_pays_insurance": "true"}),
        CodeListEntry("FOB", "Free on board", attributes={
            "seller_pays_main_carriage": "false", "seller_pays_insurance": "false"}),
    ])
    reference.add_entries(CodeList.PREFERENCE, [
        CodeListEntry("100", "Third-country duty", attributes={"preferential": "false"}),
        CodeListEntry("300", "Preference under a trade agreement",
                      attributes={"preferential": "true"}),
    ])
    kinds = {"U110": "proof_of_origin", "C640": "certificate", "N851": "certificate",
             "C990": "licence", "9120": "licence", "D008": "other", "Y923": "other",
             "Y929": "other"}
    reference.add_entries(CodeList.DOCUMENT, [
        CodeListEntry(code, code, attributes={"kind": kind}) for code, kind in kinds.items()])
    return reference


@pytest.fixture(scope="module")
def gb_tax() -> TaxData:
    reference, tariff = load_uk_tariff(UK_FIXTURES, source="uk")
    return _code_lists(reference), tariff


@pytest.fixture(scope="module")
def xi_tax() -> TaxData:
    reference, tariff = load_uk_tariff(UK_FIXTURES, source="xi")
    return _code_lists(reference), tariff


def goods(code: str, origin: str, price: str, net_mass: str, *, preference: str = "100",
          documents: Iterable[str] = (), additional_codes: Iterable[str] = (),
          head: str | None = None, quantities: Iterable[Quantity] = ()) -> GoodsItem:
    return GoodsItem(
        sequence=1, commodity_code=CommodityCode(code), description=f"goods of {code}",
        procedure="4000", net_mass=D(net_mass), gross_mass=D(net_mass) * 2,
        item_price=D(price), country_of_origin=CountryCode(origin), preference=preference,
        supplementary_quantity=None if head is None else D(head),
        documents=tuple(Document(d, f"REF-{d}") for d in documents),
        additional_codes=tuple(additional_codes), quantities=tuple(quantities))


def assess(tax: TaxData, item: GoodsItem, on: date) -> Assessment:
    reference, tariff = tax
    content = DeclarationContent(
        lrn=LRN("UK-DUTY-TEST"), type=DeclarationType.IMPORT,
        additional_type=AdditionalType.STANDARD, declarant=PartyId("GB123456789000"),
        office_of_declaration=OfficeCode("GB000060"), items=(item,), incoterm="CIF",
        invoice=Amount(CurrencyCode("GBP"), item.item_price))
    try:
        result: Assessment = calculation.calculate(content, on=on, tariff=tariff,
                                                   reference=reference)
    except RuleViolations as error:
        pytest.fail(f"calculation refused: {[(p.code, p.detail) for p in error.problems]}")
    return result


def owed(assessment: Assessment) -> dict[str, Decimal]:
    """Totals per tax type, leaving out the types that come to nothing."""
    return {tax: amount for tax, amount in assessment.totals.items() if amount}


def line(assessment: Assessment, measure: str) -> TaxLine:
    return next(x for x in assessment.lines if x.measure == measure)


def notes(assessment: Assessment) -> str:
    return "\n".join(note for item in assessment.items for note in item.notes)


# --- 0102 29 10 10 young male bovines: 10.20 % + 93.10 EUR / 100 kg ----------------------------

BOVINE_CONTROLS = ("C640", "Y929")  # veterinary check (410), organic control exemption (750)


@pytest.mark.parametrize("origin", ["US", "CN", "BR"])
def test_compound_duty_converts_its_euro_part_at_the_rate_of_the_month(
    gb_tax: TaxData, origin: str,
) -> None:
    # 5 head, 250 kg, GBP 1,000.00, accepted 14 May 2021 (1 EUR = 0.86988 GBP):
    #   10.20 % × 1,000.00                           = 102.00
    #   93.10 EUR × 2.5 (100 kg) = 232.75 EUR × 0.86988 = 202.46457
    #   A00 = 102.00 + 202.46457 = 304.46457 → 304.46; VAT zero rate (VTZ) 0 %
    result = assess(gb_tax, goods("0102291010", origin, "1000.00", "250", head="5",
                                  documents=BOVINE_CONTROLS), MAY_2021)
    duty = line(result, "3211138")
    assert (duty.tax_type, duty.rate, duty.amount) == (
        "A00", "10.20 % + 93.10 EUR / 100 kg", D("304.46"))
    assert line(result, "-581592").amount == D("0.00")
    assert (owed(result), result.total) == ({"A00": D("304.46")}, D("304.46"))


def test_compound_duty_in_another_month_for_another_value_and_weight(gb_tax: TaxData) -> None:
    # 10 head, 600 kg, GBP 2,400.00, accepted 10 February 2021 (1 EUR = 0.88383 GBP):
    #   10.20 % × 2,400.00 = 244.80
    #   93.10 EUR × 6 (100 kg) = 558.60 EUR × 0.88383 = 493.707438
    #   A00 = 244.80 + 493.707438 = 738.507438 → 738.51
    result = assess(gb_tax, goods("0102291010", "AR", "2400.00", "600", head="10",
                                  documents=BOVINE_CONTROLS), FEBRUARY_2021)
    assert owed(result) == {"A00": D("738.51")}


def test_condition_R_weighs_net_mass_per_supplementary_unit(gb_tax: TaxData) -> None:
    # 482 on 0102 29 10 ("of a weight not exceeding 80 kg"): condition R is the ratio net
    # weight / supplementary unit. 250 kg for 5 head = 50 kg per head < 80.001, so the second
    # condition (≥ 0, action 28 "declared subheading allowed") is the one met.
    result = assess(gb_tax, goods("0102291010", "US", "1000.00", "250", head="5",
                                  documents=BOVINE_CONTROLS), MAY_2021)
    control = next(n for n in notes(result).splitlines() if "measure 3288801" in n)
    assert re.search(r"\b50\.00\b", control), control  # 250 kg / 5 head, not 250.00


# --- 0103 92 11 00: 35.10 EUR / 100 kg, and the excise
# "16.50 % / Retail Price + 244.78 GBP / 1000 p/st MIN 320.90 GBP / 1000 p/st" (add. code X611)

SOW_CONTROLS = ("N851", "C640", "Y929")  # phytosanitary (103 in series B), veterinary, organic


def _sows(retail_price: str, *, additional_codes: Iterable[str] = ("X611",)) -> GoodsItem:
    # 500 head (p/st) = 0.5 × 1000 p/st, 100,000 kg = 1,000 × 100 kg, GBP 50,000.00
    return goods("0103921100", "US", "50000.00", "100000", head="500",
                 documents=SOW_CONTROLS, additional_codes=additional_codes,
                 quantities=(Quantity("RET", D(retail_price)),))


def test_retail_price_excise_floor_binds_for_a_low_retail_price(gb_tax: TaxData) -> None:
    # A00: 35.10 EUR × 1,000 (100 kg) = 35,100.00 EUR × 0.86988 = 30,532.788 → 30,532.79
    # E00, retail price GBP 200.00:
    #   16.50 % × 200.00 = 33.00;  244.78 GBP × 0.5 (1000 p/st) = 122.39;  33.00 + 122.39 = 155.39
    #   MIN 320.90 GBP × 0.5 = 160.45 > 155.39: the floor binds → 160.45
    result = assess(gb_tax, _sows("200.00"), MAY_2021)
    excise = line(result, "-1010806389")
    assert (excise.tax_type, excise.amount) == ("E00", D("160.45"))
    assert excise.rate == ("16.50 % / Retail Price + 244.78 GBP / 1000 p/st "
                           "MIN 320.90 GBP / 1000 p/st")
    assert owed(result) == {"A00": D("30532.79"), "E00": D("160.45")}
    assert result.total == D("30693.24")  # 30,532.79 + 160.45; VAT zero rate


def test_retail_price_excise_floor_does_not_bind_for_a_high_retail_price(
    gb_tax: TaxData,
) -> None:
    # E00, retail price GBP 1,000.00: 16.50 % × 1,000.00 = 165.00; + 122.39 = 287.39
    #   MIN 160.45 < 287.39: the floor does not bind → 287.39
    result = assess(gb_tax, _sows("1000.00"), MAY_2021)
    assert owed(result) == {"A00": D("30532.79"), "E00": D("287.39")}


def test_excise_for_an_additional_code_not_declared_is_not_charged(gb_tax: TaxData) -> None:
    result = assess(gb_tax, _sows("200.00", additional_codes=()), MAY_2021)
    assert owed(result) == {"A00": D("30532.79")}
    assert "additional code X611, not declared" in notes(result)


# --- 1516 20 98 21 biodiesel blend from Canada: 10.90 %, preference 0.00 % for CA,
# anti-dumping (552) and countervailing (554) duties per 1000 kg of biodiesel by producer

BLEND_CONTROLS = ("9120", "Y929", "Y923")  # animal health (350), organic (750), waste (755)
BIODIESEL = Quantity("TNE", D("20"), "I")  # 20 tonnes of biodiesel content


def _blend(origin: str, *, preference: str = "100", documents: Iterable[str] = (),
           additional_codes: Iterable[str] = ()) -> GoodsItem:
    # 20,000 kg, GBP 16,000.00
    return goods("1516209821", origin, "16000.00", "20000", preference=preference,
                 documents=(*BLEND_CONTROLS, *documents), additional_codes=additional_codes,
                 quantities=(BIODIESEL,))


def test_preference_for_canada_with_proof_of_origin_gives_zero_duty(gb_tax: TaxData) -> None:
    # 142 (CA) 0.00 % × 16,000.00 = 0.00; VAT 20 % × 16,000.00 = 3,200.00
    result = assess(gb_tax, _blend("CA", preference="300", documents=("U110",)), MAY_2021)
    assert line(result, "20138997").amount == D("0.00")
    assert (owed(result), result.total) == ({"B00": D("3200.00")}, D("3200.00"))


def test_no_preference_claimed_falls_back_to_the_third_country_duty(gb_tax: TaxData) -> None:
    # 103: 10.90 % × 16,000.00 = 1,744.00; VAT 20 % × (16,000.00 + 1,744.00) = 3,548.80
    result = assess(gb_tax, _blend("CA", documents=("U110",)), MAY_2021)
    assert owed(result) == {"A00": D("1744.00"), "B00": D("3548.80")}


def test_preference_without_proof_of_origin_falls_back_with_a_warning(gb_tax: TaxData) -> None:
    result = assess(gb_tax, _blend("CA", preference="300"), MAY_2021)
    assert owed(result) == {"A00": D("1744.00"), "B00": D("3548.80")}
    assert "warning: preference 300 claimed but no proof of origin" in notes(result)


def test_preference_for_an_origin_outside_its_area_falls_back_with_a_warning(
    gb_tax: TaxData,
) -> None:
    result = assess(gb_tax, _blend("US", preference="300", documents=("U110",)), MAY_2021)
    assert owed(result) == {"A00": D("1744.00"), "B00": D("3548.80")}
    assert "no tariff preference for origin US" in notes(result)


def test_anti_dumping_for_a_producer_with_its_invoice_declaration_is_zero(
    gb_tax: TaxData,
) -> None:
    # B107 (BIOX Corporation) with document D008: 0.00 GBP × 20 t = 0.00 (552 and 554)
    # A00 1,744.00; VAT 20 % × 17,744.00 = 3,548.80
    result = assess(gb_tax, _blend("CA", documents=("D008",), additional_codes=("B107",)),
                    MAY_2021)
    assert (line(result, "20041389").tax_type, line(result, "20041389").amount) == (
        "A30", D("0.00"))
    assert (line(result, "20041350").tax_type, line(result, "20041350").amount) == (
        "A40", D("0.00"))
    assert owed(result) == {"A00": D("1744.00"), "B00": D("3548.80")}


@pytest.mark.parametrize("additional_code", ["B107", "B999"])
def test_anti_dumping_and_countervailing_duties_at_the_residual_rate(
    gb_tax: TaxData, additional_code: str,
) -> None:
    # B107 without D008, or B999 (all other companies):
    #   A30 anti-dumping   144.10 GBP × 20 (1000 kg biodiesel) = 2,882.00
    #   A40 countervailing 198.33 GBP × 20                      = 3,966.60
    #   A00 10.90 % × 16,000.00 = 1,744.00
    #   VAT 20 % × (16,000.00 + 1,744.00 + 2,882.00 + 3,966.60 = 24,592.60) = 4,918.52
    #   total 1,744.00 + 2,882.00 + 3,966.60 + 4,918.52 = 13,511.12
    result = assess(gb_tax, _blend("CA", additional_codes=(additional_code,)), MAY_2021)
    assert owed(result) == {"A00": D("1744.00"), "A30": D("2882.00"), "A40": D("3966.60"),
                            "B00": D("4918.52")}
    assert result.total == D("13511.12")


def test_anti_dumping_on_canada_does_not_touch_another_origin(gb_tax: TaxData) -> None:
    result = assess(gb_tax, _blend("US", additional_codes=("B999",)), MAY_2021)
    assert owed(result) == {"A00": D("1744.00"), "B00": D("3548.80")}


# --- 7202 11 80 00 ferro-manganese: 2.70 % suspended to 0.00 % (117, no condition in this
# fixture), safeguard 25.00 % on area 5050, additional duty 25.00 % on the US, VAT 20 %

@pytest.mark.parametrize(("origin", "expected"), [
    # CN is in 5050: A20 25.00 % × 10,000.00 = 2,500.00; VAT 20 % × 12,500.00 = 2,500.00
    ("CN", {"A20": D("2500.00"), "B00": D("2500.00")}),
    # ZA is not in 5050: no additional duty; VAT 20 % × 10,000.00 = 2,000.00
    ("ZA", {"B00": D("2000.00")}),
    # US is in 5050 and has its own 695: A20 2,500.00 + 2,500.00 = 5,000.00;
    # VAT 20 % × 15,000.00 = 3,000.00
    ("US", {"A20": D("5000.00"), "B00": D("3000.00")}),
])
def test_safeguard_duty_applies_to_origins_in_area_5050(
    gb_tax: TaxData, origin: str, expected: dict[str, Decimal],
) -> None:
    result = assess(gb_tax, goods("7202118000", origin, "10000.00", "5000"), MAY_2021)
    assert owed(result) == expected
    assert line(result, "20121925").amount == D("0.00")  # the suspension sets A00
    safeguarded = "20057876" in {x.measure for x in result.lines}
    assert safeguarded is (origin != "ZA")


# --- XI (Northern Ireland): the EU tariff, collected in GBP -------------------------------------

def test_xi_specific_duty_in_euro_is_collected_in_pounds(xi_tax: TaxData) -> None:
    # 0103 92 11 00 from US, 20 head, 2,000 kg, accepted 20 April 2021 (1 EUR = 0.8512 GBP):
    #   35.10 EUR × 20 (100 kg) = 702.00 EUR × 0.8512 = 597.5424 → 597.54
    result = assess(xi_tax, goods("0103921100", "US", "5000.00", "2000", head="20",
                                  documents=("C640", "Y929")), APRIL_2021)
    assert owed(result) == {"A00": D("597.54")}
    assert all(x.amount == x.amount.quantize(D("0.01")) for x in result.lines)


# --- 0809 40 05 00 plums: third-country duty by entry price (condition V, EUR / 100 kg) ---------

JUNE_2021 = date(2021, 6, 7)  # 1 EUR = 0.85765 GBP


@pytest.mark.parametrize(("price", "expected"), [
    # GBP 500.00 for 10 × 100 kg = 50.00 GBP / 100 kg ≥ 52.60 EUR × 0.85765 = 45.11239:
    #   14.40 % × 500.00 = 72.00
    ("500.00", D("72.00")),
    # GBP 430.00 → 43.00 / 100 kg: < 45.11239, < 51.50 × 0.85765 = 44.168975,
    #   < 50.50 × 0.85765 = 43.311325, ≥ 49.40 × 0.85765 = 42.36791:
    #   14.40 % × 430.00 = 61.92; 3.20 EUR × 10 × 0.85765 = 27.4448; 89.3648 → 89.36
    ("430.00", D("89.36")),
    # GBP 300.00 → 30.00 / 100 kg < 48.40 × 0.85765 = 41.51026, ≥ 0:
    #   14.40 % × 300.00 = 43.20; 29.80 EUR × 10 × 0.85765 = 255.5797; 298.7797 → 298.78
    ("300.00", D("298.78")),
])
def test_entry_price_scale_sets_the_duty_on_plums(
    gb_tax: TaxData, price: str, expected: Decimal,
) -> None:
    result = assess(gb_tax, goods("0809400500", "US", price, "1000",
                                  documents=("N851", "Y929")), JUNE_2021)
    assert (line(result, "3788670").amount, owed(result)) == (expected, {"A00": expected})


def test_preference_for_singapore_replaces_the_entry_price_duty(gb_tax: TaxData) -> None:
    # 142 (SG) until 10 June 2021: 4.20 % × 500.00 = 21.00
    result = assess(gb_tax, goods("0809400500", "SG", "500.00", "1000", preference="300",
                                  documents=("N851", "Y929", "U110")), JUNE_2021)
    assert (line(result, "20104713").amount, owed(result)) == (D("21.00"), {"A00": D("21.00")})
