"""Properties of the calculation that hold for any input (Hypothesis)."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st
from tests.unit.tariff.builders import (
    ON,
    REFERENCE,
    TARIFF,
    YEAR,
    amount,
    declaration,
    goods,
    line,
    one,
    pct,
    per,
)

from opencustoms.domain.declaration import Amount, DeclarationContent
from opencustoms.domain.goods import GoodsItem
from opencustoms.domain.money import CurrencyCode, minor_digits_of
from opencustoms.domain.reference import ExchangeRate, Jurisdiction
from opencustoms.tariff.calculation import calculate
from opencustoms.tariff.expressions import ExpressionContext, evaluate
from opencustoms.tariff.model import DutyComponent
from opencustoms.tariff.valuation import apportion, customs_values

D = Decimal
money = st.decimals(min_value=0, max_value=10_000_000, places=2)
mass = st.decimals(min_value=D("0.001"), max_value=100_000, places=3)
rate = st.decimals(min_value=0, max_value=300, places=2)


def context(value: Decimal, quantity: Decimal) -> ExpressionContext:
    return ExpressionContext(value, "EUR", lambda _unit, _qualifier: quantity,
                             lambda a, currency: a * (D("1.2") if currency == "GBP" else 1))


terms = st.one_of(
    st.builds(lambda r: pct(str(r)), rate),
    st.builds(lambda r, cur: per(str(r), cur, "DTN"), rate, st.sampled_from(["EUR", "GBP"])))


@st.composite
def expressions(draw: st.DrawFn) -> list[DutyComponent]:
    first = draw(terms)
    rest = draw(st.lists(st.tuples(st.sampled_from(["04", "02", "15", "17"]), terms),
                         max_size=4))
    return [first, *(replace(term, expression=e) for e, term in rest)]


@given(expressions(), money, mass)
def test_duty_is_never_negative(components: list[DutyComponent], value: Decimal,
                                quantity: Decimal) -> None:
    assert evaluate(components, context(value, quantity)).amount >= 0


@given(rate, rate, money, mass, mass)
def test_MIN_and_MAX_bound_the_result(floor: Decimal, ceiling: Decimal, value: Decimal,
                                      quantity: Decimal, ad_valorem: Decimal) -> None:
    floor, ceiling = min(floor, ceiling), max(floor, ceiling)
    components = [pct(str(ad_valorem)), per(str(floor), "EUR", "DTN", expression="15"),
                  per(str(ceiling), "EUR", "DTN", expression="17")]
    result = evaluate(components, context(value, quantity)).amount
    assert floor * quantity <= result <= ceiling * quantity


@given(money, money)
def test_ad_valorem_duty_grows_with_value(a: Decimal, b: Decimal) -> None:
    low, high = sorted((a, b))
    duty = [line(one(goods("8708990000", str(price))), "A00").amount for price in (low, high)]
    assert duty[0] <= duty[1]


@given(money, mass)
def test_zero_rate_gives_zero_duty(value: Decimal, quantity: Decimal) -> None:
    assert evaluate([pct("0.00")], context(value, quantity)).amount == 0
    whisky = one(goods("2208300000", str(value), supplementary_quantity=D(1),
                       quantities={"ASV": "40"}))
    assert line(whisky, "A00").amount == 0


@st.composite
def goods_items(draw: st.DrawFn) -> GoodsItem:
    price, net = str(draw(money)), str(draw(mass))
    return draw(st.sampled_from([
        goods("8708990000", price, mass=net),
        goods("7318150000", price, mass=net, origin="CN", additional_codes=("C001",)),
        goods("7318150000", price, mass=net, origin="US"),
        goods("0201300000", price, mass=net, documents=("N853",)),
        goods("1806900000", price, mass=net),
        goods("0702000000", price, mass=net, origin="MA", preference="300",
              documents=("N954",)),
        goods("0809290000", price, mass=net),
        goods("6403990000", price, mass=net, supplementary_quantity=D(12)),
        goods("2402200000", price, mass=net, supplementary_quantity=D(2000),
              quantities={"RET": price}),
        goods("2208300000", price, mass=net, supplementary_quantity=D(70),
              quantities={"ASV": "40"}),
    ]))


declarations = st.builds(
    lambda items, incoterm, freight, insurance, currency: declaration(
        *items, incoterm=incoterm, currency=currency, freight=amount(str(freight), currency),
        insurance=amount(str(insurance), currency)),
    st.lists(goods_items(), min_size=1, max_size=6), st.sampled_from(["FOB", "CFR", "CIF"]),
    money, money, st.sampled_from(["EUR", "USD", "JPY"]))


EUR_PER_UNIT = {"EUR": D(1), "JPY": D("0.00625"), "KWD": D(3)}
"""Units of EUR per one unit of the national currency of each variant jurisdiction."""


@settings(max_examples=60)
@given(declarations, st.sampled_from([("EUR", 2), ("JPY", 0), ("KWD", 3)]))
def test_line_amounts_have_the_currencys_minor_digits(content: DeclarationContent,
                                                      currency: tuple[str, int]) -> None:
    code, digits = currency
    assert content.invoice and content.freight and content.insurance
    national = CurrencyCode(code)
    content = replace(content, invoice=Amount(national, content.invoice.amount),
                      freight=Amount(national, content.freight.amount),
                      insurance=Amount(national, content.insurance.amount))
    reference = replace(REFERENCE, jurisdiction=Jurisdiction("XX", "Test", code))
    reference.code_lists = {**REFERENCE.code_lists, "currency": {
        **REFERENCE.code_lists["currency"],
        "KWD": [replace(REFERENCE.code_lists["currency"]["EUR"][0], code="KWD",
                        attributes={"minor_unit": "3"})]}}
    reference.exchange_rates = {**REFERENCE.exchange_rates,
                                "EUR": [ExchangeRate("EUR", EUR_PER_UNIT[code], YEAR)]}
    assessment = calculate(content, on=ON, tariff=TARIFF, reference=reference)
    assert all(minor_digits_of(ln.amount) == digits for ln in assessment.lines)
    assert all(minor_digits_of(i.customs_value) == digits for i in assessment.items)


@settings(max_examples=60)
@given(declarations)
def test_items_add_up_to_the_totals(content: DeclarationContent) -> None:
    assessment = calculate(content, on=ON, tariff=TARIFF, reference=REFERENCE)
    for tax_type, total in assessment.totals.items():
        assert total == sum(ln.amount for ln in assessment.lines if ln.tax_type == tax_type)
    assert assessment.total == sum(ln.amount for ln in assessment.lines)


@given(money, st.lists(money, min_size=1, max_size=30), st.sampled_from([0, 2, 3]))
def test_apportioned_parts_add_up_to_the_whole(total: Decimal, weights: list[Decimal],
                                               minor: int) -> None:
    whole = total.quantize(D(1).scaleb(-minor))
    parts = apportion(whole, weights, minor)
    assert sum(parts) == whole
    assert all(minor_digits_of(p) <= minor and p >= 0 for p in parts)


@settings(max_examples=60)
@given(st.lists(money, min_size=1, max_size=10), money)
def test_apportioned_freight_adds_up_to_the_header_amount(prices: list[Decimal],
                                                          freight: Decimal) -> None:
    items = [goods("8708990000", str(p)) for p in prices]
    fob = declaration(*items, incoterm="FOB", freight=amount(str(freight)),
                      insurance=amount("0.00"))
    cif = replace(fob, incoterm="CIF")
    with_freight = customs_values(fob, on=ON, reference=REFERENCE)
    without = customs_values(cif, on=ON, reference=REFERENCE)
    assert with_freight.total - without.total == freight
