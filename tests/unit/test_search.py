"""Nomenclature search: ranking, stemming, code prefixes, validity, limits."""

from __future__ import annotations

from datetime import date

import pytest

from opencustoms.adapters.formats.pack import load_pack
from opencustoms.domain.reference import Commodity, Validity
from opencustoms.tariff.search import NomenclatureIndex, SearchHit, stem, tokenize

ON = date(2026, 3, 2)


def node(code: str, description: str, parent: str | None = None, *,
         validity: Validity = Validity()) -> Commodity:
    return Commodity(code, description, parent, len(code) == 10, validity)


NOMENCLATURE = (
    node("09", "Coffee, tea and spices"),
    node("0901", "Coffee, whether or not roasted", "09"),
    node("090111", "Coffee, not roasted", "0901"),
    node("0901110000", "Green coffee beans", "090111"),
    node("090121", "Coffee, roasted", "0901"),
    node("0901210000", "Roasted coffee in retail packs", "090121"),
    node("0902", "Tea", "09"),
    node("0902100000", "Green tea in packs of 3 kg or less", "0902"),
    node("40", "Rubber and articles thereof"),
    node("4011", "New pneumatic tyres, of rubber", "40"),
    node("401150", "Tyres of a kind used on bicycles", "4011"),
    node("4011500000", "Tyres of a kind used on bicycles", "401150"),
    node("61", "Knitted clothing"),
    node("6109", "T-shirts and vests, knitted", "61"),
    node("6109100000", "T-shirts and vests of cotton", "6109"),
    node("6105", "Men's shirts, knitted", "61"),
    node("6105100000", "Men's shirts of cotton", "6105"),
    node("85", "Electrical machinery and equipment"),
    node("8516", "Electric heaters and household appliances", "85"),
    node("8516710000", "Electric coffee or tea makers", "8516"),
    node("8517", "Telephones, including smartphones", "85"),
    node("8517130000", "Smartphones", "8517"),
    node("87", "Vehicles other than railway rolling stock"),
    node("8712", "Bicycles and other cycles, not motorised", "87"),
    node("871200", "Bicycles and other cycles, not motorised", "8712"),
    node("8712003000", "Bicycles fitted with ball bearings", "871200"),
    node("8712007000", "Other cycles without a motor", "871200"),
    node("8714", "Parts and accessories of motorcycles and cycles", "87"),
    node("871491", "Cycles; frames and forks", "8714"),
    node("8714910000", "Cycles; frames and forks, and parts thereof", "871491"),
    node("8541430010", "Solar panels of 50 W or less", "854143",
         validity=Validity(date(2022, 1, 1), date(2024, 12, 31))),
    node("8541430000", "Solar panels", "854143", validity=Validity(date(2025, 1, 1))),
    node("854143", "Photovoltaic cells assembled in panels", "85"),
)


@pytest.fixture(scope="module")
def index() -> NomenclatureIndex:
    return NomenclatureIndex.build(NOMENCLATURE)


def codes(hits: list[SearchHit]) -> list[str]:
    return [hit.code for hit in hits]


@pytest.mark.parametrize(("word", "key"), [
    ("bicycles", "bicycl"), ("bicycle", "bicycl"), ("batteries", "battery"),
    ("battery", "battery"), ("boxes", "box"), ("box", "box"), ("glasses", "glass"),
    ("tomatoes", "tomato"), ("tomato", "tomato"), ("heating", "heat"), ("buses", "bus"),
    ("gas", "gas"), ("50cc", "50cc"),
])
def test_stem_folds_plurals_and_ing_onto_one_key(word: str, key: str) -> None:
    assert stem(word) == key


def test_tokenize_lowercases_and_joins_hyphenated_words() -> None:
    assert tokenize("T-shirts, of Cotton") == ["shirts", "of", "cotton", "tshirts"]


def test_plural_query_finds_singular_and_plural_descriptions_alike(
    index: NomenclatureIndex,
) -> None:
    assert codes(index.search("bicycles"))[:4] == codes(index.search("bicycle"))[:4]
    assert "8712003000" in codes(index.search("bicycle"))


def test_bicycle_ranks_the_cycles_chapter_before_tyres_that_mention_bicycles(
    index: NomenclatureIndex,
) -> None:
    found = codes(index.search("bicycle"))
    assert found[0].startswith("8712")
    assert all(code.startswith("87") for code in found[:3])
    assert found.index("401150") > found.index("871200")


def test_a_compound_query_word_also_matches_its_head(index: NomenclatureIndex) -> None:
    # a bicycle is a cycle: "Cycles; frames and forks" is about bicycle parts
    assert "871491" in codes(index.search("bicycle"))


def test_own_description_match_beats_a_match_through_ancestors_only(
    index: NomenclatureIndex,
) -> None:
    found = codes(index.search("coffee"))
    assert found.index("090111") < found.index("0902")  # tea: "coffee" only in its chapter


def test_every_query_word_counts(index: NomenclatureIndex) -> None:
    assert codes(index.search("roasted coffee"))[0] in {"090121", "0901210000"}
    assert codes(index.search("green tea"))[0] == "0902100000"


def test_equal_scores_prefer_the_shorter_code() -> None:
    index = NomenclatureIndex.build([node("0901210000", "Coffee"), node("0901", "Coffee")])
    hits = index.search("coffee")
    assert codes(hits) == ["0901", "0901210000"]
    assert hits[0].score == hits[1].score


def test_exact_token_scores_higher_than_a_stem_match() -> None:
    index = NomenclatureIndex.build([node("1111", "Cycle frames"), node("2222", "Cycles frames")])
    assert codes(index.search("cycles")) == ["2222", "1111"]
    assert codes(index.search("cycle")) == ["1111", "2222"]


def test_hyphenated_query_finds_the_hyphenated_goods_first(index: NomenclatureIndex) -> None:
    found = codes(index.search("t-shirts"))
    assert set(found[:2]) == {"6109", "6109100000"}
    assert found.index("6105100000") > 1  # men's shirts: "shirts" matches, "tshirts" not


def test_hit_carries_description_and_declarable_flag(index: NomenclatureIndex) -> None:
    hit = index.search("smartphones")[0]
    assert (hit.code, hit.description, hit.declarable) == ("8517130000", "Smartphones", True)
    assert hit.score > 0


@pytest.mark.parametrize("query", ["8712", "87.12", " 8712 "])
def test_digits_search_by_code_prefix_higher_levels_first(
    index: NomenclatureIndex, query: str
) -> None:
    assert codes(index.search(query)) == ["8712", "871200", "8712003000", "8712007000"]


def test_digits_with_spaces_are_one_code_prefix(index: NomenclatureIndex) -> None:
    assert codes(index.search("8712 00 30")) == ["8712003000"]
    assert index.search("8712 00 30")[0].score == 0.8


def test_code_prefix_that_matches_nothing_finds_nothing(index: NomenclatureIndex) -> None:
    assert index.search("9999") == []


@pytest.mark.parametrize("query", ["", "   ", "zeppelin", "of the"])
def test_empty_or_unknown_query_finds_nothing(index: NomenclatureIndex, query: str) -> None:
    assert index.search(query) == []


def test_limit_caps_the_number_of_hits(index: NomenclatureIndex) -> None:
    assert len(index.search("coffee")) > 3
    assert len(index.search("coffee", limit=3)) == 3
    assert index.search("coffee", limit=0) == []
    assert len(index.search("87", limit=2)) == 2


def test_search_on_a_date_skips_codes_not_valid_then(index: NomenclatureIndex) -> None:
    assert codes(index.search("solar panels", on=ON)) == ["8541430000", "854143"]
    assert "8541430010" in codes(index.search("solar panels", on=date(2024, 6, 1)))
    assert "8541430010" in codes(index.search("solar panels"))
    assert codes(index.search("854143", on=ON)) == ["854143", "8541430000"]


def test_a_code_with_several_versions_is_one_hit() -> None:
    index = NomenclatureIndex.build([
        node("0901", "Coffee", validity=Validity(date(2020, 1, 1), date(2024, 12, 31))),
        node("0901", "Coffee, roasted or not", validity=Validity(date(2025, 1, 1))),
    ])
    assert codes(index.search("coffee")) == ["0901"]
    assert index.search("coffee", on=ON)[0].description == "Coffee, roasted or not"
    assert codes(index.search("0901")) == ["0901"]


def test_demo_nomenclature_answers_the_example_goods() -> None:
    reference = load_pack()
    index = NomenclatureIndex.build(c for versions in reference.nomenclature.values()
                                    for c in versions)
    assert codes(index.search("smartphones", on=ON))[0] == "8517130000"
    assert all(code.startswith(("8712", "8714"))
               for code in codes(index.search("bicycle", on=ON))[:5])
    assert codes(index.search("excavators", on=ON))[0].startswith("842952")
