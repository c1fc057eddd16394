"""Nomenclature search on the real HS 2022 nomenclature in ``../shared/data``."""

from __future__ import annotations

from pathlib import Path

import pytest

from opencustoms.adapters.formats.hs import read_hs_csv
from opencustoms.tariff.search import NomenclatureIndex

SHARED_DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"
HS_2022 = SHARED_DATA / "hs" / "hs2022-harmonized-system.csv"

pytestmark = [
    pytest.mark.shared_data,
    pytest.mark.skipif(not SHARED_DATA.is_dir(), reason=f"{SHARED_DATA} is absent"),
]


@pytest.fixture(scope="module")
def hs2022() -> NomenclatureIndex:
    return NomenclatureIndex.build(read_hs_csv(HS_2022))


def codes(index: NomenclatureIndex, query: str, limit: int = 10) -> list[str]:
    return [hit.code for hit in index.search(query, limit=limit)]


def test_index_holds_every_hs_2022_node(hs2022: NomenclatureIndex) -> None:
    assert len(hs2022) == 96 + 1228 + 5612


def test_bicycle_finds_chapter_87_first_with_heading_8712_on_top(
    hs2022: NomenclatureIndex,
) -> None:
    found = codes(hs2022, "bicycle")
    assert all(code.startswith("87") for code in found[:3]), found
    assert set(found[:2]) == {"8712", "871200"}
    # tyres, tubes and lamps "of a kind used on bicycles" come, but after chapter 87
    assert {"401150", "401320"} <= set(codes(hs2022, "bicycle", limit=30))


def test_bicycles_in_the_plural_ranks_like_bicycle(hs2022: NomenclatureIndex) -> None:
    assert codes(hs2022, "bicycles")[:3] == codes(hs2022, "bicycle")[:3]


def test_coffee_finds_chapter_09_first(hs2022: NomenclatureIndex) -> None:
    found = codes(hs2022, "coffee")
    assert found[0].startswith("09"), found
    assert "0901" in found


def test_smartphones_finds_heading_8517(hs2022: NomenclatureIndex) -> None:
    found = codes(hs2022, "smartphones")
    assert found[0] == "851713", found
    assert "8517" in found[:3]


def test_cigarettes_finds_tobacco_before_lighters_and_paper(hs2022: NomenclatureIndex) -> None:
    assert codes(hs2022, "cigarettes")[0] == "240220"


def test_code_prefix_lists_the_heading_and_its_subheadings(hs2022: NomenclatureIndex) -> None:
    assert codes(hs2022, "8712") == ["8712", "871200"]
    assert codes(hs2022, "8714 9")[:3] == ["871491", "871492", "871493"]
