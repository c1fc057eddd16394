"""What the engine remembers of immutable tariff records, and figures written from their text.

The memos (``opencustoms.tariff.memo``) are keyed by the record's identity: an equal but
distinct record is derived afresh, a record is derived once, and a full memo starts over. The
figures of every explanation (``format_amount``, ``show``) are written from the Decimal's plain
text; they must read exactly as the Decimal definition says (normalise, quantize half-up).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from hypothesis import given
from hypothesis import strategies as st
from tests.unit.tariff.builders import T103, T305, measure, pct, per

from opencustoms.tariff.conditions import ConditionFacts, evaluate_conditions
from opencustoms.tariff.expressions import format_amount, format_expression, show
from opencustoms.tariff.measures import describe
from opencustoms.tariff.memo import RecordMemo

D = Decimal


def test_a_record_is_derived_once_and_an_equal_copy_afresh() -> None:
    calls: list[tuple[int, ...]] = []

    def derive(record: tuple[int, ...]) -> str:
        calls.append(record)
        return f"sum {sum(record)}"

    memo: RecordMemo[tuple[int, ...], str] = RecordMemo(derive)
    record = (1, 2, 3)
    copy = tuple([1, 2, 3])
    assert copy == record and copy is not record
    assert [memo(record), memo(record), memo(copy)] == ["sum 6", "sum 6", "sum 6"]
    assert calls == [record, copy]
    assert calls[1] is copy


def test_a_full_memo_starts_over_and_still_answers() -> None:
    memo: RecordMemo[tuple[int], int] = RecordMemo(lambda record: record[0] * 2, limit=3)
    records = [(n,) for n in range(7)]
    assert [memo(r) for r in records] == [0, 2, 4, 6, 8, 10, 12]
    assert len(memo) == 1  # cleared at the 4th and the 7th record
    assert memo(records[0]) == 0


def test_a_changed_copy_of_a_measure_is_described_by_its_own_fields() -> None:
    duty = measure(T103, "0702000000", pct("12.00"))
    assert describe(duty) == f"Third country duty 103 (measure {duty.sid}, ERGA OMNES)"
    coded = replace(duty, additional_code="C001")
    assert describe(coded) == (f"Third country duty 103 (measure {duty.sid}, ERGA OMNES, "
                               f"additional code C001)")
    assert describe(duty) == f"Third country duty 103 (measure {duty.sid}, ERGA OMNES)"


def test_the_expression_of_equal_components_reads_the_same_remembered_or_not() -> None:
    components = (pct("10.20"), per("93.10", "EUR", "DTN", expression="04"))
    assert format_expression(components) == "10.20 % + 93.10 EUR / 100 kg"
    assert format_expression(list(components)) == "10.20 % + 93.10 EUR / 100 kg"
    assert format_expression(components[:1]) == "10.20 %"


def test_a_measure_without_conditions_applies_its_own_components_every_time() -> None:
    vat = measure(T305, "0702000000", pct("21"))
    facts = ConditionFacts(frozenset(), D("100.00"), "EUR", lambda unit, q: None,
                           lambda amount, currency: amount)
    first, second = evaluate_conditions(vat, facts), evaluate_conditions(vat, facts)
    assert first == second
    assert (first.applies, first.blocking, first.components, first.reasons) == (
        True, None, vat.components, ())


def _defined_format(amount: Decimal) -> str:
    """format_amount as defined on the Decimal (the engine's original wording)."""
    if not amount.is_finite():
        return str(amount)
    if amount.as_tuple().exponent == -2:
        return f"{amount:f}"
    exponent = amount.normalize().as_tuple().exponent
    if isinstance(exponent, int) and exponent >= -2:
        return f"{amount.quantize(D('0.01')):f}"
    return f"{amount.normalize():f}"


def _defined_show(amount: Decimal, places: int) -> str:
    exponent = amount.as_tuple().exponent
    if isinstance(exponent, int) and exponent >= -places:
        return _defined_format(amount)
    return _defined_format(amount.quantize(D(1).scaleb(-places), rounding=ROUND_HALF_UP))


def _outcome(write: Callable[..., str], *args: object) -> str:
    """The text written, or the error raised (figures beyond the decimal context's 28 digits
    cannot be quantized, whichever way they are written)."""
    try:
        return write(*args)
    except InvalidOperation as error:
        return f"raises {type(error).__name__}"


figures = st.builds(lambda digits, exponent: D(digits).scaleb(exponent),
                    st.integers(-(10**26), 10**26), st.integers(-12, 6))


@given(figures)
def test_format_amount_writes_what_the_decimal_definition_gives(amount: Decimal) -> None:
    assert _outcome(format_amount, amount) == _outcome(_defined_format, amount)


@given(figures, st.sampled_from([0, 2, 4, 6]))
def test_show_writes_what_the_decimal_definition_gives(amount: Decimal, places: int) -> None:
    assert _outcome(show, amount, places) == _outcome(_defined_show, amount, places)


def test_figures_keep_their_sign_zeros_and_decimals() -> None:
    cases = ["-0", "0.000", "-0.000", "1E+3", "0E+5", "12.3400", "10.20", "0.125", "-5.1",
             "1E-7", "Infinity", "NaN"]
    assert [format_amount(D(c)) for c in cases] == [
        "-0.00", "0.00", "-0.00", "1000.00", "0.00", "12.34", "10.20", "0.125", "-5.10",
        "0.0000001", "Infinity", "NaN"]
    assert [show(D(c)) for c in ("1.23456", "-0.00005", "2.5", "123456.78901")] == [
        "1.2346", "-0.0001", "2.50", "123456.789"]
