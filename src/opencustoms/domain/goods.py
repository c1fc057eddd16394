"""Goods items of a declaration and what hangs off them: packages and documents.

Field names follow the JSON declaration contract (``shared/examples``), which in turn follows
the WCO Data Model names in plain English.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import NewType

CommodityCode = NewType("CommodityCode", str)
"""Goods nomenclature code: HS 6 digits + national subdivisions (10 in the demo jurisdiction)."""

CountryCode = NewType("CountryCode", str)
"""ISO 3166-1 alpha-2 country code, or the jurisdiction's own code."""


@dataclass(frozen=True, slots=True)
class Package:
    """Packaging of the goods (WCO DM 31A/31B/31C): kind (UN/ECE Rec. 21), count, marks."""

    kind: str
    count: int
    marks: str | None = None


@dataclass(frozen=True, slots=True)
class Document:
    """A document or certificate produced for the goods item (WCO DM 02I): code and reference."""

    code: str
    reference: str


@dataclass(frozen=True, slots=True)
class Quantity:
    """A quantity in a measurement unit a tariff measure needs (DE 6/2 style): e.g. ``LPA``
    litres of pure alcohol, ``HLT`` hectolitres, ``RET`` retail price (in national currency).
    Net mass (``KGM``) and the commodity's supplementary unit are declared elsewhere."""

    unit: str
    value: Decimal
    qualifier: str | None = None


@dataclass(frozen=True, slots=True)
class GoodsItem:
    """One line of the declaration: goods of one commodity code under one procedure."""

    sequence: int
    commodity_code: CommodityCode
    description: str
    procedure: str
    net_mass: Decimal
    gross_mass: Decimal
    item_price: Decimal
    country_of_origin: CountryCode | None = None
    additional_procedures: tuple[str, ...] = ()
    preference: str | None = None
    supplementary_quantity: Decimal | None = None
    packages: tuple[Package, ...] = ()
    valuation_method: str | None = None
    documents: tuple[Document, ...] = ()
    additional_codes: tuple[str, ...] = ()
    quota_order_number: str | None = None
    quantities: tuple[Quantity, ...] = ()
    customs_value: Decimal | None = None

    @property
    def requested_procedure(self) -> str:
        """First two digits of the procedure code: the procedure the goods are entered for."""
        return self.procedure[:2]

    @property
    def previous_procedure(self) -> str:
        """Last two digits of the procedure code: the procedure the goods come from."""
        return self.procedure[2:]

    def quantity(self, unit: str, qualifier: str | None = None) -> Decimal | None:
        """The declared quantity in ``unit`` (and ``qualifier``), if any."""
        for q in self.quantities:
            if q.unit == unit and q.qualifier == qualifier:
                return q.value
        return None

    def has_document(self, code: str) -> bool:
        return any(d.code == code for d in self.documents)
