"""Duties on top, excise, VAT, fees and totals; export and special-fiscal-territory
declarations."""

from __future__ import annotations

from decimal import Decimal

from tests.unit.tariff.builders import amount, declaration, goods, line, one, run, sid

from opencustoms.domain.declaration import DeclarationType
from opencustoms.tariff.assessment import ItemAssessment

D = Decimal


def tax_types(item: ItemAssessment) -> list[str]:
    return [ln.tax_type for ln in item.lines]


def test_anti_dumping_applies_to_its_origin_and_additional_code() -> None:
    item = one(goods("7318150000", origin="CN", additional_codes=("C001",)))
    assert (line(item, "A00").amount, line(item, "A30").amount) == (D("37.00"), D("223.00"))
    assert line(item, "A30").measure_type == "552"


def test_anti_dumping_residual_additional_code_has_its_own_rate() -> None:
    item = one(goods("7318150000", origin="CN", additional_codes=("C999",)))
    assert line(item, "A30").amount == D("850.00")


def test_anti_dumping_without_its_additional_code_is_not_applied_but_noted() -> None:
    item = one(goods("7318150000", origin="CN"))
    assert "A30" not in tax_types(item)
    assert any("applies only with additional code C001, not declared" in n
               for n in item.notes)


def test_anti_dumping_does_not_apply_to_other_origins() -> None:
    item = one(goods("7318150000", origin="VN", additional_codes=("C001",)))
    assert tax_types(item) == ["A00", "B00"]


def test_additional_duty_applies_on_top_by_origin() -> None:
    item = one(goods("7318150000", origin="US"))
    assert line(item, "A20").amount == D("250.00")  # 25 % of 1000


def test_excise_per_litre_of_pure_alcohol() -> None:
    # 70 l at 40 % vol = 28 l of pure alcohol x 12.50 EUR = 350.00
    item = one(goods("2208300000", supplementary_quantity=D(70), quantities={"ASV": "40"}))
    excise = line(item, "E00")
    assert (excise.amount, excise.base, excise.base_unit, excise.rate) == (
        D("350.00"), D("28"), "LPA", "12.50 EUR / l alc. 100%")


def test_excise_on_cigarettes_by_retail_price_with_a_minimum_in_pounds() -> None:
    # 16.5 % x 9000 + 244.78 GBP x 1.20 x 20 = 7359.72 ; MIN 320.90 x 1.20 x 20 = 7701.60
    item = one(goods("2402200000", "5000.00", supplementary_quantity=D(20000),
                     quantities={"RET": "9000.00"}))
    assert line(item, "E00").amount == D("7701.60")


def test_vat_base_includes_customs_duty() -> None:
    # beef: 1000 + duty 570.00 = 1570.00 x 20 % = 314.00
    item = one(goods("0201300000", mass="250.000", documents=("N853",)))
    vat = line(item, "B00")
    assert (vat.base, vat.amount) == (D("1570.00"), D("314.00"))


def test_vat_base_includes_excise_and_every_duty() -> None:
    # 5000 + A00 500.00 + E00 7701.60 = 13201.60 x 20 % = 2640.32
    cigarettes = one(goods("2402200000", "5000.00", supplementary_quantity=D(20000),
                           quantities={"RET": "9000.00"}))
    assert (line(cigarettes, "B00").base, line(cigarettes, "B00").amount) == (
        D("13201.60"), D("2640.32"))
    # screws under anti-dumping: 1000 + 37.00 + 223.00 = 1260.00 x 20 % = 252.00
    screws = one(goods("7318150000", origin="CN", additional_codes=("C001",)))
    assert line(screws, "B00").base == D("1260.00")


def test_vat_rate_selected_by_additional_code() -> None:
    # 1000 + 8 % duty = 1080 x 5 % = 54.00
    item = one(goods("0702000000", additional_codes=("VATR",)))
    assert line(item, "B00").amount == D("54.00")


def test_vat_standard_rate_is_the_highest_when_no_code_selects_another() -> None:
    item = one(goods("0702000000"))
    assert (line(item, "B00").rate, line(item, "B00").amount) == ("20.00 %", D("216.00"))


def test_fee_is_bounded_by_its_minimum() -> None:
    # 5.00 + 0.21 % of 1000 = 7.10 -> MIN 25.00
    fee = run(declaration(goods("8708990000"))).fees
    assert [(f.item, f.tax_type, f.amount) for f in fee] == [(0, "F00", D("25.00"))]


def test_fee_between_its_bounds() -> None:
    # 5.00 + 0.21 % of 10000 = 26.00
    assert run(declaration(goods("8708990000", "10000.00"))).fees[0].amount == D("26.00")


def test_fee_is_bounded_by_its_maximum() -> None:
    # 5.00 + 0.21 % of 300000 = 635.00 -> MAX 485.00
    assert run(declaration(goods("8708990000", "300000.00"))).fees[0].amount == D("485.00")


def test_fee_rounds_once_half_up() -> None:
    # 5.00 + 0.21 % of 12345.67 = 30.925907 -> 30.93
    assert run(declaration(goods("8708990000", "12345.67"))).fees[0].amount == D("30.93")


def test_totals_are_sums_of_the_rounded_lines() -> None:
    assessment = run(declaration(
        goods("0201300000", mass="250.000", documents=("N853",)),
        goods("7318150000", "333.33", origin="CN", additional_codes=("C001",))))
    by_type: dict[str, Decimal] = {}
    for ln in assessment.lines:
        by_type[ln.tax_type] = by_type.get(ln.tax_type, D(0)) + ln.amount
    assert dict(assessment.totals) == by_type
    assert assessment.total == sum(by_type.values())
    assert list(assessment.totals) == sorted(by_type)


def test_export_declaration_owes_no_duty_and_no_fee() -> None:
    content = declaration(goods("8708990000", origin=None, preference=None),
                          kind=DeclarationType.EXPORT, incoterm="FOB",
                          freight=amount("10.00"))
    assessment = run(content)
    assert (assessment.items[0].lines, assessment.fees, assessment.total) == ((), (), D(0))
    assert assessment.items[0].customs_value == D("1000.00")


def test_export_licence_lets_controlled_goods_out() -> None:
    content = declaration(goods("9304000000", origin=None, documents=("X002",)),
                          kind=DeclarationType.EXPORT)
    assert run(content).items[0].lines == ()


def test_special_fiscal_territory_owes_vat_and_excise_but_no_customs_duty() -> None:
    content = declaration(goods("2208300000", supplementary_quantity=D(70),
                                quantities={"ASV": "40"}),
                          kind=DeclarationType.SPECIAL_FISCAL_TERRITORY)
    item = run(content).items[0]
    # excise 350.00 ; VAT 20 % of (1000 + 350) = 270.00
    assert [(ln.tax_type, ln.amount) for ln in item.lines] == [
        ("E00", D("350.00")), ("B00", D("270.00"))]


def test_explanation_lets_an_officer_follow_the_calculation() -> None:
    item = one(goods("0702000000", origin="MA", preference="300"))
    duty, preference = sid("0702000000", "103"), sid("0702000000", "142", "1033")
    vat, reduced = sid("07", "305"), sid("07", "305", additional_code="VATR")
    assert item.notes == (
        "customs value (method 1, transaction value): price 1000.00 EUR = 1000.00 EUR",
        f"measures in force for 0702000000 from MA on 2026-03-02: 103 {duty}, "
        f"142 {preference}, 305 {vat}, 305 {reduced}",
        "warning: preference 300 claimed but no proof of origin: third-country duty applied",
        f"customs duty: Third country duty 103 (measure {duty}, ERGA OMNES) applied",
        f"VAT: Value added tax 305 (measure {vat}, ERGA OMNES) chosen, standard rate (the "
        f"highest) as no additional code selects another; VAT base customs value 1000.00 + "
        f"A00 80.00 = 1080.00 EUR",
    )
    assert line(item, "A00").explanation == (
        f"Third country duty 103 (measure {duty}, ERGA OMNES): 8.00 %: 8.00 % of 1000.00 EUR "
        f"→ 80.00 EUR; rounded 80.00 EUR")
