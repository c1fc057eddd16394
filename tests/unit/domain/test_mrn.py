"""MRN structure and the ISO 6346 check character (issue 2, item 3)."""

from __future__ import annotations

import string
from collections import Counter
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from opencustoms.domain.mrn import check_character, is_valid_mrn, new_mrn, random_serial

REAL_MRNS = ["06DE586600006143E1", "10NL5663962BE1E825", "20GB1NA4Y2YSRFGVR6",
             "20GB1Q3RTK463FGVR4"]


@pytest.mark.parametrize("mrn", REAL_MRNS)
def test_real_mrns_from_eu_and_uk_validate(mrn: str) -> None:
    assert is_valid_mrn(mrn)


@pytest.mark.parametrize("mrn", REAL_MRNS)
def test_a_changed_character_breaks_the_check(mrn: str) -> None:
    tampered = mrn[:5] + ("1" if mrn[5] != "1" else "2") + mrn[6:]
    assert not is_valid_mrn(tampered)


def test_check_character_follows_iso_6346_values_and_weights() -> None:
    # "06DE586600006143E": values 0,6,D=14,E=15,5,8,6,6,0,0,0,0,6,1,4,3,E=15 weighted by 2**i.
    values = [0, 6, 14, 15, 5, 8, 6, 6, 0, 0, 0, 0, 6, 1, 4, 3, 15]
    total = sum(v * 2**i for i, v in enumerate(values))
    assert total % 11 % 10 == 1
    assert check_character("06DE586600006143E") == "1"


def test_letters_skip_multiples_of_eleven() -> None:
    # A=10, B=12 (11 skipped), so "…B" weighs 12 at position 16, not 11.
    first = "00XX000000000000A"
    second = "00XX000000000000B"
    assert int(check_character(first)) != int(check_character(second))


def test_remainder_ten_becomes_zero() -> None:
    found = [f"{n:017d}" for n in range(2000) if
             sum(int(c) * 2**i for i, c in enumerate(f"{n:017d}")) % 11 == 10]
    assert found, "some 17-digit prefix has remainder 10"
    assert check_character(found[0]) == "0"


def test_new_mrn_has_year_country_serial_procedure_letter_and_check() -> None:
    mrn = new_mrn(datetime(2026, 3, 2, tzinfo=UTC), "XX", "IM", serial="ABCDEF123456")
    assert mrn[:17] == "26XXABCDEF123456R"
    assert is_valid_mrn(mrn)


@pytest.mark.parametrize(("declaration_type", "letter"), [("IM", "R"), ("EX", "A"), ("CO", "V")])
def test_procedure_letter_follows_declaration_type(declaration_type: str, letter: str) -> None:
    assert new_mrn(datetime(2026, 1, 1, tzinfo=UTC), "XX", declaration_type)[16] == letter


def test_a_serial_that_is_not_twelve_alphanumerics_is_refused() -> None:
    with pytest.raises(ValueError, match="12 upper-case alphanumerics"):
        new_mrn(datetime(2026, 1, 1, tzinfo=UTC), "XX", "IM", serial="short")


@given(st.text(alphabet="0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=12, max_size=12))
def test_every_generated_mrn_validates(serial: str) -> None:
    assert is_valid_mrn(new_mrn(datetime(2026, 1, 1, tzinfo=UTC), "XX", "EX", serial=serial))


def test_random_serials_do_not_repeat_in_ten_thousand_draws() -> None:
    at = datetime(2026, 1, 1, tzinfo=UTC)
    assert len({new_mrn(at, "XX", "IM") for _ in range(10_000)}) == 10_000


def test_random_serials_use_every_character_about_equally() -> None:
    drawn = "".join(random_serial() for _ in range(12_000))  # 144,000 characters
    counts = Counter(drawn)
    assert set(counts) == set(string.digits + string.ascii_uppercase)
    # 4,000 expected per character (binomial sd ≈ 62, so ±300 is ±4.8 sd: practically never
    # exceeded by chance); a biased mapping (byte % 36 over all 256 bytes) would give the
    # first four characters 4,500 each.
    assert all(3700 < count < 4300 for count in counts.values()), counts
