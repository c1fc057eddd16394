"""The TARIC3 envelope reader on the project's own sample file, and its XML hardening."""

from __future__ import annotations

from collections import Counter
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from lxml import etree  # type: ignore[import-untyped, unused-ignore]

from opencustoms.adapters.formats.taric3 import (
    Taric3Error,
    TaricContent,
    load_taric3,
    read_taric3_records,
)
from opencustoms.domain.reference import Commodity, Validity
from opencustoms.tariff.model import (
    DutyComponent,
    GeographicalArea,
    Measure,
    MeasureCondition,
    MeasureKind,
    MeasureType,
    Quota,
)
from tests.integration.tariff.shared import (
    SHARED_DATA,
    TARIC3_SAMPLE,
    TARIC3_SCHEMA,
)

SINCE_2012 = Validity(date(2012, 1, 1))
THIRD_COUNTRY = MeasureType("103", "Third country duty", MeasureKind.THIRD_COUNTRY_DUTY)
ERGA_OMNES = GeographicalArea("1011", "ERGA OMNES", frozenset({"CN", "ID", "IN", "KE", "US"}))
GSP = GeographicalArea("2020", "GSP – General arrangements", frozenset({"CN", "ID", "IN", "KE"}))
INDIA = GeographicalArea("IN", "India")
CHINA = GeographicalArea("CN", "China")


@pytest.fixture(scope="module")
def sample() -> TaricContent:
    return load_taric3(TARIC3_SAMPLE)


@pytest.mark.shared_data
@pytest.mark.skipif(not SHARED_DATA.is_dir(), reason=f"{SHARED_DATA} is absent")
def test_sample_envelope_is_valid_against_the_taric3_schema() -> None:
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    schema = etree.XMLSchema(etree.parse(str(TARIC3_SCHEMA), parser))
    document = etree.parse(str(TARIC3_SAMPLE), parser)
    assert schema.validate(document), schema.error_log
    # the schema does check the records inside the envelope, not only the envelope
    broken = etree.fromstring(TARIC3_SAMPLE.read_bytes().replace(
        b"<oub:duty.amount>11.500", b"<oub:duty.amount>eleven"), parser)
    assert not schema.validate(broken)


def test_every_record_of_the_sample_is_read_and_known() -> None:
    records = list(read_taric3_records(TARIC3_SAMPLE))
    assert len(records) == 105
    assert Counter(r.update_type for r in records) == {"3": 103, "2": 2}
    measures = [r for r in records if (r.record_code, r.subrecord_code) == ("430", "00")]
    assert [r.update_type for r in measures] == ["3"] * 7 + ["2"]  # 7 inserted, 1 deleted
    assert records[0].tag == "goods.nomenclature"
    assert records[0].fields["goods.nomenclature.item.id"] == "0100000000"


def test_goods_nomenclature_becomes_commodity_nodes(sample: TaricContent) -> None:
    assert sample.commodities == [
        Commodity("0100000000", "LIVE ANIMALS", None, False, SINCE_2012, source="taric"),
        Commodity("0101000000", "Live horses, asses, mules and hinnies", "0100000000", False,
                  SINCE_2012, source="taric"),
        # the grouping line "Horses" (suffix 10) is folded into the lines below it
        Commodity("0101210000", "Horses — Pure-bred breeding animals", "0101000000", True,
                  SINCE_2012, source="taric"),
        Commodity("0101290000", "Horses — Other", "0101000000", False, SINCE_2012,
                  source="taric"),
        # the latest description period wins
        Commodity("0101291000", "For slaughter, presented at an approved abattoir",
                  "0101290000", True, SINCE_2012, source="taric"),
        Commodity("0101299000", "Other", "0101290000", True, SINCE_2012, source="taric"),
        Commodity("0102000000", "Live bovine animals", "0100000000", False, SINCE_2012,
                  source="taric"),
        Commodity("0102290000", "Other than pure-bred breeding animals", "0102000000", True,
                  SINCE_2012, source="taric"),
    ]


def test_measure_types_and_areas_with_members(sample: TaricContent) -> None:
    assert sample.measure_types == {
        "103": THIRD_COUNTRY,
        "142": MeasureType("142", "Tariff preference", MeasureKind.TARIFF_PREFERENCE),
        "143": MeasureType("143", "Preferential tariff quota", MeasureKind.PREFERENTIAL_QUOTA),
        "552": MeasureType("552", "Definitive anti-dumping duty", MeasureKind.ANTI_DUMPING),
    }
    assert sample.areas == {
        "1011": ERGA_OMNES, "2020": GSP, "IN": INDIA, "ID": GeographicalArea("ID", "Indonesia"),
        "KE": GeographicalArea("KE", "Kenya"), "CN": CHINA,
        "US": GeographicalArea("US", "United States"),
    }


def test_group_members_can_be_taken_on_a_date() -> None:
    # China's membership of the GSP group ended on 2014-12-31
    assert load_taric3(TARIC3_SAMPLE, members_on=date(2021, 6, 1)).areas["2020"].members == {
        "ID", "IN", "KE"}


def test_every_measure_imports_without_loss(sample: TaricContent) -> None:
    since_2021 = Validity(date(2021, 1, 1))
    assert sample.measures == [
        Measure("700001", THIRD_COUNTRY, "0101290000", ERGA_OMNES, SINCE_2012,
                components=(DutyComponent("01", Decimal("11.500")),), footnotes=("TM510",)),
        Measure("700002", THIRD_COUNTRY, "0101210000", ERGA_OMNES, SINCE_2012,
                components=(DutyComponent("01", Decimal("12.000"), "EUR", "DTN"),)),
        Measure("700003", THIRD_COUNTRY, "0102290000", ERGA_OMNES, SINCE_2012, components=(
            DutyComponent("01", Decimal("8.300")),
            DutyComponent("04", Decimal("1.500"), "EUR", "DTN"),
            DutyComponent("15", Decimal("2.500"), "EUR", "DTN"),
        )),
        Measure("700004", sample.measure_types["142"], "0101290000", GSP, since_2021,
                components=(DutyComponent("01", Decimal("0.000")),), conditions=(
                    MeasureCondition("Q", 1, "27", document="N954",
                                     components=(DutyComponent("01", Decimal("0.000")),)),
                    MeasureCondition("Q", 2, "07"),
                ), excluded=frozenset({"ID"})),
        Measure("700005", sample.measure_types["143"], "0101291000", INDIA,
                Validity(date(2021, 1, 1), date(2021, 12, 31)),
                components=(DutyComponent("01", Decimal("0.000")),), quota="091234"),
        Measure("700006", sample.measure_types["552"], "0101291000", CHINA, since_2021,
                conditions=(
                    MeasureCondition("V", 1, "01", threshold=Decimal("250.000"),
                                     threshold_monetary_unit="EUR", threshold_unit="DTN",
                                     components=(DutyComponent("01", Decimal("0.000")),)),
                    MeasureCondition("V", 2, "01",
                                     components=(DutyComponent("01", Decimal("30.000")),)),
                ), additional_code="C999"),
    ]  # 700007 was inserted, then deleted with its component: it is gone


def test_quota_definition_becomes_a_quota(sample: TaricContent) -> None:
    assert sample.quotas == [Quota("091234", Validity(date(2021, 1, 1), date(2021, 12, 31)),
                                   Decimal("500000.000"), "KGM",
                                   "Horses for slaughter from India")]
    assert sample.skipped == Counter()


def test_tariff_of_the_sample_finds_measures_of_a_code_and_its_heading(
    sample: TaricContent,
) -> None:
    tariff = sample.tariff("EUR")
    found = tariff.measures_on(["0101291000", "0101290000", "0101000000"], date(2021, 6, 1))
    assert sorted(m.sid for m in found) == ["700001", "700004", "700005", "700006"]
    assert tariff.quota("091234", date(2021, 6, 1)) == sample.quotas[0]


# --- hardening and malformed input ---------------------------------------------------------------

PROLOG = b'<?xml version="1.0" encoding="UTF-8"?>'
BILLION_LAUGHS = b"""<!DOCTYPE env:envelope [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>"""
EXTERNAL_DTD = b'<!DOCTYPE env:envelope SYSTEM "file:///etc/passwd">'
EXTERNAL_ENTITY = b'<!DOCTYPE env:envelope [ <!ENTITY xxe SYSTEM "file:///etc/passwd"> ]>'


def _variant(tmp_path: Path, doctype: bytes, description: bytes) -> Path:
    """The sample with a DOCTYPE and the first description replaced: still full of records."""
    text = TARIC3_SAMPLE.read_bytes()
    assert text.startswith(PROLOG)
    text = PROLOG + b"\n" + doctype + text[len(PROLOG):]
    text = text.replace(b"<oub:description>LIVE ANIMALS", b"<oub:description>" + description, 1)
    path = tmp_path / "hostile.xml"
    path.write_bytes(text)
    return path


@pytest.mark.parametrize(("doctype", "description"), [
    (BILLION_LAUGHS, b"&lol9;"),
    (EXTERNAL_DTD, b"LIVE ANIMALS"),
    (EXTERNAL_ENTITY, b"&xxe;"),
], ids=["billion-laughs", "external-dtd", "external-entity"])
def test_a_document_with_a_dtd_is_refused_before_any_record_is_read(
    tmp_path: Path, doctype: bytes, description: bytes,
) -> None:
    path = _variant(tmp_path, doctype, description)
    read: list[object] = []
    with pytest.raises(Taric3Error, match=r"hostile\.xml: refused: the document declares a DTD"):
        read.extend(read_taric3_records(path))
    assert read == []
    with pytest.raises(Taric3Error, match="declares a DTD"):
        load_taric3(path)


def test_a_document_that_is_not_an_envelope_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.xml"
    path.write_bytes(PROLOG + b"<declaration><item/></declaration>")
    with pytest.raises(Taric3Error, match=r"other\.xml: not a TARIC3 envelope"):
        list(read_taric3_records(path))


def test_xml_that_is_not_well_formed_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "cut.xml"
    path.write_bytes(TARIC3_SAMPLE.read_bytes()[:5000])
    with pytest.raises(Taric3Error, match=r"cut\.xml: not well-formed XML"):
        load_taric3(path)


def test_a_component_of_a_measure_not_in_the_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "orphan.xml"
    path.write_bytes(TARIC3_SAMPLE.read_bytes().replace(
        b"<oub:measure.sid>700003</oub:measure.sid>\n            <oub:duty.expression.id>15",
        b"<oub:measure.sid>799999</oub:measure.sid>\n            <oub:duty.expression.id>15"))
    with pytest.raises(Taric3Error, match=r"orphan\.xml: record \d+ \(measure\.component, "
                                          r"430/05\): measure 799999 is not in the file"):
        load_taric3(path)


def test_a_record_with_the_wrong_record_code_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "codes.xml"
    text = TARIC3_SAMPLE.read_bytes()
    first_measure = text.index(b"<oub:measure>")
    head = text[:first_measure].rsplit(b"<oub:record.code>430", 1)
    path.write_bytes(head[0] + b"<oub:record.code>431" + head[1] + text[first_measure:])
    with pytest.raises(Taric3Error, match=r"measure must have record code 430 00, not 431 00"):
        load_taric3(path)
