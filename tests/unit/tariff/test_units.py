"""Quantities in the units measures name, derived from what the goods item declares."""

from __future__ import annotations

from decimal import Decimal

from opencustoms.domain.goods import Quantity
from opencustoms.tariff.units import ItemQuantities, unit_label

D = Decimal


def quantities(supplementary: tuple[str, str] | None = None,
               *declared: Quantity) -> ItemQuantities:
    unit, value = supplementary or (None, None)
    return ItemQuantities(D("250.000"), D("262.500"), unit,
                          D(value) if value is not None else None, declared)


def test_mass_units_derive_from_net_mass() -> None:
    q = quantities()
    assert (q.get("KGM"), q.get("DTN"), q.get("TNE"), q.get("GRM")) == (
        D("250.000"), D("2.50000"), D("0.250000"), D("250000.000"))


def test_gross_qualifier_derives_from_gross_mass() -> None:
    assert quantities().get("DTN", "G") == D("2.62500")


def test_supplementary_unit_converts_within_its_dimension() -> None:
    # 20000 items declared as supplementary quantity = 20 x 1000 items
    q = quantities(("NAR", "20000"))
    assert (q.get("NAR"), q.get("MIL")) == (D("20000"), D("20.000"))


def test_declared_quantity_in_another_unit_of_the_dimension_converts() -> None:
    q = quantities(None, Quantity("LTR", D("700")))
    assert q.get("HLT") == D("7.00")


def test_pure_alcohol_from_strength_and_volume() -> None:
    # 70 litres at 40 % vol = 28 litres of pure alcohol
    q = quantities(("LTR", "70"), Quantity("ASV", D("40")))
    assert q.get("LPA") == D("28")


def test_qualified_unit_needs_a_declared_quantity_with_that_qualifier() -> None:
    assert quantities().get("TNE", "I") is None
    # 3500 kg of biodiesel content declared = 3.5 tonnes
    assert quantities(None, Quantity("KGM", D("3500"), "I")).get("TNE", "I") == D("3.500")


def test_missing_supplementary_unit_points_at_the_supplementary_quantity() -> None:
    q = quantities(("NAR", "1"))
    assert q.needs_supplementary("MIL") and not q.needs_supplementary("LPA")


def test_unit_labels() -> None:
    assert [unit_label(u, q) for u, q in (("DTN", None), ("TNE", "I"), ("MTQ", "C"),
                                          ("DTN", "E"), ("XYZ", None))] == [
        "100 kg", "1000 kg/biodiesel", "1000 m³", "100 kg/net eda", "XYZ"]
