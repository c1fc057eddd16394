"""Jurisdiction packs: the reference data of one customs territory as a folder of JSON files.

A pack holds one file per concern (see ``PACK_FILES``): the territory itself, its goods
nomenclature, its code lists, its customs offices, its exchange rates and the parties known to
the system at start. The demo pack inside the package (``opencustoms/packs/demo``) describes the
fictional "Demo Customs Territory" (country code ``XX``, currency EUR).

Each ``read_*`` function yields the records of one file, so a database writer can stream them;
:func:`load_pack` gathers them into one :class:`ReferenceData`. Dates are ISO 8601
(``valid_from`` inclusive, ``valid_to`` inclusive, both optional); exchange rates are decimal
strings, never binary floats. A malformed file raises :class:`PackError` naming the file and
the entry.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from datetime import date
from decimal import Decimal, InvalidOperation
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

from opencustoms.domain.parties import Party, PartyId, Role, is_valid_party_id
from opencustoms.domain.reference import (
    CodeList,
    CodeListEntry,
    Commodity,
    ExchangeRate,
    Jurisdiction,
    Office,
    ReferenceData,
    Validity,
)

PackPath = Path | Traversable
"""A pack folder on disk, or inside the installed package."""

PACK_FILES = (
    "jurisdiction.json",
    "nomenclature.json",
    "code_lists.json",
    "offices.json",
    "exchange_rates.json",
    "parties.json",
)


class ReferenceFileError(ValueError):
    """A reference data file (pack file or public dataset) cannot be read as expected."""


class PackError(ReferenceFileError):
    """A jurisdiction pack file is missing or malformed; the message names file and entry."""


def demo_pack() -> Traversable:
    """The demo jurisdiction pack shipped inside the package."""
    return files("opencustoms") / "packs" / "demo"


def load_pack(path: PackPath | None = None) -> ReferenceData:
    """Read a whole pack (the demo pack by default) into one :class:`ReferenceData`.

    Besides reading every file, checks that each nomenclature node's parent is in the pack,
    so the tariff can later walk from a declared code up to its chapter.
    """
    folder = demo_pack() if path is None else path
    reference = ReferenceData(read_jurisdiction(folder))
    for list_name, entry in read_code_lists(folder):
        reference.add_entries(list_name, (entry,))
    reference.add_commodities(read_nomenclature(folder))
    _check_parents(reference)
    reference.add_offices(read_offices(folder))
    reference.add_exchange_rates(read_exchange_rates(folder))
    return reference


def read_jurisdiction(path: PackPath) -> Jurisdiction:
    """The customs territory: its country code, name and currency."""
    file = "jurisdiction.json"
    record = PackRecord(load_pack_file(path, file), file, "the territory")
    return Jurisdiction(record.text("country"), record.text("name"), record.text("currency"))


def read_code_lists(path: PackPath) -> Iterator[tuple[str, CodeListEntry]]:
    """Every code list entry, as (list name, entry); list names are :class:`CodeList` values."""
    file = "code_lists.json"
    lists = load_pack_file(path, file)
    if not isinstance(lists, dict):
        raise PackError(f"{file}: expected an object of code lists, "
                        f"got {json_type_name(lists)}")
    known = {name.value for name in CodeList}
    for list_name, entries in lists.items():
        if list_name not in known:
            raise PackError(f"{file}: unknown code list {list_name!r}")
        for record in _records(entries, file, f"list {list_name!r}"):
            yield list_name, CodeListEntry(
                code=record.text("code"),
                description=record.text("description"),
                validity=record.validity(),
                attributes=record.attributes(),
            )


def read_nomenclature(path: PackPath, source: str | None = None) -> Iterator[Commodity]:
    """Goods nomenclature nodes: chapters, headings, subheadings and declarable national codes.

    ``source`` tags every node (default: the pack folder's name, ``demo`` for the demo pack).
    """
    file = "nomenclature.json"
    tag = source or path.name
    for record in _records(load_pack_file(path, file), file, "nomenclature"):
        yield Commodity(
            code=record.digits("code"),
            description=record.text("description"),
            parent=record.optional_text("parent"),
            declarable=record.flag("declarable"),
            validity=record.validity(),
            supplementary_unit=record.optional_text("supplementary_unit"),
            source=tag,
        )


def read_offices(path: PackPath) -> Iterator[Office]:
    """Customs offices with the roles they perform (declaration, entry, exit ...)."""
    file = "offices.json"
    for record in _records(load_pack_file(path, file), file, "offices"):
        yield Office(
            code=record.text("code"),
            name=record.text("name"),
            country=record.text("country"),
            roles=frozenset(record.texts("roles")),
            validity=record.validity(),
        )


def read_exchange_rates(path: PackPath) -> Iterator[ExchangeRate]:
    """Units of foreign currency per one unit of the territory's currency, per period."""
    file = "exchange_rates.json"
    for record in _records(load_pack_file(path, file), file, "exchange rates"):
        yield ExchangeRate(record.text("currency"), record.rate("rate"), record.validity())


def read_parties(path: PackPath) -> list[Party]:
    """The parties the system starts with: traders, representatives and customs staff."""
    file = "parties.json"
    parties: list[Party] = []
    for record in _records(load_pack_file(path, file), file, "parties"):
        represents = record.texts("represents", required=False)
        parties.append(Party(
            id=PartyId(record.party_id("id")),
            name=record.text("name"),
            country=record.text("country"),
            roles=frozenset(record.role(value) for value in record.texts("roles")),
            aeo=record.flag("aeo", default=False),
            office=record.optional_text("office"),
            represents=frozenset(PartyId(value) for value in represents),
        ))
    return parties


def _check_parents(reference: ReferenceData) -> None:
    for code, versions in reference.nomenclature.items():
        for commodity in versions:
            if commodity.parent is not None and commodity.parent not in reference.nomenclature:
                raise PackError(f"nomenclature.json: entry with code {code!r}: parent "
                                f"{commodity.parent!r} is not in the nomenclature")


def load_pack_file(path: PackPath, file: str) -> Any:
    """The parsed JSON of ``file`` in the pack folder ``path``; fractions become :class:`Decimal`.

    Raises :class:`PackError` naming the file when it is missing or not valid JSON."""
    resource = path / file
    if not resource.is_file():
        raise PackError(f"{file}: missing from the pack at {path}")
    try:
        with resource.open("r", encoding="utf-8") as stream:
            return json.load(stream, parse_float=Decimal)
    except json.JSONDecodeError as error:
        raise PackError(f"{file}: not valid JSON: {error}") from error


def _records(items: Any, file: str, what: str) -> Iterator[PackRecord]:
    if not isinstance(items, list):
        raise PackError(f"{file}: {what}: expected a list of entries, "
                        f"got {json_type_name(items)}")
    for index, item in enumerate(items):
        code = item.get("code", item.get("id")) if isinstance(item, dict) else None
        label = f"{what} entry {index}" + (f" ({code!r})" if isinstance(code, str) else "")
        yield PackRecord(item, file, label)


def json_type_name(value: Any) -> str:
    """The type of a parsed JSON value as error messages name it (``dict``, ``list``, ``str``)."""
    return type(value).__name__


class PackRecord:
    """One JSON object of a pack file, with typed getters that fail with a located message.

    ``label`` names the entry in messages (e.g. ``offices entry 2``); every
    getter raises :class:`PackError` prefixed with the file and that label."""

    def __init__(self, data: Any, file: str, label: str) -> None:
        if not isinstance(data, dict):
            raise PackError(f"{file}: {label}: expected an object, got {json_type_name(data)}")
        self._data: Mapping[str, Any] = data
        self._where = f"{file}: {label}"

    def error(self, problem: str) -> PackError:
        return PackError(f"{self._where}: {problem}")

    def text(self, key: str) -> str:
        value = self.optional_text(key)
        if value is None:
            raise self.error(f"{key!r} is required")
        return value

    def optional_text(self, key: str) -> str | None:
        value = self._data.get(key)
        if value is None:
            return None
        if not isinstance(value, str) or not value.strip():
            raise self.error(f"{key!r} must be a non-empty string, got {value!r}")
        return value

    def digits(self, key: str) -> str:
        value = self.text(key)
        if not value.isdigit():
            raise self.error(f"{key!r} must contain digits only, got {value!r}")
        return value

    def texts(self, key: str, *, required: bool = True) -> list[str]:
        values = self._data.get(key)
        if values is None and not required:
            return []
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            raise self.error(f"{key!r} must be a list of strings, got {values!r}")
        return values

    def flag(self, key: str, *, default: bool | None = None) -> bool:
        value = self._data.get(key, default)
        if not isinstance(value, bool):
            raise self.error(f"{key!r} must be true or false, got {value!r}")
        return value

    def day(self, key: str) -> date | None:
        value = self.optional_text(key)
        try:
            return None if value is None else date.fromisoformat(value)
        except ValueError as error:
            raise self.error(f"{key!r} is not an ISO date: {value!r}") from error

    def validity(self) -> Validity:
        start, end = self.day("valid_from"), self.day("valid_to")
        validity = Validity() if start is None else Validity(start)
        if end is not None and end < validity.start:
            raise self.error(f"valid_to {end} is before valid_from {validity.start}")
        return Validity(validity.start, end)

    def attributes(self) -> dict[str, str]:
        values = self._data.get("attributes", {})
        if not isinstance(values, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in values.items()
        ):
            raise self.error(f"'attributes' must map strings to strings, got {values!r}")
        return dict(values)

    def rate(self, key: str) -> Decimal:
        value = self._data.get(key)
        if isinstance(value, bool) or not isinstance(value, str | int | Decimal):
            raise self.error(f"{key!r} must be a decimal string, got {value!r}")
        try:
            rate = Decimal(value)
        except InvalidOperation as error:
            raise self.error(f"{key!r} is not a decimal number: {value!r}") from error
        if not rate.is_finite() or rate <= 0:
            raise self.error(f"{key!r} must be a positive number, got {value!r}")
        return rate

    def party_id(self, key: str) -> str:
        value = self.text(key)
        if not is_valid_party_id(value):
            raise self.error(f"{key!r} is not an EORI-style party id: {value!r}")
        return value

    def role(self, value: str) -> Role:
        try:
            return Role(value)
        except ValueError as error:
            raise self.error(f"unknown role {value!r}") from error
