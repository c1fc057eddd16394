"""Shared helpers of the rule modules: code look-ups, formats and walks over the declaration.

Every helper tolerates absent or malformed values (None, blank strings, non-finite decimals), so
a rule can stay on its own concern and leave other faults to the rules that own them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from functools import cache

import pycountry

from opencustoms.domain.declaration import Amount, DeclarationContent, Trader
from opencustoms.domain.errors import pointer
from opencustoms.domain.goods import GoodsItem
from opencustoms.domain.reference import CodeList, ReferenceData

COMMODITY_CODE = re.compile(r"[0-9]{6,10}")
"""HS subheading (6 digits) up to the national code (10 digits in the demo jurisdiction)."""

PROCEDURE_CODE = re.compile(r"[0-9]{4}")
"""DE 1/10: requested procedure (2 digits) followed by the previous procedure (2 digits)."""

OFFICE_CODE = re.compile(r"[A-Z]{2}[A-Z0-9]{6}")
"""Customs office reference number: 2-letter country code and 6 alphanumerics."""

NOT_CURRENCIES = frozenset({
    "XAG", "XAU", "XPD", "XPT",  # precious metals
    "XBA", "XBB", "XBC", "XBD", "XDR", "XSU", "XUA",  # bond-market and accounting units
    "XTS", "XXX",  # testing, no currency
})
"""ISO 4217 codes that are not currencies an invoice can be written in."""


@cache
def _iso_countries() -> frozenset[str]:
    return frozenset(country.alpha_2 for country in pycountry.countries)


@cache
def _iso_currencies() -> frozenset[str]:
    return frozenset(currency.alpha_3 for currency in pycountry.currencies) - NOT_CURRENCIES


def is_known_country(reference: ReferenceData, code: str, on: date) -> bool:
    """ISO 3166-1 alpha-2, or a code of the jurisdiction's own country list valid on ``on``."""
    return (code in _iso_countries() or code == reference.jurisdiction.country
            or reference.has_code(CodeList.COUNTRY, code, on))


def is_known_currency(reference: ReferenceData, code: str, on: date) -> bool:
    """ISO 4217 currency, or one the jurisdiction pack lists itself on ``on``."""
    return code in _iso_currencies() or reference.has_code(CodeList.CURRENCY, code, on)


def attribute(reference: ReferenceData, list_name: str, code: str | None, on: date,
              name: str) -> str | None:
    """Attribute ``name`` of ``code`` in ``list_name`` on ``on``; None if code or attribute
    is absent."""
    if code is None:
        return None
    entry = reference.entry(list_name, code, on)
    return None if entry is None else entry.attributes.get(name)


def flag(reference: ReferenceData, list_name: str, code: str | None, on: date,
         name: str) -> bool | None:
    """A ``"true"``/``"false"`` attribute as a bool; None when unknown."""
    value = attribute(reference, list_name, code, on, name)
    return None if value is None else value.strip().lower() == "true"


def is_blank(value: str | None) -> bool:
    return value is None or not value.strip()


def is_finite(value: Decimal | None) -> bool:
    """True for an ordinary number; NaN and infinities cannot be compared or rounded."""
    return isinstance(value, Decimal) and value.is_finite()


def items(declaration: DeclarationContent) -> Iterator[tuple[int, GoodsItem]]:
    return enumerate(declaration.items)


def item_pointer(index: int, *parts: str | int) -> str:
    return pointer("items", index, *parts)


def amounts(declaration: DeclarationContent) -> Iterator[tuple[str, Amount]]:
    """Declared header amounts by field name: invoice, freight, insurance."""
    for name in ("invoice", "freight", "insurance"):
        amount: Amount | None = getattr(declaration, name)
        if amount is not None:
            yield name, amount


def traders(declaration: DeclarationContent) -> Iterator[tuple[str, Trader]]:
    """Named traders by field name: importer, exporter, consignee."""
    for name in ("importer", "exporter", "consignee"):
        trader: Trader | None = getattr(declaration, name)
        if trader is not None:
            yield name, trader


