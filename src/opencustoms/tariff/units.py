"""Measurement units of specific duties and where their quantities come from.

A specific duty is an amount per TARIC measurement unit (``DTN`` 100 kg, ``LPA`` litre of pure
alcohol, ``MIL`` 1000 items …), sometimes with a qualifier (``E`` drained net weight, ``I``
biodiesel content …). The quantity in that unit is derived from the declaration:

- mass units (``KGM``, ``GRM``, ``DTN``, ``TNE``, carats) from the net mass (DE 6/1); with
  qualifier ``G`` (gross) from the gross mass (DE 6/5);
- other units from the supplementary quantity (DE 6/2) when the commodity's supplementary unit
  is the same unit or converts to it (``NAR`` items -> ``MIL`` 1000 items, ``LTR`` -> ``HLT``);
- otherwise from the quantities declared on the goods item (``quantities``), converting within a
  dimension (declared ``LTR`` answers ``HLT``); litres of pure alcohol also from a declared
  alcoholic strength (``ASV`` % vol) times a volume; ``RET`` is the declared retail price.

A qualified unit needs a declared quantity with that qualifier: a drained net weight or a
biodiesel content cannot be deduced from the net mass. Only ``G`` (gross), ``C`` (x 1000),
``X`` (% vol per hl) and ``Z`` (per % sucrose) are derived.

Codes, abbreviations and multipliers follow the TARIC measurement unit and qualifier tables
(``shared/data/uk-tariff/measurement_units.json``); descriptions are the project's own.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from opencustoms.domain.goods import GoodsItem, Quantity


class Dimension(StrEnum):
    """What a unit measures; units of one dimension with a factor convert into each other."""

    MASS = "mass"
    COUNT = "count"
    PAIRS = "pairs"
    VOLUME = "volume"
    PURE_ALCOHOL = "pure_alcohol"
    AREA = "area"
    LENGTH = "length"
    ENERGY = "energy"
    MONEY = "money"
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class MeasurementUnit:
    """A TARIC measurement unit. ``factor`` is how many of this unit make one base unit of its
    dimension (kg, item, pair, litre, metre): ``DTN`` 0.01, ``GRM`` 1000. None when the unit
    converts to nothing (a chemical content, a percentage)."""

    code: str
    abbreviation: str
    description: str
    dimension: Dimension
    factor: Decimal | None = None


def _u(code: str, abbreviation: str, description: str, dimension: Dimension,
       factor: str | None = None) -> MeasurementUnit:
    return MeasurementUnit(code, abbreviation, description, dimension,
                           None if factor is None else Decimal(factor))


D = Dimension
UNITS: dict[str, MeasurementUnit] = {u.code: u for u in (
    _u("KGM", "kg", "kilogram, net mass", D.MASS, "1"),
    _u("GRM", "g", "gram", D.MASS, "1000"),
    _u("DTN", "100 kg", "100 kilograms (hectokilogram)", D.MASS, "0.01"),
    _u("TNE", "1000 kg", "tonne (1000 kg)", D.MASS, "0.001"),
    _u("CTM", "c/k", "metric carat (0.2 g)", D.MASS, "5000"),
    _u("NAR", "p/st", "number of items", D.COUNT, "1"),
    _u("CEN", "100 p/st", "100 items", D.COUNT, "0.01"),
    _u("MIL", "1000 p/st", "1000 items", D.COUNT, "0.001"),
    _u("NPR", "pa", "number of pairs", D.PAIRS, "1"),
    _u("MPR", "1000 pa", "1000 pairs", D.PAIRS, "0.001"),
    _u("LTR", "l", "litre", D.VOLUME, "1"),
    _u("HLT", "hl", "hectolitre (100 l)", D.VOLUME, "0.01"),
    _u("KLT", "1000 l", "1000 litres", D.VOLUME, "0.001"),
    _u("MTQ", "m³", "cubic metre", D.VOLUME, "0.001"),
    _u("LPA", "l alc. 100%", "litre of pure (100 %) alcohol", D.PURE_ALCOHOL, "1"),
    _u("MTK", "m²", "square metre", D.AREA, "1"),
    _u("MTR", "m", "metre", D.LENGTH, "1"),
    _u("HMT", "100 m", "100 metres", D.LENGTH, "0.01"),
    _u("KMT", "km", "kilometre", D.LENGTH, "0.001"),
    _u("MWH", "1000 kWh", "1000 kilowatt hours", D.ENERGY),
    _u("TJO", "TJ", "terajoule (gross calorific value)", D.ENERGY),
    _u("RET", "Retail Price", "retail selling price in national currency", D.MONEY),
    _u("ASV", "% vol", "alcoholic strength by volume", D.OTHER),
    _u("BRX", "% sucrose", "sucrose content (Brix)", D.OTHER),
    _u("KNI", "kg N", "kilogram of nitrogen", D.OTHER),
    _u("KPO", "kg K2O", "kilogram of potassium oxide", D.OTHER),
    _u("KPH", "kg KOH", "kilogram of potassium hydroxide", D.OTHER),
    _u("KSH", "kg NaOH", "kilogram of sodium hydroxide", D.OTHER),
    _u("KNS", "kg H2O2", "kilogram of hydrogen peroxide", D.OTHER),
    _u("KMA", "kg met.am.", "kilogram of methylamines", D.OTHER),
    _u("KUR", "kg U", "kilogram of uranium", D.OTHER),
    _u("KSD", "kg 90 % sdt", "kilogram of substance 90 % dry", D.OTHER),
    _u("KCC", "kg C5H14ClNO", "kilogram of choline chloride", D.OTHER),
    _u("KPP", "kg P2O5", "kilogram of diphosphorus pentaoxide", D.OTHER),
    _u("KCL", "tonne KCl", "tonne of potassium chloride", D.OTHER),
    _u("DHS", "kg DHS", "kilogram of dihydrostreptomycin", D.OTHER),
    _u("GFI", "gi F/S", "gram of fissile isotopes", D.OTHER),
    _u("NCL", "ce/el", "number of cells", D.OTHER),
    _u("GRT", "GT", "gross tonnage", D.OTHER),
    _u("CCT", "ct/l", "carrying capacity in tonnes", D.OTHER),
    _u("DAP", "10 000 kg/polar", "decatonne corrected for polarisation", D.OTHER),
    _u("WAT", "W", "watt", D.OTHER),
    _u("SPR", "SPR discount", "small producer relief discount", D.OTHER),
)}
"""The unit table: TARIC code -> unit."""

QUALIFIERS: dict[str, str] = {
    "A": "tot/alc", "B": "flask", "C": "1000", "E": "net eda", "F": "common wheat",
    "G": "br", "I": "biodiesel", "J": "fuel content", "K": "bioethanol", "L": "live weight",
    "M": "net mas", "P": "lactic matter", "R": "std qual", "S": "raw sugar",
    "T": "dry lactic matter", "X": "hl", "Z": "%sacchar.",
}
"""TARIC measurement unit qualifier -> abbreviation written after the unit."""


def unit_label(unit: str, qualifier: str | None = None) -> str:
    """The unit as written in a rate: ``100 kg``, ``1000 kg/biodiesel``, ``1000 m³``."""
    known = UNITS.get(unit)
    label = known.abbreviation if known is not None else unit
    if not qualifier:
        return label
    if qualifier == "C" and unit == "MTQ":
        return "1000 m³"
    return f"{label}/{QUALIFIERS.get(qualifier, qualifier)}"


def _convert(value: Decimal, source: str, target: str) -> Decimal | None:
    """``value`` in ``source`` expressed in ``target`` when both share a dimension."""
    if source == target:
        return value
    a, b = UNITS.get(source), UNITS.get(target)
    if (a is None or b is None or a.dimension != b.dimension or a.factor is None
            or b.factor is None):
        return None
    return value / a.factor * b.factor


@dataclass(frozen=True, slots=True)
class ItemQuantities:
    """The quantities of one goods item, answerable in any unit a measure names."""

    net_mass: Decimal
    gross_mass: Decimal
    supplementary_unit: str | None
    supplementary_quantity: Decimal | None
    declared: tuple[Quantity, ...]

    @classmethod
    def of_item(cls, item: GoodsItem, supplementary_unit: str | None) -> ItemQuantities:
        return cls(item.net_mass, item.gross_mass, supplementary_unit,
                   item.supplementary_quantity, item.quantities)

    def get(self, unit: str, qualifier: str | None = None) -> Decimal | None:
        """The item's quantity in ``unit`` (with ``qualifier``), or None if not declared."""
        if not qualifier:
            return self._plain(unit)
        declared = self._declared(unit, qualifier)
        if declared is not None:
            return declared
        if qualifier == "G":
            return _convert(self.gross_mass, "KGM", unit)
        if qualifier == "C" and unit == "MTQ":
            cubic_metres = self._plain("MTQ")
            return None if cubic_metres is None else cubic_metres / 1000
        return self._compound(unit, qualifier)

    def needs_supplementary(self, unit: str, qualifier: str | None = None) -> bool:
        """True when a missing quantity in ``unit`` belongs in the supplementary quantity."""
        return (not qualifier and self.supplementary_unit is not None
                and _convert(Decimal(1), self.supplementary_unit, unit) is not None)

    def _plain(self, unit: str) -> Decimal | None:
        known = UNITS.get(unit)
        if known is not None and known.dimension is Dimension.MASS:
            return _convert(self.net_mass, "KGM", unit)
        if self.supplementary_unit is not None and self.supplementary_quantity is not None:
            converted = _convert(self.supplementary_quantity, self.supplementary_unit, unit)
            if converted is not None:
                return converted
        declared = self._declared(unit, None)
        if declared is None and unit == "LPA":
            return self._pure_alcohol()
        return declared

    def _declared(self, unit: str, qualifier: str | None) -> Decimal | None:
        """A declared quantity in ``unit``, else one in a unit of the same dimension."""
        convertible: Decimal | None = None
        for q in self.declared:
            if (q.qualifier or None) != (qualifier or None):
                continue
            if q.unit == unit:
                return q.value
            if convertible is None:
                convertible = _convert(q.value, q.unit, unit)
        return convertible

    def _pure_alcohol(self) -> Decimal | None:
        """Litres of pure alcohol = litres x alcoholic strength (% vol) / 100."""
        strength = self._declared("ASV", None)
        litres = self._plain("LTR")
        if strength is None or litres is None:
            return None
        return litres * strength / 100

    def _compound(self, unit: str, qualifier: str) -> Decimal | None:
        """``ASV`` + ``X``: % vol x hectolitres; ``Z``: the unit's mass x % sucrose."""
        if qualifier == "X" and unit == "ASV":
            percentage, amount = self._declared("ASV", None), self._plain("HLT")
        elif qualifier == "Z":
            percentage, amount = self._declared("BRX", None), self._plain(unit)
        else:
            return None
        if percentage is None or amount is None:
            return None
        return percentage * amount
