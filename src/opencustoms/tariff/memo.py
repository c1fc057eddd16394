"""What the engine derives from immutable tariff records, remembered by the record itself.

Every tax line explains itself with the measure's description and its duty expression as the
tariff writes them, and most measures have no conditions, so they always give the same outcome;
a declaration asks for the same few measures again and again, and so does every declaration
after it. The records (a :class:`~opencustoms.tariff.model.Measure`, a tuple of
:class:`~opencustoms.tariff.model.DutyComponent`) are frozen, so what follows from them alone
never changes.

The memo is keyed by the record's identity, not its value: hashing a measure would hash every
field each time, which costs about what deriving the answer does. Each entry keeps the record
alive, so its identity cannot be taken by another object while the entry exists. A memo that
grows past its limit (a tariff reloaded, a large tariff browsed) starts afresh.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

Record = TypeVar("Record")
Derived = TypeVar("Derived")

LIMIT = 4096


class RecordMemo(Generic[Record, Derived]):
    """``derive(record)`` for immutable records, computed once per record."""

    __slots__ = ("_derive", "_known", "_limit")

    def __init__(self, derive: Callable[[Record], Derived], limit: int = LIMIT) -> None:
        self._derive = derive
        self._known: dict[int, tuple[Record, Derived]] = {}
        self._limit = limit

    def __call__(self, record: Record) -> Derived:
        known = self._known.get(id(record))
        if known is not None and known[0] is record:
            return known[1]
        derived = self._derive(record)
        if len(self._known) >= self._limit:
            self._known.clear()
        self._known[id(record)] = (record, derived)
        return derived

    def __len__(self) -> int:
        return len(self._known)
