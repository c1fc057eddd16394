"""The demo pack's tariff: complete for the demo nomenclature, one of each kind of measure,
and a loader that names the file and entry of anything malformed."""

from __future__ import annotations

import json
import shutil
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from opencustoms.adapters.formats.pack import PACK_FILES, PackError, demo_pack, load_pack
from opencustoms.adapters.formats.tariff_pack import (
    TARIFF_FILES,
    demo_tariff,
    load_tariff,
    read_measures,
)
from opencustoms.domain.reference import ReferenceData, Validity
from opencustoms.tariff.model import ERGA_OMNES, DutyComponent, Measure, MeasureKind, Tariff

ON = date(2026, 3, 2)
TODAY = date.today()
PARTNER, DEVELOPING = "JP", "VN"  # members of XG01 and XG02
ORIGINS = ("CN", "US", PARTNER, DEVELOPING, "IN", "CH")


@pytest.fixture(scope="module")
def tariff() -> Tariff:
    return load_tariff()


@pytest.fixture(scope="module")
def reference() -> ReferenceData:
    return load_pack()


def chain(reference: ReferenceData, code: str, on: date) -> list[str]:
    """``code`` and its ancestors, most specific first."""
    links = [code]
    while (node := reference.commodity(links[-1], on)) is not None and node.parent:
        links.append(node.parent)
    return links


def effective(tariff: Tariff, reference: ReferenceData, code: str, type_id: str, origin: str,
              on: date = ON, additional_code: str | None = None) -> list[Measure]:
    """The measures of a type that apply to goods of ``code`` from ``origin``: those declared
    on the most specific code of the chain that has any (the demo pack's rule)."""
    for link in chain(reference, code, on):
        found = [m for m in tariff.measures_on([link], on)
                 if m.type.id == type_id and m.applies_to_origin(origin)
                 and m.additional_code == additional_code]
        if found:
            return found
    return []


def rate(measure: Measure) -> list[tuple[str, Decimal | None, str | None, str | None]]:
    return [(c.expression, c.amount, c.monetary_unit, c.unit) for c in measure.components]


def declarable_codes(reference: ReferenceData, on: date) -> list[str]:
    return sorted(code for code in reference.nomenclature
                  if (node := reference.commodity(code, on)) is not None and node.declarable)


def of_kind(tariff: Tariff, kind: MeasureKind) -> list[Measure]:
    return [m for measures in tariff.measures.values() for m in measures
            if m.type.kind == kind]


# --- the pack loads, completely -----------------------------------------------------------


def test_demo_tariff_is_in_the_currency_of_the_territory(tariff: Tariff) -> None:
    assert tariff.currency == "EUR"
    assert {"103", "142", "143", "122", "112", "115", "552", "305", "306", "277",
            "475"} <= tariff.measure_types.keys()


def test_every_measure_is_declared_on_a_code_of_the_demo_nomenclature(
    tariff: Tariff, reference: ReferenceData
) -> None:
    unknown = [m.sid for ms in tariff.measures.values() for m in ms
               if m.commodity not in reference.nomenclature]
    assert unknown == []


@pytest.mark.parametrize("on", [TODAY, ON, date(2025, 6, 1), date(2027, 6, 1)],
                         ids=["today", "2026-03-02", "2025-06-01", "2027-06-01"])
def test_every_declarable_code_has_one_third_country_duty_for_all_origins(
    tariff: Tariff, reference: ReferenceData, on: date
) -> None:
    codes = declarable_codes(reference, on)
    assert len(codes) > 300
    for code in codes:
        duties = effective(tariff, reference, code, "103", "CN", on)
        assert len(duties) == 1, (code, duties)
        assert duties[0].area.id == ERGA_OMNES


def test_the_most_specific_measure_of_each_type_is_never_ambiguous(
    tariff: Tariff, reference: ReferenceData
) -> None:
    """The rule the engine applies: of the measures of one type that apply to an origin (and
    additional code), those declared on the most specific code of the chain win, and there is
    exactly one of them."""
    for code in declarable_codes(reference, ON):
        for type_id in tariff.measure_types:
            for origin in ORIGINS:
                for additional in (None, "C001", "C999"):
                    found = effective(tariff, reference, code, type_id, origin, ON, additional)
                    assert len(found) <= 1, (code, type_id, origin, found)


@pytest.mark.parametrize("type_id", ["305", "306", "552", "277", "475"])
def test_taxes_charged_per_measure_are_declared_once_along_each_chain(
    tariff: Tariff, reference: ReferenceData, type_id: str
) -> None:
    """VAT, excise, anti-dumping and controls never stack: a code and its ancestors carry at
    most one such measure for an origin and additional code, whatever rule picks among them."""
    for code in declarable_codes(reference, ON):
        for origin in ORIGINS:
            for additional in (None, "C001", "C999"):
                found = [m for m in tariff.measures_on(chain(reference, code, ON), ON)
                         if m.type.id == type_id and m.applies_to_origin(origin)
                         and m.additional_code == additional]
                assert len(found) <= 1, (code, origin, found)


def test_every_declarable_code_has_a_vat_rate(tariff: Tariff, reference: ReferenceData) -> None:
    for code in declarable_codes(reference, ON):
        assert len(effective(tariff, reference, code, "305", "US")) == 1, code


# --- one of each kind -----------------------------------------------------------------------


def test_ad_valorem_duty(tariff: Tariff, reference: ReferenceData) -> None:
    (duty,) = effective(tariff, reference, "8712003000", "103", "US")
    assert rate(duty) == [("01", Decimal("14.00"), None, None)]
    assert duty.commodity == "8712"  # declared on the heading, applies to its codes


def test_specific_duties_per_100_kg_per_tonne_per_item_and_per_pair(
    tariff: Tariff, reference: ReferenceData
) -> None:
    def duty_of(code: str) -> list[tuple[str, Decimal | None, str | None, str | None]]:
        return rate(effective(tariff, reference, code, "103", "US")[0])

    assert duty_of("0207141000") == [("01", Decimal("80.00"), "EUR", "DTN")]
    assert duty_of("1001990000") == [("01", Decimal("95.00"), "EUR", "TNE")]
    assert duty_of("0101290000") == [("01", Decimal("15.00"), "EUR", "NAR")]
    assert duty_of("9506110000") == [("01", Decimal("3.00"), "EUR", "NPR")]


def test_compound_duties_with_plus_min_and_max(tariff: Tariff, reference: ReferenceData) -> None:
    def duty_of(code: str) -> list[tuple[str, Decimal | None, str | None, str | None]]:
        return rate(effective(tariff, reference, code, "103", "US")[0])

    assert duty_of("0102290000") == [("01", Decimal("10.00"), None, None),
                                     ("04", Decimal("90.00"), "EUR", "DTN")]
    assert duty_of("0406909000") == [("01", Decimal("12.00"), None, None),
                                     ("15", Decimal("25.00"), "EUR", "DTN")]
    assert duty_of("1704900000") == [("01", Decimal("9.00"), None, None),
                                     ("17", Decimal("24.00"), "EUR", "DTN")]
    assert duty_of("1806320000") == [("01", Decimal("6.00"), None, None),
                                     ("04", Decimal("30.00"), "EUR", "DTN"),
                                     ("17", Decimal("18.00"), None, None)]
    assert duty_of("2401200000") == [("01", Decimal("10.00"), None, None),
                                     ("15", Decimal("22.00"), "EUR", "DTN"),
                                     ("17", Decimal("56.00"), "EUR", "DTN")]
    assert duty_of("9102110000") == [("01", Decimal("4.50"), None, None),
                                     ("15", Decimal("0.30"), "EUR", "NAR"),
                                     ("17", Decimal("0.80"), "EUR", "NAR")]


def test_a_lower_level_code_overrides_its_heading(tariff: Tariff, reference: ReferenceData
                                                  ) -> None:
    (retail,) = effective(tariff, reference, "0901210010", "103", "US")
    (other,) = effective(tariff, reference, "0901210090", "103", "US")
    (green,) = effective(tariff, reference, "0901110000", "103", "US")
    assert (retail.commodity, rate(retail)[0][1]) == ("0901210010", Decimal("9.00"))
    assert (other.commodity, rate(other)[0][1]) == ("090121", Decimal("7.50"))
    assert (green.commodity, rate(green)[0][1]) == ("09", Decimal("0.00"))


def test_the_acceptance_date_decides_which_rate_applies(
    tariff: Tariff, reference: ReferenceData
) -> None:
    (before,) = effective(tariff, reference, "6403990000", "103", "US", date(2025, 12, 31))
    (after,) = effective(tariff, reference, "6403990000", "103", "US", date(2026, 1, 1))
    assert (rate(before)[0][1], rate(after)[0][1]) == (Decimal("8.00"), Decimal("7.50"))


def test_preference_for_partner_countries_on_several_chapters(
    tariff: Tariff, reference: ReferenceData
) -> None:
    partners = tariff.areas["XG01"]
    assert len(partners.members) == 8 and PARTNER in partners.members
    chapters = {m.commodity[:2] for m in of_kind(tariff, MeasureKind.TARIFF_PREFERENCE)
                if m.area.id == "XG01"}
    assert len(chapters) >= 10
    (preference,) = effective(tariff, reference, "8712003000", "142", PARTNER)
    assert rate(preference) == [("01", Decimal("0.00"), None, None)]
    assert effective(tariff, reference, "8712003000", "142", "CN") == []


def test_generalised_preference_excludes_a_graduated_country(
    tariff: Tariff, reference: ReferenceData
) -> None:
    assert len(tariff.areas["XG02"].members) == 15
    (preference,) = effective(tariff, reference, "6109100000", "142", DEVELOPING)
    assert preference.excluded == frozenset({"IN"})
    assert effective(tariff, reference, "6109100000", "142", "IN") == []


def test_unconditional_and_end_use_suspensions(tariff: Tariff, reference: ReferenceData
                                               ) -> None:
    (batteries,) = effective(tariff, reference, "8507600000", "112", "CN")
    assert rate(batteries) == [("01", Decimal("0.00"), None, None)]
    assert batteries.validity == Validity(date(2025, 1, 1), date(2027, 12, 31))
    (aircraft,) = effective(tariff, reference, "8807300000", "115", "US")
    assert aircraft.components == ()
    first, fallback = sorted(aircraft.conditions, key=lambda c: c.sequence)
    assert (first.document, first.action, first.components) == (
        "C990", "27", (DutyComponent("01", Decimal("0.00")),))
    assert (fallback.is_fallback, fallback.action) == (True, "07")


def test_preferential_quota_has_an_order_number_and_a_quota_period(
    tariff: Tariff, reference: ReferenceData
) -> None:
    (in_quota,) = effective(tariff, reference, "0201300000", "143", PARTNER)
    assert (in_quota.quota, in_quota.type.kind) == ("091001", MeasureKind.PREFERENTIAL_QUOTA)
    quota = tariff.quota("091001", ON)
    assert quota is not None
    assert (quota.volume, quota.unit) == (Decimal("2500000"), "KGM")
    assert quota.validity == Validity(date(2025, 1, 1), date(2027, 12, 31))
    assert effective(tariff, reference, "0201300000", "143", "CN") == []


def test_non_preferential_quota_opens_every_year(tariff: Tariff, reference: ReferenceData
                                                 ) -> None:
    (in_quota,) = effective(tariff, reference, "8703801000", "122", "CN")
    assert in_quota.quota == "092001"
    periods = [(q.validity.start.year, q.volume, q.unit) for q in tariff.quotas["092001"]]
    assert periods == [(year, Decimal("5000"), "NAR") for year in (2025, 2026, 2027)]
    assert tariff.quota("092001", date(2028, 1, 1)) is None


def test_anti_dumping_duty_on_one_origin_by_additional_code(
    tariff: Tariff, reference: ReferenceData
) -> None:
    measures = of_kind(tariff, MeasureKind.ANTI_DUMPING)
    assert {(m.area.id, m.commodity) for m in measures} == {("CN", "8712")}
    (cooperating,) = effective(tariff, reference, "8712003000", "552", "CN", ON, "C001")
    (others,) = effective(tariff, reference, "8712003000", "552", "CN", ON, "C999")
    assert rate(cooperating)[0][1] == Decimal("19.20")
    assert rate(others)[0][1] == Decimal("48.50")
    assert effective(tariff, reference, "8712003000", "552", "US", ON, "C999") == []


def test_excise_on_spirits_beer_and_wine(tariff: Tariff, reference: ReferenceData) -> None:
    def excise(code: str) -> list[tuple[str, Decimal | None, str | None, str | None]]:
        return rate(effective(tariff, reference, code, "306", "US")[0])

    assert excise("2208303000") == [("01", Decimal("15.00"), "EUR", "LPA")]
    assert excise("2203000100") == [("01", Decimal("20.00"), "EUR", "HLT")]
    assert excise("2204210600") == [("01", Decimal("35.00"), "EUR", "HLT")]
    assert excise("2204101100") == [("01", Decimal("60.00"), "EUR", "HLT")]
    assert effective(tariff, reference, "2201100000", "306", "US") == []


def test_excise_on_cigarettes_is_retail_price_based_with_a_floor(
    tariff: Tariff, reference: ReferenceData
) -> None:
    (cigarettes,) = effective(tariff, reference, "2402209000", "306", "US")
    assert rate(cigarettes) == [("01", Decimal("20.00"), None, "RET"),
                                ("04", Decimal("90.00"), "EUR", "MIL"),
                                ("15", Decimal("150.00"), "EUR", "MIL")]
    assert cigarettes.components[0].is_percentage


@pytest.mark.parametrize(("code", "vat"), [
    ("8517130000", "20.00"), ("2203000100", "20.00"), ("2402209000", "20.00"),
    ("0901110000", "10.00"), ("0406909000", "10.00"), ("2201100000", "10.00"),
    ("4901990000", "10.00"), ("3004900000", "10.00"), ("4911100000", "20.00"),
])
def test_vat_standard_rate_with_a_reduced_rate_on_food_books_and_medicines(
    tariff: Tariff, reference: ReferenceData, code: str, vat: str
) -> None:
    (measure,) = effective(tariff, reference, code, "305", "CN")
    assert rate(measure) == [("01", Decimal(vat), None, None)]


def test_worn_clothing_is_prohibited(tariff: Tariff, reference: ReferenceData) -> None:
    (prohibition,) = effective(tariff, reference, "6309000000", "277", "US")
    assert prohibition.type.kind == MeasureKind.PROHIBITION
    assert (prohibition.components, prohibition.conditions) == ((), ())


def test_controlled_chemicals_need_an_import_licence(
    tariff: Tariff, reference: ReferenceData
) -> None:
    for code in ("3808910000", "2814100000"):
        (control,) = effective(tariff, reference, code, "475", "US")
        assert control.type.kind == MeasureKind.RESTRICTION
        licence, fallback = sorted(control.conditions, key=lambda c: c.sequence)
        assert (licence.document, licence.action) == ("9120", "24")
        assert (fallback.is_fallback, fallback.action) == (True, "04")
        assert reference.has_code("document", "9120", ON)


def test_customs_processing_fee_for_imports(tariff: Tariff) -> None:
    (fee,) = tariff.fees
    assert (fee.per_declaration, fee.percentage, fee.minimum, fee.maximum) == (
        Decimal("5.00"), Decimal("0.10"), Decimal("5.00"), Decimal("500.00"))
    assert fee.declaration_types == frozenset({"IM"})


def test_example_import_of_smartphones_from_china_pays_zero_duty_and_standard_vat(
    tariff: Tariff, reference: ReferenceData
) -> None:
    (duty,) = effective(tariff, reference, "8517130000", "103", "CN")
    (vat,) = effective(tariff, reference, "8517130000", "305", "CN")
    assert (rate(duty), rate(vat)) == ([("01", Decimal("0.00"), None, None)],
                                       [("01", Decimal("20.00"), None, None)])
    for type_id in ("142", "552", "306", "277", "475"):
        assert effective(tariff, reference, "8517130000", type_id, "CN") == []


@pytest.mark.parametrize("code", ["8429520000", "8431490000"])
def test_export_example_codes_have_a_tariff(tariff: Tariff, reference: ReferenceData,
                                            code: str) -> None:
    (duty,) = effective(tariff, reference, code, "103", "DE")
    assert rate(duty) == [("01", Decimal("0.00"), None, None)]


def test_amounts_are_exact_decimals(tariff: Tariff) -> None:
    amounts = [c.amount for ms in tariff.measures.values() for m in ms for c in m.components]
    assert all(isinstance(a, Decimal) for a in amounts)
    assert Decimal("19.20") in amounts and str(Decimal("19.20")) == "19.20"


def test_read_measures_streams_the_measures_file() -> None:
    measures = read_measures(demo_tariff())
    first = next(measures)
    assert (first.type.id, first.area.id, first.commodity) == ("103", ERGA_OMNES, "01")


# --- where the tariff is found ------------------------------------------------------------


def test_tariff_loads_from_a_pack_folder_or_its_tariff_folder(pack_copy: Path) -> None:
    assert load_tariff(pack_copy).currency == "EUR"
    assert load_tariff(pack_copy / "tariff").currency == "EUR"
    (pack_copy / "jurisdiction.json").write_text(
        json.dumps({"country": "XX", "name": "Demo", "currency": "GBP"}), encoding="utf-8")
    with pytest.raises(PackError, match=r"amounts in EUR cannot be converted into GBP"):
        load_tariff(pack_copy)
    (pack_copy / "tariff" / "monetary_rates.json").write_text(json.dumps([
        {"source": "EUR", "target": "GBP", "rate": "0.8412", "valid_from": "2026-01-01"}]))
    assert load_tariff(pack_copy).currency == "GBP"


def test_tariff_folder_without_a_pack_needs_the_currency(tmp_path: Path) -> None:
    folder = tmp_path / "alone"
    shutil.copytree(Path(str(demo_tariff())), folder)
    (tmp_path / "alone" / "fees.json").unlink()
    with pytest.raises(PackError, match=r"jurisdiction\.json: cannot find the pack"):
        load_tariff(folder)
    tariff = load_tariff(folder, currency="EUR")
    assert (tariff.currency, tariff.fees) == ("EUR", [])


# --- malformed files ------------------------------------------------------------------------


@pytest.fixture
def pack_copy(tmp_path: Path) -> Path:
    """A writable copy of the demo pack with its tariff, to break on purpose."""
    for name in PACK_FILES:
        (tmp_path / name).write_bytes((demo_pack() / name).read_bytes())
    (tmp_path / "tariff").mkdir()
    for name in TARIFF_FILES:
        source = demo_tariff() / name
        if source.is_file():
            (tmp_path / "tariff" / name).write_bytes(source.read_bytes())
    return tmp_path


def edit(pack: Path, file: str, change: Any) -> None:
    """Apply ``change`` to the first entry of a tariff file."""
    path = pack / "tariff" / file
    entries = json.loads(path.read_text(encoding="utf-8"))
    change(entries[0])
    path.write_text(json.dumps(entries), encoding="utf-8")


FIRST = r"measures\.json: measure entry 0 \('1000001'\)"


@pytest.mark.parametrize(("change", "message"), [
    (lambda m: m.update(area="XG99"), FIRST + r": unknown geographical area 'XG99'"),
    (lambda m: m.update(type="999"), FIRST + r": unknown measure type '999'"),
    (lambda m: m.update(valid_to="2019-12-31"),
     FIRST + r": valid_to 2019-12-31 is before valid_from 2020-01-01"),
    (lambda m: m["components"][0].update(amount="twelve"),
     FIRST + r", component 0: 'amount' is not a decimal number: 'twelve'"),
    (lambda m: m["components"][0].update(amount="-1.00"),
     FIRST + r", component 0: 'amount' must be a zero or positive number"),
    (lambda m: m["components"][0].update(amount=True),
     FIRST + r", component 0: 'amount' must be a decimal string, got True"),
    (lambda m: m["components"][0].update(unit="DTN"),
     FIRST + r", component 0: a percentage takes no unit other than RET, got 'DTN'"),
    (lambda m: m["components"][0].update(monetary_unit="EUR", unit="DNT"),
     FIRST + r", component 0: 'unit' is not a TARIC measurement unit code: 'DNT'"),
    (lambda m: m["components"][0].update(monetary_unit="USD", unit="DTN"),
     FIRST + r": amounts in USD cannot be converted into EUR"),
    (lambda m: m.update(commodity="0101.21"),
     FIRST + r": 'commodity' must contain digits only, got '0101.21'"),
    (lambda m: m.update(excluded=["FR", "XX"]),
     FIRST + r": excluded \['XX'\] are not members of area 1011"),
    (lambda m: m.update(quota="091001"),
     FIRST + r": a measure of type 103 cannot have a quota order number"),
    (lambda m: m.update(additional_code="Z123"),
     FIRST + r": additional code 'Z123' is not in additional_codes\.json"),
    (lambda m: m.update(conditions=[{"code": "B", "sequence": 0, "action": "27"}]),
     FIRST + r", condition 0: 'sequence' must be a whole number of 1 or more"),
    (lambda m: m.pop("area"), FIRST + r": 'area' is required"),
])
def test_malformed_measure_names_file_and_entry(pack_copy: Path, change: Any, message: str
                                                ) -> None:
    edit(pack_copy, "measures.json", change)
    with pytest.raises(PackError, match=message):
        load_tariff(pack_copy)


def test_duplicate_sid_is_rejected(pack_copy: Path) -> None:
    edit(pack_copy, "measures.json", lambda m: m.update(sid="1000002"))
    with pytest.raises(PackError, match=r"measures\.json: measure entry 1 \('1000002'\): "
                                        r"sid '1000002' is used by an earlier measure"):
        load_tariff(pack_copy)


def test_amount_written_as_a_json_number_is_read_exactly(pack_copy: Path) -> None:
    path = pack_copy / "tariff" / "measures.json"
    path.write_text(path.read_text().replace('"amount": "12.00"', '"amount": 12.10', 1))
    tariff = load_tariff(pack_copy)
    assert tariff.measures["02"][0].components[0].amount == Decimal("12.10")


def test_quota_measure_without_a_known_quota_is_rejected(pack_copy: Path) -> None:
    path = pack_copy / "tariff" / "quotas.json"
    quotas = [q for q in json.loads(path.read_text()) if q["order_number"] != "091001"]
    path.write_text(json.dumps(quotas))
    with pytest.raises(PackError, match=r"measures\.json: measure entry \d+ \('\d+'\): "
                                        r"quota 091001 is not in quotas\.json"):
        load_tariff(pack_copy)


@pytest.mark.parametrize(("file", "change", "message"), [
    ("areas.json", lambda a: a.update(members=["CN", "china"]),
     r"areas\.json: area entry 0 \('1011'\): member 'china' is not a two-letter country code"),
    ("areas.json", lambda a: a.pop("members"),
     r"areas\.json: area entry 0 \('1011'\): group 1011 needs a non-empty list of 'members'"),
    ("measure_types.json", lambda t: t.update(kind="vat"),
     r"measure_types\.json: measure type entry 0 \('103'\): measure type 103 is "
     r"'third_country_duty' in TARIC, not 'vat'"),
    ("measure_types.json", lambda t: t.update(kind="duty"),
     r"measure_types\.json: measure type entry 0 \('103'\): 'kind' is not one of"),
    ("quotas.json", lambda q: q.update(volume="0"),
     r"quotas\.json: quota entry 0 \('091001'\): 'volume' must be a positive number"),
    ("quotas.json", lambda q: q.pop("valid_to"),
     r"quotas\.json: quota entry 0 \('091001'\): a quota period needs 'valid_to'"),
    ("fees.json", lambda f: f.update(minimum="600.00"),
     r"fees\.json: fee entry 0 \('F01'\): maximum 500\.00 is below minimum 600\.00"),
    ("fees.json", lambda f: f.update(percentage="0,10"),
     r"fees\.json: fee entry 0 \('F01'\): 'percentage' is not a decimal number: '0,10'"),
])
def test_malformed_tariff_file_names_file_and_entry(
    pack_copy: Path, file: str, change: Any, message: str
) -> None:
    edit(pack_copy, file, change)
    with pytest.raises(PackError, match=message):
        load_tariff(pack_copy)


def test_missing_measures_file_is_named(pack_copy: Path) -> None:
    (pack_copy / "tariff" / "measures.json").unlink()
    with pytest.raises(PackError, match=r"measures\.json: missing from the pack"):
        load_tariff(pack_copy)


def test_measures_file_that_is_not_a_list_is_named(pack_copy: Path) -> None:
    (pack_copy / "tariff" / "measures.json").write_text('{"sid": "1"}')
    with pytest.raises(PackError, match=r"measures\.json: expected a list of entries, got dict"):
        load_tariff(pack_copy)


def test_monetary_rates_make_amounts_in_another_currency_loadable(pack_copy: Path) -> None:
    edit(pack_copy, "measures.json",
         lambda m: m["components"][0].update(monetary_unit="USD", unit="DTN"))
    (pack_copy / "tariff" / "monetary_rates.json").write_text(json.dumps([
        {"source": "USD", "target": "EUR", "rate": "0.9150", "valid_from": "2026-01-01",
         "valid_to": "2026-12-31"}]))
    tariff = load_tariff(pack_copy)
    assert tariff.monetary_rate("USD", "EUR", ON) == Decimal("0.9150")
    assert tariff.measures["01"][0].components[0].monetary_unit == "USD"
