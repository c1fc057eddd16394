"""Importer for the Harmonized System (HS) nomenclature published as CSV.

The input is the UN Comtrade-derived file of the ``datasets/harmonized-system`` project, with
the columns ``section, hscode, description, parent, level``: chapters (2 digits, level 2),
headings (4 digits, level 4) and subheadings (6 digits, level 6). In the HS the 6-digit
subheading is the most detailed level agreed worldwide, so it is the declarable leaf here;
national subdivisions (CN, national tariff codes) come from other sources.

The file also carries rows that are not part of the WCO nomenclature: a ``TOTAL`` row (the sum
of all commodities) and chapter ``99`` with ``9999``/``999999`` ("commodities not specified
according to kind", used by trade statistics). Those are dropped. The file is read row by row,
so memory stays flat whatever its size.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import date
from pathlib import Path

from opencustoms.adapters.formats.pack import ReferenceFileError
from opencustoms.domain.reference import Commodity, Validity

HS_COLUMNS = ("section", "hscode", "description", "parent", "level")
"""Columns the HS CSV file must have (others are ignored)."""

NOT_WCO_PREFIXES = ("TOTAL", "99")
"""Codes starting with these are statistical artefacts, not HS nomenclature."""


def read_hs_csv(
    path: Path,
    *,
    edition: int = 2022,
    valid_from: date | None = None,
    valid_to: date | None = None,
) -> Iterator[Commodity]:
    """Yield the chapters, headings and subheadings of an HS edition from its CSV file.

    Every node is valid from 1 January of ``edition`` (or ``valid_from``) until ``valid_to``
    (open-ended by default) and is tagged ``source="hs<edition>"``. Chapters have no parent;
    headings point to their chapter, subheadings to their heading. Only subheadings are
    declarable.
    """
    validity = Validity(valid_from or date(edition, 1, 1), valid_to)
    source = f"hs{edition}"
    with path.open(encoding="utf-8-sig", newline="") as stream:
        reader = csv.DictReader(stream)
        _check_columns(reader.fieldnames, path)
        for row in reader:
            commodity = _commodity(row, validity, source, f"{path.name}: line {reader.line_num}")
            if commodity is not None:
                yield commodity


def _check_columns(fieldnames: object, path: Path) -> None:
    present = set(fieldnames) if isinstance(fieldnames, list) else set()
    missing = [column for column in HS_COLUMNS if column not in present]
    if missing:
        raise ReferenceFileError(f"{path.name}: not an HS CSV file, missing columns {missing}")


def _commodity(
    row: dict[str, str | None], validity: Validity, source: str, where: str
) -> Commodity | None:
    """The node of one CSV row, or None for a row that is not HS nomenclature."""
    code = (row.get("hscode") or "").strip()
    if not code and not any(row.values()):
        return None  # blank trailing row
    if code.startswith(NOT_WCO_PREFIXES):
        return None
    level = (row.get("level") or "").strip()
    if not code.isdigit() or len(code) not in (2, 4, 6) or level != str(len(code)):
        raise ReferenceFileError(
            f"{where}: code {code!r} with level {level!r} is not a chapter, heading or subheading"
        )
    description = (row.get("description") or "").strip()
    if not description:
        raise ReferenceFileError(f"{where}: code {code!r} has no description")
    parent = None if len(code) == 2 else code[:-2]
    given = (row.get("parent") or "").strip()
    if parent is not None and given != parent:
        raise ReferenceFileError(f"{where}: code {code!r} names parent {given!r}, not {parent!r}")
    return Commodity(
        code=code,
        description=description,
        parent=parent,
        declarable=len(code) == 6,
        validity=validity,
        source=source,
    )
