"""The UK Trade Tariff API importer on the real responses in ``../shared/data/uk-tariff``."""

from __future__ import annotations

import json
import shutil
from collections import Counter
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from opencustoms.adapters.formats.pack import ReferenceFileError
from opencustoms.adapters.formats.uk_tariff import (
    UkCommodity,
    UkTariffError,
    load_uk_tariff,
    read_uk_commodity,
    read_uk_exchange_rates,
    read_uk_geographical_areas,
)
from opencustoms.domain.reference import ReferenceData, Validity
from opencustoms.tariff.model import (
    DutyComponent,
    GeographicalArea,
    Measure,
    MeasureCondition,
    MeasureKind,
    MonetaryRate,
    Quota,
    Tariff,
)
from tests.integration.tariff.shared import UK_FIXTURES, needs_shared_data

pytestmark = needs_shared_data

MEASURES_PER_FILE = {
    "uk/0102291010.json": ("0102291010", 7),
    "uk/0103921100.json": ("0103921100", 10),
    "uk/0702000007.json": ("0702000007", 50),
    "uk/0809400500.json": ("0809400500", 5),
    "uk/1516209821.json": ("1516209821", 16),
    "uk/7202118000.json": ("7202118000", 8),
    "uk/7202999000.json": ("7202118000", 10),  # a copy of 7202118000 with other conditions
    "xi/0103921100.json": ("0103921100", 7),
    "xi/0702000007.json": ("0702000007", 50),
    "xi/7202999000.json": ("7202118000", 10),
}
"""Every fixture file: the commodity it describes and its number of import measures."""


@pytest.fixture(scope="module")
def areas() -> dict[str, GeographicalArea]:
    return read_uk_geographical_areas(UK_FIXTURES / "uk" / "geographical_areas.json")


def commodity(name: str, areas: dict[str, GeographicalArea] | None = None) -> UkCommodity:
    source, file = name.split("/")
    return read_uk_commodity(UK_FIXTURES / source / "commodities" / file, areas=areas,
                             source=source)


def measure_of(item: UkCommodity, sid: str) -> Measure:
    return next(m for m in item.measures if m.sid == sid)


@pytest.mark.parametrize("name", sorted(MEASURES_PER_FILE))
def test_every_fixture_commodity_loads_with_all_its_import_measures(
    name: str, areas: dict[str, GeographicalArea],
) -> None:
    code, count = MEASURES_PER_FILE[name]
    item = commodity(name, areas)
    assert (item.code, len(item.measures)) == (code, count)
    assert item.leaf.declarable is True
    assert {m.commodity for m in item.measures} == {code}
    assert item.nodes[0].parent is None and item.nodes[0].code.endswith("00000000")


def test_measure_kinds_of_the_biodiesel_blend_from_canada(
    areas: dict[str, GeographicalArea],
) -> None:
    item = commodity("uk/1516209821.json", areas)
    assert Counter(m.type.kind for m in item.measures) == {
        MeasureKind.THIRD_COUNTRY_DUTY: 1, MeasureKind.SUSPENSION: 1, MeasureKind.VAT: 2,
        MeasureKind.RESTRICTION: 3, MeasureKind.TARIFF_PREFERENCE: 1,
        MeasureKind.ANTI_DUMPING: 4, MeasureKind.COUNTERVAILING: 4,
    }


def test_nomenclature_of_young_bovines_folds_grouping_lines_into_descriptions() -> None:
    item = commodity("uk/0102291010.json")
    assert [(n.code, n.parent, n.declarable, n.description) for n in item.nodes] == [
        ("0100000000", None, False, "LIVE ANIMALS"),
        ("0102000000", "0100000000", False, "Live bovine animals"),
        ("0102290000", "0102000000", False, "Cattle — Other"),
        ("0102291000", "0102290000", False, "Other — Of a weight not exceeding 80 kg"),
        ("0102291010", "0102291000", True, "Young male bovine animals, intended for fattening"),
    ]
    assert {(n.source, n.validity) for n in item.nodes} == {("uk", Validity())}
    assert item.leaf.supplementary_unit == "NAR"  # from the 109 measure: p/st


def test_compound_third_country_duty_keeps_its_euro_component_exactly() -> None:
    duty = measure_of(commodity("uk/0102291010.json"), "3211138")
    assert (duty.type.id, duty.type.kind, duty.area.id) == (
        "103", MeasureKind.THIRD_COUNTRY_DUTY, "1011")
    assert duty.validity == Validity(date(2012, 1, 1), None)
    assert duty.components == (
        DutyComponent("01", Decimal("10.2")),
        DutyComponent("04", Decimal("93.1"), "EUR", "DTN"),
    )


def test_retail_price_excise_with_a_minimum_is_read_term_by_term() -> None:
    excise = measure_of(commodity("uk/0103921100.json"), "-1010806389")
    assert (excise.type.id, excise.type.kind, excise.additional_code) == (
        "306", MeasureKind.EXCISE, "X611")
    assert excise.components == (
        DutyComponent("01", Decimal("16.5"), None, "RET"),
        DutyComponent("04", Decimal("244.78"), "GBP", "MIL"),
        DutyComponent("15", Decimal("320.9"), "GBP", "MIL"),
    )


def test_national_vat_types_are_vat_and_a_type_103_in_series_b_is_a_control() -> None:
    item = commodity("uk/0103921100.json")
    assert measure_of(item, "-581142").type.kind == MeasureKind.VAT  # VTZ, series P
    phytosanitary = measure_of(item, "20087819")
    assert (phytosanitary.type.id, phytosanitary.type.kind) == ("103", MeasureKind.RESTRICTION)
    # the response leaves action_code out; the action text gives it back (24 allowed, 04 not)
    assert phytosanitary.conditions == (
        MeasureCondition("B", 1, "24", document="N851"),
        MeasureCondition("B", 2, "04"),
    )


def test_anti_dumping_conditions_keep_document_and_amount_per_tonne_of_biodiesel() -> None:
    item = commodity("uk/1516209821.json")
    biox = measure_of(item, "20041389")
    assert (biox.type.kind, biox.area.id, biox.additional_code) == (
        MeasureKind.ANTI_DUMPING, "CA", "B107")
    assert biox.components == ()
    assert biox.conditions == (
        MeasureCondition("A", 1, "01", document="D008",
                         components=(DutyComponent("01", Decimal("0.0"), "GBP", "TNE", "I"),)),
        MeasureCondition("A", 2, "01",
                         components=(DutyComponent("01", Decimal("144.1"), "GBP", "TNE", "I"),)),
    )
    other = measure_of(item, "20041337")
    assert (other.additional_code, other.components) == (
        "B999", (DutyComponent("01", Decimal("144.1"), "GBP", "TNE", "I"),))


def test_threshold_conditions_of_the_plum_entry_price_scale() -> None:
    entry_price = measure_of(commodity("uk/0809400500.json"), "3788670")
    first, second = entry_price.conditions[:2]
    assert first == MeasureCondition(
        "V", 1, "01", threshold=Decimal("52.6"), threshold_monetary_unit="EUR",
        threshold_unit="DTN", components=(DutyComponent("01", Decimal("14.4")),))
    assert (second.sequence, second.threshold, second.components) == (
        2, Decimal("51.5"),
        (DutyComponent("01", Decimal("14.4")), DutyComponent("04", Decimal("1.1"), "EUR", "DTN")))
    assert [c.sequence for c in entry_price.conditions] == [1, 2, 3, 4, 5, 6]


def test_excluded_countries_are_kept() -> None:
    veterinary = measure_of(commodity("uk/0102291010.json"), "3717655")
    assert (veterinary.area.id, veterinary.excluded) == (
        "1008", frozenset({"AD", "CH", "LI", "NO", "SM"}))
    assert not veterinary.applies_to_origin("CH")
    assert veterinary.applies_to_origin("US")


def test_geographical_area_groups_have_members(areas: dict[str, GeographicalArea]) -> None:
    assert len(areas) == 315
    assert (len(areas["1011"].members), len(areas["5050"].members),
            len(areas["2005"].members), len(areas["1013"].members)) == (253, 132, 47, 28)
    assert {"CN", "US", "IN"} <= areas["5050"].members and "ZA" not in areas["5050"].members
    assert areas["CA"] == GeographicalArea("CA", "Canada", frozenset())


def test_safeguard_group_takes_its_members_from_the_area_table(
    areas: dict[str, GeographicalArea],
) -> None:
    alone, with_table = commodity("uk/7202118000.json"), commodity("uk/7202118000.json", areas)
    # the response lists no members under 5050; the tariff's area table does
    assert measure_of(alone, "20057876").area.members == frozenset()
    safeguard = measure_of(with_table, "20057876")
    assert (safeguard.type.kind, safeguard.area.id, len(safeguard.area.members)) == (
        MeasureKind.ADDITIONAL_DUTY, "5050", 132)
    assert safeguard.applies_to_origin("CN") and not safeguard.applies_to_origin("ZA")


def test_quotas_come_from_order_number_definitions() -> None:
    item = commodity("uk/0702000007.json")
    assert sum(1 for m in item.measures if m.quota is not None) == 7
    assert sorted(q.order_number for q in item.quotas) == [
        "050922", "051104", "051174", "051193", "051304", "056800"]
    morocco = next(q for q in item.quotas if q.order_number == "051104")
    assert morocco == Quota("051104", Validity(date(2021, 1, 1), date(2021, 5, 31)),
                            Decimal("26622000.0"), "KGM")
    assert item.quota_balances["051104"] == Decimal("9656317.0")
    no_definition = measure_of(commodity("uk/7202118000.json"), "20124406")
    assert (no_definition.type.kind, no_definition.quota) == (
        MeasureKind.NON_PREFERENTIAL_QUOTA, "054003")


def test_exchange_rates_parse_exactly_as_decimals() -> None:
    rates = read_uk_exchange_rates(UK_FIXTURES / "xi" / "monetary_exchange_rates.json")
    assert len(rates) == 67
    assert rates[0] == MonetaryRate("EUR", "GBP", Decimal("0.7298"),
                                    Validity(date(2016, 1, 1), date(2016, 1, 31)))
    by_month = {r.validity.start: r for r in rates}
    assert by_month[date(2016, 2, 1)].rate == Decimal("0.75965")
    may = by_month[date(2021, 5, 1)]
    assert (may.rate, may.validity) == (Decimal("0.86988"),
                                        Validity(date(2021, 5, 1), date(2021, 5, 31)))
    assert by_month[date(2020, 2, 1)].validity.end == date(2020, 2, 29)  # a leap year


def test_gb_tariff_holds_each_commodity_once_with_its_measures(
    gb: tuple[ReferenceData, Tariff],
) -> None:
    reference, tariff = gb
    assert (reference.jurisdiction.country, reference.jurisdiction.currency) == ("GB", "GBP")
    assert {code: len(m) for code, m in tariff.measures.items()} == {
        "0102291010": 7, "0103921100": 10, "0702000007": 50, "0809400500": 5,
        "1516209821": 16, "7202118000": 8}
    assert len(reference.nomenclature) == 24
    assert sorted(c for c, v in reference.nomenclature.items() if v[0].declarable) == sorted(
        tariff.measures)
    # 7202118000.json wins over its copy 7202999000.json: its suspension has no condition
    suspension = next(m for m in tariff.measures["7202118000"] if m.sid == "20121925")
    assert suspension.conditions == ()
    assert len(tariff.areas) == 315 and tariff.currency == "GBP"
    assert sorted(tariff.quotas) == ["050922", "051104", "051174", "051193", "051304",
                                     "056800"]


def test_gb_tariff_converts_euro_at_the_monthly_rate_both_ways(
    gb: tuple[ReferenceData, Tariff],
) -> None:
    reference, tariff = gb
    assert tariff.monetary_rate("EUR", "GBP", date(2021, 5, 14)) == Decimal("0.86988")
    assert tariff.monetary_rate("EUR", "GBP", date(2021, 8, 1)) is None
    rate = reference.exchange_rate("EUR", date(2021, 5, 14))
    assert rate is not None and rate.rate == Decimal(1) / Decimal("0.86988")
    assert reference.minor_unit("GBP") == 2


def test_xi_tariff_is_a_northern_ireland_jurisdiction_in_pounds() -> None:
    reference, tariff = load_uk_tariff(UK_FIXTURES, source="xi")
    assert (reference.jurisdiction.country, reference.jurisdiction.currency) == ("XI", "GBP")
    assert {code: len(m) for code, m in tariff.measures.items()} == {
        "0103921100": 7, "0702000007": 50, "7202118000": 10}
    duty = next(m for m in tariff.measures["0103921100"] if m.type.id == "103")
    assert duty.components == (DutyComponent("01", Decimal("35.1"), "EUR", "DTN"),)


# --- malformed input ---------------------------------------------------------------------------


def _rewrite(tmp_path: Path, name: str, change: Any) -> Path:
    source, file = name.split("/")
    data = json.loads((UK_FIXTURES / source / "commodities" / file).read_text())
    change(data)
    target = tmp_path / file
    target.write_text(json.dumps(data))
    return target


def _measure(data: dict[str, Any], sid: int) -> dict[str, Any]:
    return next(m for m in data["import_measures"] if m["id"] == sid)


def test_a_duty_amount_that_is_not_a_number_names_file_and_measure(tmp_path: Path) -> None:
    def change(data: dict[str, Any]) -> None:
        _measure(data, 3211138)["measure_components"][0]["duty_amount"] = "ten"

    path = _rewrite(tmp_path, "uk/0102291010.json", change)
    with pytest.raises(UkTariffError, match=r"0102291010\.json: measure 3211138: 'duty_amount'"):
        read_uk_commodity(path)


def test_a_condition_without_a_known_action_is_refused(tmp_path: Path) -> None:
    def change(data: dict[str, Any]) -> None:
        _measure(data, 3717655)["measure_conditions"][0]["action"] = "Do something else"

    path = _rewrite(tmp_path, "uk/0102291010.json", change)
    with pytest.raises(UkTariffError, match=r"measure 3717655: condition B: no action code"):
        read_uk_commodity(path)


def test_a_measure_ending_before_it_starts_is_refused(tmp_path: Path) -> None:
    def change(data: dict[str, Any]) -> None:
        _measure(data, 20041337)["effective_end_date"] = "2020-12-31T00:00:00.000Z"

    path = _rewrite(tmp_path, "uk/1516209821.json", change)
    with pytest.raises(ReferenceFileError, match=r"measure 20041337: effective_end_date"):
        read_uk_commodity(path)


def test_two_files_for_one_commodity_neither_named_after_it_are_refused(tmp_path: Path) -> None:
    commodities = tmp_path / "uk" / "commodities"
    commodities.mkdir(parents=True)
    original = UK_FIXTURES / "uk" / "commodities" / "7202999000.json"
    shutil.copy(original, commodities / "7202999000.json")
    shutil.copy(original, commodities / "7202999001.json")
    with pytest.raises(UkTariffError, match="both describe commodity 7202118000"):
        load_uk_tariff(tmp_path)
