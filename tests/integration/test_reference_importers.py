"""Importers for public nomenclatures, run on the real files in ``../shared/data``."""

from __future__ import annotations

from collections import Counter
from datetime import date
from pathlib import Path

import pytest

from opencustoms.adapters.formats.cn import read_cn_json
from opencustoms.adapters.formats.hs import read_hs_csv
from opencustoms.adapters.formats.pack import ReferenceFileError
from opencustoms.domain.reference import Commodity, Validity

SHARED_DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"
HS_2022 = SHARED_DATA / "hs" / "hs2022-harmonized-system.csv"
EU_CN = SHARED_DATA / "eu-cn"

pytestmark = [
    pytest.mark.shared_data,
    pytest.mark.skipif(not SHARED_DATA.is_dir(), reason=f"{SHARED_DATA} is absent"),
]


@pytest.fixture(scope="module")
def hs2022() -> dict[str, Commodity]:
    return {commodity.code: commodity for commodity in read_hs_csv(HS_2022)}


@pytest.fixture(scope="module")
def cn2026() -> dict[str, Commodity]:
    return {commodity.code: commodity for commodity in read_cn_json(EU_CN, 2026)}


def test_hs_import_drops_total_and_not_specified_codes(hs2022: dict[str, Commodity]) -> None:
    assert "TOTAL" not in hs2022
    assert not [code for code in hs2022 if code.startswith("99")]


def test_hs_2022_has_96_chapters_1228_headings_and_5612_subheadings(
    hs2022: dict[str, Commodity],
) -> None:
    levels = Counter(len(code) for code in hs2022)
    assert levels == {2: 96, 4: 1228, 6: 5612}
    assert sum(commodity.declarable for commodity in hs2022.values()) == 5612


def test_hs_heading_0101_belongs_to_chapter_01_and_chapters_have_no_parent(
    hs2022: dict[str, Commodity],
) -> None:
    assert hs2022["0101"].parent == "01"
    assert hs2022["0101"].declarable is False
    assert hs2022["01"].parent is None


def test_hs_subheading_010121_is_declarable_from_2022(hs2022: dict[str, Commodity]) -> None:
    horses = hs2022["010121"]
    assert (horses.parent, horses.declarable, horses.source) == ("0101", True, "hs2022")
    assert horses.validity == Validity(date(2022, 1, 1), None)
    assert horses.description == "Horses; live, pure-bred breeding animals"


def test_hs_file_with_a_wrong_level_is_refused_with_its_line(tmp_path: Path) -> None:
    broken = tmp_path / "hs.csv"
    broken.write_text("section,hscode,description,parent,level\n"
                      "I,01,Animals; live,TOTAL,2\n"
                      "I,0101,Horses,01,6\n", encoding="utf-8")
    with pytest.raises(ReferenceFileError, match=r"^hs\.csv: line 3: code '0101' with level '6'"):
        list(read_hs_csv(broken))


def test_cn_2026_has_9791_declarable_eight_digit_codes(cn2026: dict[str, Commodity]) -> None:
    declarable = [c for c in cn2026.values() if c.declarable]
    assert len(declarable) == 9791
    assert all(len(c.code) == 8 for c in declarable)
    assert Counter(len(code) for code in cn2026) == {2: 97, 4: 1228, 6: 1835, 8: 9791}


def test_cn_code_description_starts_with_its_heading_text(cn2026: dict[str, Commodity]) -> None:
    horses = cn2026["01012100"]
    assert horses.description == (
        "Live horses, asses, mules and hinnies — Pure-bred breeding animals")
    assert horses.parent == "0101"
    assert horses.supplementary_unit == "PST"
    assert horses.source == "cn2026"
    assert horses.validity == Validity(date(2026, 1, 1), date(2026, 12, 31))


def test_cn_code_whose_own_text_is_other_gets_its_ancestors_text(
    cn2026: dict[str, Commodity],
) -> None:
    other = cn2026["84295290"]
    assert other.parent == "842952"
    assert other.description.startswith("Self-propelled bulldozers")
    assert other.description.endswith(
        " — Machinery with a 360° revolving superstructure — Other")


def test_cn_heading_missing_from_the_headings_file_is_built_from_its_only_code(
    cn2026: dict[str, Commodity],
) -> None:
    assert cn2026["0409"].description == "Natural honey"
    assert cn2026["0409"].parent == "04"
    assert cn2026["04090000"].parent == "0409"
    assert cn2026["04090000"].description == "Natural honey"


def test_cn_every_parent_is_in_the_tree(cn2026: dict[str, Commodity]) -> None:
    orphans = [c.code for c in cn2026.values() if c.parent is not None and c.parent not in cn2026]
    assert orphans == []


def test_cn_2025_subheading_given_with_four_digits_is_read_as_070200() -> None:
    cn2025 = {commodity.code: commodity for commodity in read_cn_json(EU_CN, 2025)}
    assert cn2025["07020010"].parent == "070200"
    assert cn2025["070200"].parent == "0702"
    assert cn2025["0702"].description == "Tomatoes, fresh or chilled"


def test_cn_edition_that_is_not_there_is_named(tmp_path: Path) -> None:
    with pytest.raises(ReferenceFileError, match=r"^cnChapters_2026\.json: not found"):
        list(read_cn_json(tmp_path, 2026))
