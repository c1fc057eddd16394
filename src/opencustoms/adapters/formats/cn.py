"""Importer for the EU Combined Nomenclature (CN) published as JSON, one edition per year.

The input folder holds ``cn{Chapters,Headings,Subheadings,Codes}_{year}.json`` (the layout of
the ``xterr/php-cncodes`` project, parsed from the EU Publications Office CN datasets). Each row
carries only its *self-text*, which is often just "Other"; a declarant needs the full text, so
descriptions are rebuilt from the ancestors.

How the tree is built:

- chapters (2 digits) have no parent; headings (4 digits) point to their chapter;
- subheadings (6 digits) point to their heading, found from the first four digits (the source
  gives no heading when the heading is not subdivided at six digits);
- CN codes (8 digits, the declarable leaves) point to their subheading when the source names
  one, else to their heading;
- a heading the source leaves out (one with no 6-digit subdivision, e.g. 0409 natural honey)
  is added with the text of its first descendant in code order, which is the ``hhhh00``
  subheading or the ``hhhh0000`` code carrying the heading's own text.

Full description rule: heading text, then subheading text, then the node's own text, joined
with " — ", leaving out a part equal to the one before it. Chapter titles are left out (they
name a whole family of goods). Example: 0101 29 10 reads "Live horses, asses, mules and
hinnies — Other — For slaughter". Every node is valid for the calendar year of its edition and
is tagged ``source="cn<year>"``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from opencustoms.adapters.formats.pack import ReferenceFileError
from opencustoms.domain.reference import Commodity, Validity

SEPARATOR = " — "
"""Joins the parts of a full description, from the heading down."""


@dataclass(frozen=True, slots=True)
class _CnCode:
    code: str
    text: str
    subheading: str | None
    supplementary_unit: str | None


@dataclass(slots=True)
class _Edition:
    """One CN edition as read from its files: self-texts by level."""

    chapters: dict[str, str]
    headings: dict[str, str]
    subheadings: dict[str, str]
    codes: list[_CnCode]


def read_cn_json(directory: Path, year: int) -> Iterator[Commodity]:
    """Yield chapters, headings, subheadings and 8-digit CN codes of the ``year`` edition.

    Parents come before their children. Only the 8-digit codes are declarable; they keep the
    supplementary unit the source gives (e.g. ``PST`` items, ``L`` litres).
    """
    edition = _read_edition(directory, year)
    validity = Validity(date(year, 1, 1), date(year, 12, 31))
    source = f"cn{year}"

    def node(code: str, text: str, parent: str | None, unit: str | None = None) -> Commodity:
        return Commodity(code, text, parent, len(code) == 8, validity, unit, source)

    for code, text in sorted(edition.chapters.items()):
        yield node(code, text, None)
    for code, text in sorted(edition.headings.items()):
        yield node(code, text, code[:2])
    for code, text in sorted(edition.subheadings.items()):
        yield node(code, full_description(edition.headings[code[:4]], text), code[:4])
    for row in edition.codes:
        heading = edition.headings[row.code[:4]]
        if row.subheading is None:
            text = full_description(heading, row.text)
        else:
            text = full_description(heading, edition.subheadings[row.subheading], row.text)
        yield node(row.code, text, row.subheading or row.code[:4], row.supplementary_unit)


def full_description(*parts: str) -> str:
    """Join self-texts from the heading down, dropping a part equal to the one before it."""
    kept: list[str] = []
    for part in parts:
        if not kept or part.casefold() != kept[-1].casefold():
            kept.append(part)
    return SEPARATOR.join(kept)


def _read_edition(directory: Path, year: int) -> _Edition:
    chapters = {r.code(2): r.text() for r in _rows(directory, "Chapters", year)}
    headings = {r.code(4): r.text() for r in _rows(directory, "Headings", year)}
    subheadings = {r.code(6, pad=True): r.text() for r in _rows(directory, "Subheadings", year)}
    codes = [r.cn_code(subheadings) for r in _rows(directory, "Codes", year)]
    _add_missing_headings(headings, subheadings, codes)
    for heading in headings:
        if heading[:2] not in chapters:
            raise ReferenceFileError(f"CN {year}: heading {heading} has no chapter {heading[:2]}")
    return _Edition(chapters, headings, subheadings, codes)


def _add_missing_headings(
    headings: dict[str, str], subheadings: dict[str, str], codes: list[_CnCode]
) -> None:
    descendants = sorted(subheadings.items()) + sorted((c.code, c.text) for c in codes)
    for code, text in descendants:
        headings.setdefault(code[:4], text)


class _Row:
    """One JSON object of a CN file, with getters that fail with a located message."""

    def __init__(self, data: Any, where: str) -> None:
        if not isinstance(data, dict):
            raise ReferenceFileError(f"{where}: expected an object")
        self._data = data
        self._where = where

    def _string(self, key: str) -> str | None:
        value = self._data.get(key)
        if value is not None and (not isinstance(value, str) or not value.strip()):
            raise ReferenceFileError(f"{self._where}: {key!r} must be a non-empty string")
        return None if value is None else value.strip()

    def code(self, length: int, *, pad: bool = False) -> str:
        """The code of ``length`` digits; ``pad`` fills a short one with zeros (CN 2025 gives
        subheading 0702 00 as ``0702``)."""
        value = self._string("code")
        if value is not None and pad:
            value = value.ljust(length, "0")
        if value is None or not value.isdigit() or len(value) != length:
            raise ReferenceFileError(f"{self._where}: code {value!r} is not {length} digits")
        return value

    def text(self) -> str:
        value = self._string("name")
        if value is None:
            raise ReferenceFileError(f"{self._where}: 'name' is required")
        return value

    def cn_code(self, subheadings: dict[str, str]) -> _CnCode:
        code = self.code(8)
        given = self._string("subheading")
        subheading = None if given is None else given.ljust(6, "0")
        if subheading is not None and (subheading not in subheadings
                                       or not code.startswith(subheading)):
            raise ReferenceFileError(f"{self._where}: unknown subheading {given!r}")
        return _CnCode(code, self.text(), subheading, self._string("supplementaryUnit"))


def _rows(directory: Path, level: str, year: int) -> Iterator[_Row]:
    file = directory / f"cn{level}_{year}.json"
    try:
        with file.open(encoding="utf-8") as stream:
            rows = json.load(stream)
    except FileNotFoundError as error:
        raise ReferenceFileError(f"{file.name}: not found in {directory}") from error
    except json.JSONDecodeError as error:
        raise ReferenceFileError(f"{file.name}: not valid JSON: {error}") from error
    if not isinstance(rows, list):
        raise ReferenceFileError(f"{file.name}: expected a list of rows")
    for index, data in enumerate(rows):
        yield _Row(data, f"{file.name}: row {index}")
