"""Duties on the tariff imported from the project's own TARIC3 sample, worked out by hand.

The sample (``data/taric3_sample.xml``) is a EUR tariff: no currency conversion. Its measures:
103 11.50 % on 0101 29 (applies to 0101 29 10 below it), 103 12.00 EUR / 100 kg on 0101 21,
103 8.30 % + 1.50 EUR / 100 kg MIN 2.50 EUR / 100 kg on 0102 29, a GSP preference 0.00 % on
group 2020 with proof of origin N954 (Indonesia excluded), a preferential quota 091234 for
India, and an anti-dumping duty on China (additional code C999) with a minimum import price of
250 EUR / 100 kg: 0.00 % at or above it, 30.00 % below. Every declaration is CIF in EUR.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from decimal import Decimal

import pytest

from opencustoms.adapters.formats.taric3 import load_taric3
from opencustoms.domain.declaration import (
    LRN,
    AdditionalType,
    Amount,
    DeclarationContent,
    DeclarationType,
    OfficeCode,
)
from opencustoms.domain.errors import RuleViolations
from opencustoms.domain.goods import CommodityCode, CountryCode, Document, GoodsItem
from opencustoms.domain.money import CurrencyCode
from opencustoms.domain.parties import PartyId
from opencustoms.domain.reference import CodeList, CodeListEntry, Jurisdiction, ReferenceData
from opencustoms.tariff.assessment import Assessment, QuotaDraw
from opencustoms.tariff.model import Tariff
from tests.integration.tariff.shared import TARIC3_SAMPLE

calculation = pytest.importorskip("opencustoms.tariff.calculation")

ON = date(2021, 6, 1)
D = Decimal


@pytest.fixture(scope="module")
def sample() -> tuple[ReferenceData, Tariff]:
    content = load_taric3(TARIC3_SAMPLE, members_on=ON)
    reference = ReferenceData(Jurisdiction("EU", "TARIC sample territory", "EUR"))
    reference.add_commodities(content.commodities)
    reference.add_entries(CodeList.INCOTERM, [CodeListEntry("CIF", "CIF", attributes={
        "seller_pays_main_carriage": "true", "seller_pays_insurance": "true"})])
    reference.add_entries(CodeList.PREFERENCE, [
        CodeListEntry("100", "no preference", attributes={"preferential": "false"}),
        CodeListEntry("200", "GSP", attributes={"preferential": "true"})])
    reference.add_entries(CodeList.DOCUMENT, [
        CodeListEntry("N954", "EUR.1", attributes={"kind": "proof_of_origin"})])
    return reference, content.tariff("EUR")


def assess(sample: tuple[ReferenceData, Tariff], code: str, origin: str, price: str,
           net_mass: str, *, preference: str = "100", documents: Iterable[str] = (),
           additional_codes: Iterable[str] = (), quota: str | None = None,
           balance: Callable[[str], Decimal | None] = lambda _: None) -> Assessment:
    reference, tariff = sample
    item = GoodsItem(
        sequence=1, commodity_code=CommodityCode(code), description="live animals",
        procedure="4000", net_mass=D(net_mass), gross_mass=D(net_mass), item_price=D(price),
        country_of_origin=CountryCode(origin), preference=preference,
        documents=tuple(Document(d, "REF") for d in documents),
        additional_codes=tuple(additional_codes), quota_order_number=quota)
    content = DeclarationContent(
        lrn=LRN("TARIC-SAMPLE"), type=DeclarationType.IMPORT,
        additional_type=AdditionalType.STANDARD, declarant=PartyId("XX123456789000"),
        office_of_declaration=OfficeCode("XX000100"), items=(item,), incoterm="CIF",
        invoice=Amount(CurrencyCode("EUR"), D(price)))
    try:
        result: Assessment = calculation.calculate(content, on=ON, tariff=tariff,
                                                   reference=reference, quota_balance=balance)
    except RuleViolations as error:
        pytest.fail(f"calculation refused: {[(p.code, p.detail) for p in error.problems]}")
    return result


def duty(result: Assessment) -> tuple[str | None, Decimal]:
    """The measure that set the customs duty (A00) and its amount."""
    line = next(x for x in result.lines if x.tax_type == "A00")
    return line.measure, line.amount


def warnings(result: Assessment) -> list[str]:
    return [n for item in result.items for n in item.notes if n.startswith("warning")]


def test_group_preference_for_a_member_with_proof_of_origin(
    sample: tuple[ReferenceData, Tariff],
) -> None:
    # India is in group 2020; N954 meets condition Q: 0.00 % × 4,000.00 = 0.00
    result = assess(sample, "0101291000", "IN", "4000.00", "500", preference="200",
                    documents=("N954",))
    assert duty(result) == ("700004", D("0.00"))
    assert warnings(result) == []


@pytest.mark.parametrize(("origin", "preference", "documents"), [
    ("IN", "100", ("N954",)),  # no preference claimed
    ("IN", "200", ()),  # claimed without proof of origin
    ("ID", "200", ("N954",)),  # Indonesia is excluded from this preference
    ("CN", "200", ("N954",)),  # China left group 2020 at the end of 2014
])
def test_group_preference_falls_back_to_the_third_country_duty(
    sample: tuple[ReferenceData, Tariff], origin: str, preference: str,
    documents: tuple[str, ...],
) -> None:
    # 103 on the parent code 0101 29: 11.50 % × 4,000.00 = 460.00
    result = assess(sample, "0101291000", origin, "4000.00", "500", preference=preference,
                    documents=documents)
    assert duty(result) == ("700001", D("460.00"))
    assert bool(warnings(result)) is (preference == "200")


def test_specific_duty_per_100_kg(sample: tuple[ReferenceData, Tariff]) -> None:
    # 12.00 EUR / 100 kg × 7.5 (750 kg) = 90.00
    assert duty(assess(sample, "0101210000", "US", "9000.00", "750")) == ("700002", D("90.00"))


@pytest.mark.parametrize(("price", "net_mass", "expected"), [
    # 8.30 % × 1,000.00 = 83.00; 1.50 EUR × 20 (2,000 kg) = 30.00; 83.00 + 30.00 = 113.00;
    # MIN 2.50 EUR × 20 = 50.00 < 113.00: the floor does not bind → 113.00
    ("1000.00", "2000", D("113.00")),
    # 8.30 % × 200.00 = 16.60; 1.50 EUR × 50 (5,000 kg) = 75.00; 16.60 + 75.00 = 91.60;
    # MIN 2.50 EUR × 50 = 125.00 > 91.60: the floor binds → 125.00
    ("200.00", "5000", D("125.00")),
])
def test_compound_duty_with_a_minimum(sample: tuple[ReferenceData, Tariff], price: str,
                                      net_mass: str, expected: Decimal) -> None:
    assert duty(assess(sample, "0102290000", "US", price, net_mass)) == ("700003", expected)


@pytest.mark.parametrize(("price", "anti_dumping", "customs_duty"), [
    # 4,000.00 EUR for 5 × 100 kg = 800.00 EUR / 100 kg ≥ 250: 0.00 %;
    # A00 11.50 % × 4,000.00 = 460.00
    ("4000.00", D("0.00"), D("460.00")),
    # 1,000.00 EUR for 5 × 100 kg = 200.00 EUR / 100 kg < 250: 30.00 % × 1,000.00 = 300.00;
    # A00 11.50 % × 1,000.00 = 115.00
    ("1000.00", D("300.00"), D("115.00")),
])
def test_anti_dumping_duty_with_a_minimum_import_price(
    sample: tuple[ReferenceData, Tariff], price: str, anti_dumping: Decimal,
    customs_duty: Decimal,
) -> None:
    result = assess(sample, "0101291000", "CN", price, "500", additional_codes=("C999",))
    line = next(x for x in result.lines if x.tax_type == "A30")
    assert (line.measure, line.amount) == ("700006", anti_dumping)
    assert duty(result) == ("700001", customs_duty)


def test_quota_in_balance_gives_the_in_quota_rate_and_draws_it(
    sample: tuple[ReferenceData, Tariff],
) -> None:
    result = assess(sample, "0101291000", "IN", "4000.00", "500", preference="200",
                    documents=("N954",), quota="091234", balance=lambda _: D("1000"))
    assert duty(result) == ("700005", D("0.00"))
    assert result.quota_draws == (QuotaDraw("091234", D("500"), "KGM"),)


def test_quota_short_of_balance_falls_back_to_the_preference(
    sample: tuple[ReferenceData, Tariff],
) -> None:
    result = assess(sample, "0101291000", "IN", "4000.00", "500", preference="200",
                    documents=("N954",), quota="091234", balance=lambda _: D("100"))
    assert duty(result) == ("700004", D("0.00"))
    assert result.quota_draws == ()
    assert any("quota 091234 not applied" in w for w in warnings(result))
