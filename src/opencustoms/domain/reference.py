"""Reference data of a jurisdiction: code lists, goods nomenclature, offices, exchange rates.

Every entry has a validity period; the date of acceptance of a declaration decides which entries
apply. A :class:`ReferenceData` is read-only once built; the validation engine and (later) the
tariff engine read it, adapters build it from a jurisdiction pack or imported public data.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import TypeVar, cast


@dataclass(frozen=True, slots=True)
class Validity:
    """A closed date interval; ``end`` None means open-ended."""

    start: date = date(1900, 1, 1)
    end: date | None = None

    def contains(self, day: date) -> bool:
        return self.start <= day and (self.end is None or day <= self.end)


class CodeList(StrEnum):
    """Names of the code lists a jurisdiction pack carries."""

    COUNTRY = "country"  # the jurisdiction's own codes beside ISO 3166 (e.g. XX)
    CURRENCY = "currency"  # attributes: minor_unit
    PROCEDURE = "procedure"  # attributes: declaration_types (e.g. "IM CO")
    ADDITIONAL_PROCEDURE = "additional_procedure"  # attributes: procedures (space separated)
    PACKAGE_KIND = "package_kind"  # attributes: bulk ("true" for unpackaged kinds)
    INCOTERM = "incoterm"  # attributes: seller_pays_main_carriage, seller_pays_insurance
    TRANSPORT_MODE = "transport_mode"
    DOCUMENT = "document"
    PREFERENCE = "preference"
    REPRESENTATIVE_STATUS = "representative_status"
    VALUATION_METHOD = "valuation_method"


@dataclass(frozen=True, slots=True)
class CodeListEntry:
    """One code of a code list with its description, validity and list-specific attributes."""

    code: str
    description: str
    validity: Validity = Validity()
    attributes: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Commodity:
    """A goods nomenclature node (chapter, heading, subheading or national code).

    ``declarable`` is True for the leaves: only they may be declared. ``parent`` links to the
    node above, so measures declared on a heading can later apply to its descendants.
    """

    code: str
    description: str
    parent: str | None
    declarable: bool
    validity: Validity = Validity()
    supplementary_unit: str | None = None
    source: str = "pack"


@dataclass(frozen=True, slots=True)
class Office:
    """A customs office: reference number, name and the roles it performs."""

    code: str
    name: str
    country: str
    roles: frozenset[str] = frozenset()
    validity: Validity = Validity()


@dataclass(frozen=True, slots=True)
class ExchangeRate:
    """Units of ``currency`` per one unit of the jurisdiction's currency, over a period."""

    currency: str
    rate: Decimal
    validity: Validity


@dataclass(frozen=True, slots=True)
class Jurisdiction:
    """The customs territory the system administers."""

    country: str
    name: str
    currency: str


MEMO_LIMIT = 8192
"""Most dated look-ups a :class:`ReferenceData` remembers before it starts afresh: declarations
use a handful of codes on today's date, but estimates may ask for any date."""

_COMMODITY, _OFFICE, _RATE = "\x00commodity", "\x00office", "\x00exchange_rate"
"""Memo keys of the non-code-list look-ups (no code list has such a name)."""


@dataclass(slots=True)
class ReferenceData:
    """All reference data of one jurisdiction, indexed for lookups by code and date.

    Dated look-ups are remembered: every declaration asks for the same codes on the same date
    many times (each rule, then the tariff), and exchange rates are a scan over every period.
    The memo is forgotten whenever data is added or a table is replaced; the tables' lists
    themselves must not be changed in place once built (the data is read-only)."""

    jurisdiction: Jurisdiction
    code_lists: dict[str, dict[str, list[CodeListEntry]]] = field(default_factory=dict)
    nomenclature: dict[str, list[Commodity]] = field(default_factory=dict)
    offices: dict[str, list[Office]] = field(default_factory=dict)
    exchange_rates: dict[str, list[ExchangeRate]] = field(default_factory=dict)
    _memo: dict[tuple[str, str, date], object] = field(
        default_factory=dict, init=False, repr=False, compare=False)

    def __setattr__(self, name: str, value: object) -> None:
        object.__setattr__(self, name, value)
        if name in _TABLES:
            self._forget()

    def _forget(self) -> None:
        try:
            memo = self._memo
        except AttributeError:  # while __init__ sets the tables, before the memo exists
            return
        memo.clear()

    def _remember(self, key: tuple[str, str, date], found: object) -> None:
        if len(self._memo) >= MEMO_LIMIT:
            self._memo.clear()
        self._memo[key] = found

    def _dated(self, kind: str, code: str, on: date,
               table: Mapping[str, list[_Dated]]) -> _Dated | None:
        """The version of ``code`` in ``table`` valid on ``on``, remembered under ``kind``."""
        key = (kind, code, on)
        found = self._memo.get(key, _UNKNOWN)
        if found is _UNKNOWN:
            found = _valid(table.get(code, ()), on)
            self._remember(key, found)
        return cast("_Dated | None", found)

    def add_entries(self, list_name: str, entries: Iterable[CodeListEntry]) -> None:
        self._forget()
        target = self.code_lists.setdefault(list_name, {})
        for entry in entries:
            target.setdefault(entry.code, []).append(entry)

    def add_commodities(self, commodities: Iterable[Commodity]) -> None:
        self._forget()
        for commodity in commodities:
            self.nomenclature.setdefault(commodity.code, []).append(commodity)

    def add_offices(self, offices: Iterable[Office]) -> None:
        self._forget()
        for office in offices:
            self.offices.setdefault(office.code, []).append(office)

    def add_exchange_rates(self, rates: Iterable[ExchangeRate]) -> None:
        self._forget()
        for rate in rates:
            self.exchange_rates.setdefault(rate.currency, []).append(rate)

    def entry(self, list_name: str, code: str, on: date) -> CodeListEntry | None:
        """The entry of ``code`` in ``list_name`` valid on ``on``, if any."""
        return self._dated(list_name, code, on, self.code_lists.get(list_name, _NO_TABLE))

    def has_code(self, list_name: str, code: str, on: date) -> bool:
        return self.entry(list_name, code, on) is not None

    def codes(self, list_name: str) -> Mapping[str, list[CodeListEntry]]:
        return self.code_lists.get(list_name, {})

    def commodity(self, code: str, on: date) -> Commodity | None:
        """The nomenclature node ``code`` valid on ``on``, if any."""
        return self._dated(_COMMODITY, code, on, self.nomenclature)

    def office(self, code: str, on: date) -> Office | None:
        return self._dated(_OFFICE, code, on, self.offices)

    def exchange_rate(self, currency: str, on: date) -> ExchangeRate | None:
        """Rate valid on ``on``; the jurisdiction's own currency is always 1."""
        if currency == self.jurisdiction.currency:
            return ExchangeRate(currency, Decimal(1), Validity())
        return self._dated(_RATE, currency, on, self.exchange_rates)

    def minor_unit(self, currency: str) -> int:
        """ISO 4217 minor unit (decimal places) of ``currency``; 2 when the pack does not say."""
        for entry in self.code_lists.get(CodeList.CURRENCY, {}).get(currency, ()):
            if "minor_unit" in entry.attributes:
                return int(entry.attributes["minor_unit"])
        return 2


_TABLES = frozenset({"code_lists", "nomenclature", "offices", "exchange_rates"})
"""Fields whose replacement makes the memo of a :class:`ReferenceData` stale."""

_NO_TABLE: Mapping[str, list[CodeListEntry]] = {}
_UNKNOWN = object()
"""Memo marker of a look-up not made yet (None is a remembered answer: not found)."""


_Dated = TypeVar("_Dated", CodeListEntry, Commodity, Office, ExchangeRate)


def _valid(candidates: Iterable[_Dated], on: date) -> _Dated | None:
    for candidate in candidates:
        validity = candidate.validity
        if validity.start <= on and (validity.end is None or on <= validity.end):
            return candidate
    return None
