"""Movement Reference Number (MRN): the number customs gives a declaration on acceptance.

Structure (UCC Annex B, DE 12/... "MRN"; 18 characters):

====== ======================================================
 pos    content
====== ======================================================
 1-2    last two digits of the year of acceptance (``YY``)
 3-4    country code of the accepting jurisdiction (``XX``)
 5-16   12 alphanumerics, unique per year and country
 17     procedure letter: R import, A export, V special fiscal territory
 18     check character, ISO 6346 method over positions 1-17
====== ======================================================

The check character: each character gets a value (digits their own value; letters A=10, B=12 …
Z=38, skipping the multiples of 11), is multiplied by 2**position (position 0..16), the products
are summed, the sum is taken modulo 11, and a remainder of 10 becomes 0.
"""

from __future__ import annotations

import secrets
import string
from datetime import datetime
from typing import NewType

MRN = NewType("MRN", str)

_ALPHABET = string.digits + string.ascii_uppercase


def _letter_values() -> dict[str, int]:
    values: dict[str, int] = {d: int(d) for d in string.digits}
    n = 10
    for letter in string.ascii_uppercase:
        if n % 11 == 0:
            n += 1
        values[letter] = n
        n += 1
    return values


_VALUES = _letter_values()

PROCEDURE_LETTER = {"IM": "R", "EX": "A", "CO": "V"}
"""Declaration type -> MRN procedure letter (position 17)."""


def check_character(first17: str) -> str:
    """ISO 6346 check character over the first 17 characters of an MRN."""
    if len(first17) != 17:
        raise ValueError("the MRN check character is computed over exactly 17 characters")
    total = sum(_VALUES[c] * (1 << i) for i, c in enumerate(first17.upper()))
    remainder = total % 11
    return "0" if remainder == 10 else str(remainder)


def is_valid_mrn(value: str) -> bool:
    """True when ``value`` has the MRN shape and its check character is right."""
    if len(value) != 18 or not value[:2].isdigit() or not value[2:4].isalpha():
        return False
    if any(c not in _ALPHABET for c in value):
        return False
    return check_character(value[:17]) == value[17]


_UNBIASED = 252
"""The largest multiple of 36 a byte reaches: bytes below it map evenly onto the alphabet."""


def random_serial(length: int = 12) -> str:
    """``length`` characters drawn uniformly from 0-9A-Z by the operating system's secure
    random source: one read of random bytes (rejecting the few that would bias the draw)
    instead of one read per character."""
    chosen: list[str] = []
    while len(chosen) < length:
        chosen += [_ALPHABET[byte % 36] for byte in secrets.token_bytes(length + 4)
                   if byte < _UNBIASED]
    return "".join(chosen[:length])


def new_mrn(
    accepted_at: datetime,
    country: str,
    declaration_type: str,
    serial: str | None = None,
) -> MRN:
    """Allocate an MRN. ``serial`` (12 alphanumerics) is random unless given.

    Uniqueness is enforced by the store's unique index; 36**12 serials make a collision
    practically impossible, and the lodgement service retries with a fresh serial if one occurs.
    """
    if serial is None:
        serial = random_serial()
    if len(serial) != 12 or any(c not in _ALPHABET for c in serial):
        raise ValueError("the MRN serial is 12 upper-case alphanumerics")
    if len(country) != 2:
        raise ValueError("the MRN country is a 2-letter code")
    first17 = f"{accepted_at:%y}{country.upper()}{serial}{PROCEDURE_LETTER[declaration_type]}"
    return MRN(first17 + check_character(first17))
