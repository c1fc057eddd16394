"""Work the engine does once per declaration or takes a short way through reads the same.

A single plain percentage skips the grouping of terms, the measures of a goods item are sorted
by kind once, a fee's rate is written once per currency, one goods item takes a header cost
whole, the chain of codes starts from the node already looked up, and the quantum of a minor
unit is made once: each must give exactly what the long way gives, figure for figure.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation

from hypothesis import given
from hypothesis import strategies as st
from tests.unit.tariff.builders import FEE, REFERENCE, T103, T142, T305, measure, pct

from opencustoms.domain.money import round_to_minor
from opencustoms.tariff.expressions import NOTHING, ExpressionContext, evaluate
from opencustoms.tariff.fees import assess_fees
from opencustoms.tariff.measures import InForce, commodity_chain
from opencustoms.tariff.model import DutyComponent, MeasureKind
from opencustoms.tariff.valuation import apportion

D = Decimal
ON = date(2026, 3, 2)

figures = st.builds(lambda digits, exponent: D(digits).scaleb(exponent),
                    st.integers(-(10**20), 10**20), st.integers(-10, 4))


def _worked(components: tuple[DutyComponent, ...], value: Decimal) -> tuple[str, ...]:
    """The figures as written, or the error raised (figures beyond the decimal context's 28
    digits cannot be written to two places, whichever path writes them)."""
    context = ExpressionContext(value, "EUR", lambda _u, _q: None,
                                lambda amount, _currency: amount)
    try:
        result = evaluate(components, context)
    except InvalidOperation as error:
        return (f"raises {type(error).__name__}",)
    return str(result.amount), str(result.base), result.base_unit, result.working


@given(figures, figures, st.sampled_from(["01", "04", "19", "20"]))
def test_a_single_percentage_reads_as_the_general_expression_path_gives_it(
        rate: Decimal, value: Decimal, expression: str) -> None:
    alone = (DutyComponent(expression, rate),)
    # a trailing "nothing" term changes no figure but takes the general path
    general = (*alone, DutyComponent(NOTHING, None))
    assert _worked(alone, value) == _worked(general, value)


def test_a_single_percentage_is_written_term_then_result() -> None:
    assert _worked((pct("20.00"),), D("1252.12")) == (
        "250.4240", "1252.12", "EUR", "20.00 % of 1252.12 EUR → 250.424 EUR")
    # a negative value floors at zero, as duty is never negative
    assert _worked((pct("5"),), D("-10.00"))[0] == "0"


def test_measures_by_kind_keep_their_order_and_are_a_fresh_list() -> None:
    duty, preference = measure(T103, "07", pct("8")), measure(T142, "07", pct("0"))
    vat, second_duty = measure(T305, "07", pct("20")), measure(T103, "0702000000", pct("9"))
    measures = InForce((duty, preference, vat, second_duty), ())
    K = MeasureKind
    assert measures.of_kind(K.THIRD_COUNTRY_DUTY) == [duty, second_duty]
    assert measures.of_kind(K.VAT, K.THIRD_COUNTRY_DUTY) == [duty, vat, second_duty]
    assert measures.of_kind(K.EXCISE) == []
    measures.of_kind(K.THIRD_COUNTRY_DUTY).clear()
    assert measures.of_kind(K.THIRD_COUNTRY_DUTY) == [duty, second_duty]


def test_a_fee_rate_is_written_in_the_currency_of_each_declaration() -> None:
    def rate(currency: str) -> str:
        (line,) = assess_fees([FEE], declaration_type="IM", on=ON, total_value=D("1000.00"),
                              currency=currency, minor_unit=2)
        return line.rate

    assert rate("EUR") == "5.00 EUR + 0.21 % MIN 25.00 EUR MAX 485.00 EUR"
    assert rate("GBP") == "5.00 GBP + 0.21 % MIN 25.00 GBP MAX 485.00 GBP"
    assert rate("EUR") == "5.00 EUR + 0.21 % MIN 25.00 EUR MAX 485.00 EUR"


@given(st.integers(-(10**12), 10**12), st.sampled_from([D(0), D("-3"), D("12.345")]))
def test_one_goods_item_takes_a_header_cost_whole(units: int, weight: Decimal) -> None:
    total = D(units).scaleb(-2)
    (part,) = apportion(total, [weight], 2)
    assert part == total
    if weight > 0:  # beside an item of no weight, the long way gives it the whole too
        assert str(part) == str(apportion(total, [weight, D(0)], 2)[0])


def test_the_chain_from_a_looked_up_node_is_the_chain_from_its_code() -> None:
    for code in ("0201300000", "8471300000", "0702000000"):
        leaf = REFERENCE.commodity(code, ON)
        assert commodity_chain(REFERENCE, code, ON, leaf=leaf) == commodity_chain(
            REFERENCE, code, ON)
    assert commodity_chain(REFERENCE, "0201300000", ON) == (
        "0201300000", "020130", "0201", "02")


def test_rounding_to_a_minor_unit_beyond_the_usual_digits_is_still_half_up() -> None:
    assert str(round_to_minor(D("1.0000005"), 6)) == "1.000001"
    assert str(round_to_minor(D("2.5"), 0)) == "3"
    assert str(round_to_minor(D("0.0005"), 3)) == "0.001"
    assert str(round_to_minor(D("-1.005"), 2)) == "-1.01"
