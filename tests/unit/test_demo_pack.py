"""The demo jurisdiction pack: complete enough to lodge the example declarations."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from opencustoms.adapters.formats.pack import (
    PACK_FILES,
    PackError,
    demo_pack,
    load_pack,
    read_code_lists,
    read_exchange_rates,
    read_nomenclature,
    read_parties,
)
from opencustoms.domain.parties import PartyId, Role
from opencustoms.domain.reference import CodeList, ReferenceData

ON = date(2026, 3, 2)
EXAMPLE_CODES = ("8517130000", "8429520000", "8431490000")


@pytest.fixture(scope="module")
def reference() -> ReferenceData:
    return load_pack()


@pytest.fixture
def pack_copy(tmp_path: Path) -> Path:
    """A writable copy of the demo pack, to break on purpose."""
    for name in PACK_FILES:
        (tmp_path / name).write_bytes((demo_pack() / name).read_bytes())
    return tmp_path


def _declarable_codes(reference: ReferenceData) -> set[str]:
    return {code for code, versions in reference.nomenclature.items()
            if any(version.declarable for version in versions)}


def test_pack_describes_the_demo_customs_territory(reference: ReferenceData) -> None:
    assert reference.jurisdiction.country == "XX"
    assert reference.jurisdiction.currency == "EUR"
    assert reference.jurisdiction.name == "Demo Customs Territory"


def test_nomenclature_has_at_least_200_declarable_ten_digit_codes_in_40_chapters(
    reference: ReferenceData,
) -> None:
    codes = _declarable_codes(reference)
    assert all(len(code) == 10 and code.isdigit() for code in codes)
    assert len(codes) >= 200
    assert len({code[:2] for code in codes}) >= 40


def test_only_ten_digit_codes_are_declarable(reference: ReferenceData) -> None:
    for code, versions in reference.nomenclature.items():
        assert all(version.declarable == (len(code) == 10) for version in versions), code


def test_every_declarable_code_reaches_a_chapter_through_its_parents(
    reference: ReferenceData,
) -> None:
    for code in _declarable_codes(reference):
        chain = [code]
        while (parent := reference.nomenclature[chain[-1]][0].parent) is not None:
            chain.append(parent)
        assert [len(link) for link in chain] == [10, 6, 4, 2], chain
        assert code.startswith(chain[1]) and chain[1].startswith(chain[2])


@pytest.mark.parametrize("code", EXAMPLE_CODES)
def test_commodity_codes_of_the_example_declarations_are_declarable(
    reference: ReferenceData, code: str
) -> None:
    commodity = reference.commodity(code, ON)
    assert commodity is not None
    assert commodity.declarable is True
    assert commodity.parent == code[:6]
    assert commodity.source == "demo"


def test_smartphones_are_counted_in_items(reference: ReferenceData) -> None:
    commodity = reference.commodity("8517130000", ON)
    assert commodity is not None
    assert commodity.supplementary_unit == "NAR"


def test_solar_panel_codes_split_until_2024_are_replaced_by_one_code(
    reference: ReferenceData,
) -> None:
    assert reference.commodity("8541430010", date(2024, 12, 31)) is not None
    assert reference.commodity("8541430010", date(2025, 1, 1)) is None
    assert reference.commodity("8541430000", date(2024, 12, 31)) is None
    assert reference.commodity("8541430000", date(2025, 1, 1)) is not None


def test_lithium_battery_subdivision_is_declarable_only_from_2027(
    reference: ReferenceData,
) -> None:
    assert reference.commodity("8507600020", date(2026, 12, 31)) is None
    assert reference.commodity("8507600020", date(2027, 1, 1)) is not None
    assert reference.commodity("8507600000", date(2026, 12, 31)) is not None
    assert reference.commodity("8507600000", date(2027, 1, 1)) is None


@pytest.mark.parametrize("heading", ["2203", "2204", "2208", "2402", "8703", "8712", "7208",
                                     "6403", "6109", "6203", "9503", "0901", "0805"])
def test_headings_the_tariff_needs_have_declarable_codes(
    reference: ReferenceData, heading: str
) -> None:
    assert any(code.startswith(heading) for code in _declarable_codes(reference))


def test_solar_panels_sit_under_hs_subheading_854143(reference: ReferenceData) -> None:
    subheading = reference.commodity("854143", ON)
    assert subheading is not None
    assert subheading.parent == "8541"
    assert subheading.declarable is False


def test_currencies_carry_their_minor_unit(reference: ReferenceData) -> None:
    assert reference.minor_unit("JPY") == 0
    assert reference.minor_unit("KRW") == 0
    assert reference.minor_unit("USD") == 2
    assert reference.minor_unit("KWD") == 3
    assert reference.minor_unit("BHD") == 3
    assert len(reference.codes(CodeList.CURRENCY)) >= 30


@pytest.mark.parametrize("on", [date(2026, 1, 15), date(2025, 6, 30), date(2027, 12, 31)])
def test_usd_rate_exists_for_the_acceptance_date(reference: ReferenceData, on: date) -> None:
    rate = reference.exchange_rate("USD", on)
    assert rate is not None
    assert isinstance(rate.rate, Decimal)
    assert Decimal("1.0") < rate.rate < Decimal("1.2")
    assert rate.validity.start == on.replace(day=1)


def test_every_foreign_currency_has_a_rate_each_month_from_2025_to_2027(
    reference: ReferenceData,
) -> None:
    foreign = set(reference.codes(CodeList.CURRENCY)) - {"EUR"}
    months = [date(year, month, 10) for year in (2025, 2026, 2027) for month in range(1, 13)]
    missing = [(c, m) for c in foreign for m in months if reference.exchange_rate(c, m) is None]
    assert missing == []


def test_rates_are_read_as_decimals_never_floats() -> None:
    rates = list(read_exchange_rates(demo_pack()))
    assert all(type(rate.rate) is Decimal for rate in rates)
    assert len(rates) == 36 * 31


def test_office_of_declaration_of_the_examples_exists(reference: ReferenceData) -> None:
    office = reference.office("XX000100", ON)
    assert office is not None
    assert office.roles == {"declaration"}
    exit_office = reference.office("XX000200", ON)
    assert exit_office is not None
    assert {"entry", "exit"} <= exit_office.roles


def test_parties_include_the_declarants_of_the_examples() -> None:
    parties = {party.id: party for party in read_parties(demo_pack())}
    acme = parties[PartyId("XX100000000001")]
    beta = parties[PartyId("XX100000000002")]
    assert (acme.name, acme.roles, acme.aeo) == ("Acme Imports", frozenset({Role.TRADER}), True)
    assert (beta.name, beta.roles) == ("Beta Machinery Works", frozenset({Role.TRADER}))
    broker = parties[PartyId("XX200000000001")]
    assert broker.may_act_for(acme.id) and broker.may_act_for(beta.id)
    assert parties[PartyId("XX900000000001")].office == "XX000100"
    roles = {role for party in parties.values() for role in party.roles}
    assert roles == set(Role)


def test_procedure_4000_is_allowed_on_import_and_special_fiscal_territory(
    reference: ReferenceData,
) -> None:
    entry = reference.entry(CodeList.PROCEDURE, "4000", ON)
    assert entry is not None
    assert entry.attributes == {"declaration_types": "IM CO", "requested": "40",
                                "previous": "00"}
    export = reference.entry(CodeList.PROCEDURE, "1040", ON)
    assert export is not None
    assert export.attributes["declaration_types"] == "EX"


@pytest.mark.parametrize("code", ["4000", "4071", "1040", "2100", "5100", "7100", "6121", "4051",
                                  "4053", "4200", "1000", "3151", "2300", "6110"])
def test_required_procedure_codes_are_listed(reference: ReferenceData, code: str) -> None:
    assert reference.has_code(CodeList.PROCEDURE, code, ON)


def test_fob_leaves_main_carriage_and_insurance_to_the_buyer(reference: ReferenceData) -> None:
    fob = reference.entry(CodeList.INCOTERM, "FOB", ON)
    assert fob is not None
    assert fob.attributes == {"seller_pays_main_carriage": "false",
                              "seller_pays_insurance": "false"}
    cif = reference.entry(CodeList.INCOTERM, "CIF", ON)
    assert cif is not None
    assert cif.attributes["seller_pays_insurance"] == "true"
    assert len(reference.codes(CodeList.INCOTERM)) == 11


def test_unpacked_and_bulk_package_kinds_are_marked_bulk(reference: ReferenceData) -> None:
    bulk = {code for code, entries in reference.codes(CodeList.PACKAGE_KIND).items()
            if entries[0].attributes.get("bulk") == "true"}
    assert bulk == {"NE", "NF", "NG", "VG", "VL", "VO", "VQ", "VR", "VY"}
    assert reference.has_code(CodeList.PACKAGE_KIND, "CT", ON)


def test_example_codes_are_in_their_code_lists(reference: ReferenceData) -> None:
    assert reference.has_code(CodeList.COUNTRY, "XX", ON)
    assert reference.has_code(CodeList.TRANSPORT_MODE, "1", ON)
    assert reference.has_code(CodeList.VALUATION_METHOD, "1", ON)
    assert reference.has_code(CodeList.REPRESENTATIVE_STATUS, "3", ON)
    invoice = reference.entry(CodeList.DOCUMENT, "N935", ON)
    assert invoice is not None and invoice.attributes["kind"] == "invoice"
    preference = reference.entry(CodeList.PREFERENCE, "100", ON)
    assert preference is not None and preference.attributes["preferential"] == "false"


def test_additional_procedure_000_goes_with_any_procedure(reference: ReferenceData) -> None:
    entry = reference.entry(CodeList.ADDITIONAL_PROCEDURE, "000", ON)
    assert entry is not None
    assert entry.attributes["procedures"] == "*"


def test_code_lists_use_only_known_list_names() -> None:
    names = {name for name, _ in read_code_lists(demo_pack())}
    assert names == {name.value for name in CodeList}


def test_nomenclature_source_defaults_to_the_pack_name() -> None:
    first = next(read_nomenclature(demo_pack()))
    assert (first.code, first.parent, first.source) == ("01", None, "demo")


def test_malformed_json_raises_pack_error_naming_the_file(pack_copy: Path) -> None:
    (pack_copy / "offices.json").write_text('[{"code": "XX000100",', encoding="utf-8")
    with pytest.raises(PackError, match=r"^offices\.json: not valid JSON"):
        load_pack(pack_copy)


def test_entry_without_description_raises_pack_error_naming_file_and_entry(
    pack_copy: Path,
) -> None:
    path = pack_copy / "nomenclature.json"
    nodes = json.loads(path.read_text(encoding="utf-8"))
    del nodes[3]["description"]
    path.write_text(json.dumps(nodes), encoding="utf-8")
    with pytest.raises(PackError, match=r"nomenclature\.json: .*entry 3 \('0101210000'\): "
                                        r"'description' is required"):
        load_pack(pack_copy)


def test_rate_written_as_json_number_is_read_exactly(pack_copy: Path) -> None:
    path = pack_copy / "exchange_rates.json"
    path.write_text('[{"currency": "USD", "rate": 1.1, "valid_from": "2026-01-01"}]',
                    encoding="utf-8")
    assert [rate.rate for rate in read_exchange_rates(pack_copy)] == [Decimal("1.1")]


def test_rate_that_is_not_a_number_is_refused(pack_copy: Path) -> None:
    path = pack_copy / "exchange_rates.json"
    path.write_text('[{"currency": "USD", "rate": true, "valid_from": "2026-01-01"}]',
                    encoding="utf-8")
    with pytest.raises(PackError, match=r"exchange_rates\.json: .*'rate' must be a decimal"):
        load_pack(pack_copy)


def test_node_whose_parent_is_missing_is_refused(pack_copy: Path) -> None:
    path = pack_copy / "nomenclature.json"
    nodes = json.loads(path.read_text(encoding="utf-8"))
    path.write_text(json.dumps([n for n in nodes if n["code"] != "851713"]), encoding="utf-8")
    with pytest.raises(PackError, match=r"'8517130000': parent '851713' is not in"):
        load_pack(pack_copy)


def test_missing_pack_file_is_named(pack_copy: Path) -> None:
    (pack_copy / "code_lists.json").unlink()
    with pytest.raises(PackError, match=r"^code_lists\.json: missing from the pack"):
        load_pack(pack_copy)


def test_unknown_role_in_parties_is_refused(pack_copy: Path) -> None:
    path = pack_copy / "parties.json"
    path.write_text('[{"id": "XX1", "name": "X", "country": "XX", "roles": ["smuggler"]}]',
                    encoding="utf-8")
    with pytest.raises(PackError, match=r"parties\.json: parties entry 0 \('XX1'\): "
                                        r"unknown role 'smuggler'"):
        read_parties(pack_copy)
