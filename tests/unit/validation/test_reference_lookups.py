"""Dated look-ups of reference data are remembered, and never answer from stale data.

Rules and the tariff ask ``ReferenceData`` for the same codes on the same date many times per
declaration, so the answers are remembered. A remembered answer belongs to one date and to the
data as it was: adding entries or replacing a table forgets them.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

from opencustoms.domain import reference as ref
from opencustoms.domain.reference import (
    CodeListEntry,
    Commodity,
    ExchangeRate,
    Jurisdiction,
    Office,
    ReferenceData,
    Validity,
)

JANUARY = Validity(date(2026, 1, 1), date(2026, 1, 31))
FEBRUARY = Validity(date(2026, 2, 1), date(2026, 2, 28))
ON_JAN, ON_FEB, ON_MAR = date(2026, 1, 15), date(2026, 2, 15), date(2026, 3, 15)


def _data() -> ReferenceData:
    data = ReferenceData(Jurisdiction("XX", "Test territory", "EUR"))
    data.add_entries("incoterm", [CodeListEntry("FOB", "Free on board", JANUARY)])
    data.add_exchange_rates([ExchangeRate("USD", Decimal("1.10"), JANUARY),
                             ExchangeRate("USD", Decimal("1.20"), FEBRUARY)])
    data.add_commodities([Commodity("0702000000", "Tomatoes", None, True, JANUARY)])
    data.add_offices([Office("XX000100", "Port", "XX", frozenset({"declaration"}), FEBRUARY)])
    return data


def test_each_date_gets_the_entry_valid_on_it() -> None:
    data = _data()
    rates = [data.exchange_rate("USD", on) for on in (ON_JAN, ON_FEB, ON_MAR, ON_JAN)]
    assert [r.rate if r else None for r in rates] == [
        Decimal("1.10"), Decimal("1.20"), None, Decimal("1.10")]
    assert [data.has_code("incoterm", "FOB", on) for on in (ON_JAN, ON_FEB, ON_JAN)] == [
        True, False, True]
    assert [data.office("XX000100", on) is None for on in (ON_JAN, ON_FEB)] == [True, False]


def test_entries_added_after_a_look_up_are_found() -> None:
    data = _data()
    assert data.entry("incoterm", "CIF", ON_JAN) is None
    assert data.commodity("0809290000", ON_JAN) is None
    assert data.exchange_rate("USD", ON_MAR) is None
    data.add_entries("incoterm", [CodeListEntry("CIF", "Cost, insurance and freight")])
    data.add_commodities([Commodity("0809290000", "Cherries", None, True)])
    data.add_exchange_rates([ExchangeRate("USD", Decimal("1.30"),
                                          Validity(date(2026, 3, 1)))])
    data.add_offices([Office("XX000200", "Airport", "XX")])
    entry = data.entry("incoterm", "CIF", ON_JAN)
    assert entry is not None and entry.description == "Cost, insurance and freight"
    commodity = data.commodity("0809290000", ON_JAN)
    assert commodity is not None and commodity.description == "Cherries"
    rate = data.exchange_rate("USD", ON_MAR)
    assert rate is not None and rate.rate == Decimal("1.30")
    assert data.office("XX000200", ON_JAN) is not None


def test_a_replaced_table_is_read_afresh() -> None:
    data = _data()
    assert data.commodity("0702000000", ON_JAN) is not None
    data.nomenclature = {}
    assert data.commodity("0702000000", ON_JAN) is None
    assert data.exchange_rate("USD", ON_JAN) is not None
    data.exchange_rates = {"USD": [ExchangeRate("USD", Decimal("9"), JANUARY)]}
    rate = data.exchange_rate("USD", ON_JAN)
    assert rate is not None and rate.rate == Decimal("9")


def test_a_copy_with_other_tables_does_not_answer_from_the_original() -> None:
    data = _data()
    assert data.has_code("incoterm", "FOB", ON_JAN)
    other = replace(data, code_lists={})
    assert not other.has_code("incoterm", "FOB", ON_JAN)
    assert data.has_code("incoterm", "FOB", ON_JAN)


def test_the_memo_stays_bounded_when_many_dates_are_asked() -> None:
    data = _data()
    limit = ref.MEMO_LIMIT
    first = date(2026, 1, 1).toordinal() - limit // 2
    days = [date.fromordinal(first + n) for n in range(limit + 10)]
    found = [data.has_code("incoterm", "FOB", day) for day in days]
    assert found.count(True) == 31  # the days of January 2026 among them
    assert len(data._memo) <= limit
    assert data.has_code("incoterm", "FOB", ON_JAN)
