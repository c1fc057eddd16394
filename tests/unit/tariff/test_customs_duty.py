"""Customs duty (A00): third-country duty, quotas, preferences, suspensions, entry prices."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from tests.unit.tariff.builders import (
    ON,
    REFERENCE,
    T103,
    TARIFF,
    declaration,
    goods,
    line,
    measure,
    one,
    per,
    run,
)

from opencustoms.domain.goods import GoodsItem
from opencustoms.domain.reference import Jurisdiction
from opencustoms.tariff.assessment import QuotaDraw
from opencustoms.tariff.calculation import calculate
from opencustoms.tariff.model import Tariff

D = Decimal


def test_ad_valorem_duty_declared_on_a_heading_applies_to_its_codes() -> None:
    # 2.50 % declared on heading 8471, of 1000.00 = 25.00
    duty = line(one(goods("8471300000", supplementary_quantity=D(5))), "A00")
    assert (duty.amount, duty.rate, duty.base, duty.base_unit) == (
        D("25.00"), "2.50 %", D("1000.00"), "EUR")


def test_compound_duty_per_100_kg() -> None:
    # 12.80 % of 1000 = 128.00 ; + 176.80 EUR x 2.5 (250 kg) = 442.00 ; = 570.00
    item = one(goods("0201300000", mass="250.000", documents=("N853",)))
    assert line(item, "A00").amount == D("570.00")
    assert line(item, "A00").rate == "12.80 % + 176.80 EUR / 100 kg"


def test_specific_duty_in_euro_is_converted_at_the_tariffs_rate() -> None:
    """A jurisdiction whose currency is GBP: the tariff says 1 GBP = 1.20 EUR, so 176.80 EUR
    is 147.3333… GBP; x 2.5 = 368.3333… ; + 12.80 % of 1000 = 496.3333… -> 496.33 GBP."""
    pounds = replace(REFERENCE, jurisdiction=Jurisdiction("XX", "Test", "GBP"))
    content = declaration(goods("0201300000", mass="250.000", documents=("N853",)),
                          currency="GBP")
    item = calculate(content, on=ON, tariff=TARIFF, reference=pounds).items[0]
    assert line(item, "A00").amount == D("496.33")
    assert "(= 147.3333 GBP)" in line(item, "A00").explanation


def test_specific_duty_falls_back_to_the_jurisdictions_exchange_rate() -> None:
    # 5.00 USD per 100 kg; 1 EUR = 1.25 USD -> 4.00 EUR x 3 (300 kg) = 12.00 EUR
    tariff = Tariff("EUR")
    tariff.add_measures([measure(T103, "9999000000", per("5.00", "USD", "DTN"))])
    item = run(declaration(goods("9999000000", mass="300.000")), tariff=tariff).items[0]
    assert line(item, "A00").amount == D("12.00")


def test_compound_duty_with_MIN() -> None:
    # 8 % of 100 = 8.00 ; MIN 2.00 EUR x 10 pairs = 20.00 -> 20.00
    item = one(goods("6403990000", "100.00", supplementary_quantity=D(10)))
    assert (line(item, "A00").amount, line(item, "A00").base_unit) == (D("20.00"), "NPR")


def test_compound_duty_with_MAX() -> None:
    # 8 % of 100 + 20 EUR x 1 (100 kg) = 28.00 ; MAX 18 % of 100 = 18.00 -> 18.00
    item = one(goods("1806900000", "100.00", mass="100.000"))
    assert line(item, "A00").amount == D("18.00")


def test_preference_applies_with_origin_claim_and_proof() -> None:
    item = one(goods("0702000000", origin="MA", preference="300", documents=("N954",)))
    duty = line(item, "A00")
    assert (duty.amount, duty.measure_type) == (D("0.00"), "142")
    assert "customs duty: Tariff preference 142" in " ".join(item.notes)


def test_preference_without_proof_of_origin_falls_back_with_a_warning() -> None:
    item = one(goods("0702000000", origin="MA", preference="300"))
    assert (line(item, "A00").amount, line(item, "A00").measure_type) == (D("80.00"), "103")
    assert ("warning: preference 300 claimed but no proof of origin: third-country duty "
            "applied") in item.notes


def test_preference_for_an_origin_outside_its_area_is_refused() -> None:
    item = one(goods("0702000000", origin="CN", preference="300", documents=("N954",)))
    assert line(item, "A00").amount == D("80.00")
    assert ("warning: preference 300 claimed but no tariff preference for origin CN on this "
            "code: third-country duty applied") in item.notes


def test_preference_not_claimed_is_pointed_out() -> None:
    item = one(goods("0702000000", origin="TN", preference="100", documents=("N954",)))
    assert line(item, "A00").amount == D("80.00")
    assert any("origin TN qualifies for Tariff preference 142" in n for n in item.notes)


def test_preference_needs_the_document_its_condition_names() -> None:
    refused = one(goods("0702000000", origin="CA", preference="300", documents=("N954",)))
    assert line(refused, "A00").amount == D("80.00")
    assert any("condition Q: no document U088 presented" in n for n in refused.notes)
    granted = one(goods("0702000000", origin="CA", preference="300", documents=("U088",)))
    assert line(granted, "A00").amount == D("0.00")


def test_suspension_applies_when_its_condition_is_met() -> None:
    item = one(goods("8708990000", documents=("C990",)))
    assert (line(item, "A00").amount, line(item, "A00").measure_type) == (D("0.00"), "117")


def test_suspension_without_end_use_authorisation_is_not_applied() -> None:
    item = one(goods("8708990000"))
    assert line(item, "A00").amount == D("45.00")  # 4.50 % of 1000
    assert any("not applied (condition B: no document C990 presented)" in n
               for n in item.notes)


def wheat(mass: str = "20000.000") -> GoodsItem:
    return goods("1001990000", "5000.00", mass=mass, quota_order_number="090001")


def test_quota_in_balance_gives_the_in_quota_rate_and_records_the_draw() -> None:
    item = one(wheat(), quota_balance=lambda order: D("1000000") if order == "090001" else None)
    assert (line(item, "A00").amount, line(item, "A00").measure_type) == (D("0.00"), "122")
    assert item.quota_draw == QuotaDraw("090001", D("20000.000"), "KGM")


def test_quota_exhausted_falls_back_to_the_third_country_duty() -> None:
    # 95.00 EUR per 1000 kg x 20 t = 1900.00
    item = one(wheat(), quota_balance=lambda _: D("10000"))
    assert (line(item, "A00").amount, item.quota_draw) == (D("1900.00"), None)
    assert ("warning: quota 090001 not applied: 10000.00 KGM left, the item needs 20000.00 "
            "KGM: third-country duty applied") in item.notes


def test_quota_without_a_balance_is_not_applied() -> None:
    assert one(wheat()).quota_draw is None


def test_items_of_one_declaration_draw_on_the_balance_in_turn() -> None:
    content = declaration(wheat("600000.000"), wheat("600000.000"))
    items = run(content, quota_balance=lambda _: D("1000000")).items
    assert [i.quota_draw is not None for i in items] == [True, False]
    assert line(items[1], "A00").amount == D("57000.00")  # 95 x 600 t


def test_preferential_quota_needs_the_preference_claim_and_proof() -> None:
    balance = {"090002": D("500000")}.get
    claimed = goods("1001990000", "5000.00", mass="1000.000", origin="MA", preference="320",
                    quota_order_number="090002", documents=("N954",))
    assert one(claimed, quota_balance=balance).quota_draw is not None
    unproven = replace(claimed, documents=())
    item = one(unproven, quota_balance=balance)
    assert item.quota_draw is None
    assert "warning: quota 090002 not applied: no proof of origin: third-country duty " \
           "applied" in item.notes


def test_entry_price_scale_chooses_the_duty_by_unit_price() -> None:
    # 100 kg: unit price 60.00 >= 52.60 -> 14.40 % of 60 = 8.64
    assert line(one(goods("0809290000", "60.00")), "A00").amount == D("8.64")
    # 51.00 per 100 kg: 14.40 % of 51 = 7.344 + 2.10 = 9.444 -> 9.44
    assert line(one(goods("0809290000", "51.00")), "A00").amount == D("9.44")
    # 20.00 per 100 kg: 2.88 + 29.80 = 32.68
    assert line(one(goods("0809290000", "20.00")), "A00").amount == D("32.68")


def test_duty_in_a_jurisdiction_with_a_zero_decimal_currency_rounds_to_units() -> None:
    yen = replace(REFERENCE, jurisdiction=Jurisdiction("XX", "Test", "JPY"))
    content = declaration(goods("8471300000", "1234.00", supplementary_quantity=D(1)),
                          currency="JPY")
    item = calculate(content, on=ON, tariff=TARIFF, reference=yen).items[0]
    assert line(item, "A00").amount == D("31")  # 2.5 % of 1234 = 30.85 -> 31
