"""TARIC structure shared by the TARIC3 XML importer and the UK Trade Tariff importer.

Both sources describe the goods nomenclature as lines with a product line suffix and a number
of indents, and classify measure types by id and series. :func:`nomenclature_nodes` turns such
lines into :class:`Commodity` nodes (groupings folded into the text of the lines below them);
:func:`measure_type_kind` gives the kind of a measure type, never charging a control as a duty.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from opencustoms.domain.reference import Commodity, Validity
from opencustoms.tariff.model import MeasureKind, kind_of

SEPARATOR = " — "
"""Joins the texts of grouping lines to the text of the line below them."""

REAL_LINE = "80"
"""Product line suffix of a real nomenclature line; other suffixes are groupings."""

CONTROL_SERIES = frozenset({"A", "B"})
"""Measure type series of prohibitions (A) and controls (B): they never charge a duty."""


@dataclass(frozen=True, slots=True)
class NomenclatureLine:
    """One goods nomenclature line: 10-digit item id, product line suffix, depth in the tree
    (chapter 0, heading 1, then number of indents + 1) and its own text."""

    code: str
    suffix: str
    depth: int
    description: str
    validity: Validity = field(default_factory=Validity)


def line_depth(code: str, indents: int) -> int:
    """Depth of a line in the tree: TARIC gives chapters and headings 0 indents alike."""
    if code[2:] == "00000000":
        return 0
    if code[4:] == "000000":
        return 1
    return indents + 1


def nomenclature_nodes(lines: Iterable[NomenclatureLine], *, source: str) -> list[Commodity]:
    """Commodity nodes of the real lines (suffix 80), parents first.

    A grouping line (another suffix, e.g. "Horses" above "Pure-bred breeding animals") is not
    a node a declarant can use: its text is put in front of the text of the line below it
    (joined with " — ", leaving out a part equal to the one before it), and the node's parent
    is the nearest real line above. A real line with no line below it is declarable.
    """
    ordered = sorted(lines, key=lambda line: (line.code, line.suffix))
    stack: list[NomenclatureLine] = []
    has_children: set[tuple[str, str]] = set()
    placed: list[tuple[NomenclatureLine, str | None, str]] = []
    for line in ordered:
        while stack and stack[-1].depth >= line.depth:
            stack.pop()
        if stack:
            has_children.add((stack[-1].code, stack[-1].suffix))
        groups: list[str] = []
        parent: str | None = None
        for above in reversed(stack):
            if above.suffix == REAL_LINE:
                parent = above.code
                break
            groups.insert(0, above.description)
        if line.suffix == REAL_LINE:
            placed.append((line, parent, _join([*groups, line.description])))
        stack.append(line)
    return [Commodity(line.code, text, parent, (line.code, line.suffix) not in has_children,
                      line.validity, source=source)
            for line, parent, text in placed]


def _join(parts: list[str]) -> str:
    kept: list[str] = []
    for part in parts:
        if part and (not kept or kept[-1] != part):
            kept.append(part)
    return SEPARATOR.join(kept)


def measure_type_kind(type_id: str, series: str | None) -> MeasureKind:
    """The kind of a measure type, by id and series (:func:`kind_of`).

    When the source puts a type the model knows as a duty into series A or B, the series wins:
    a control must never be charged as a duty (the UK API fixtures carry a "103 Phytosanitary
    Certificate" and a "105 Import control of organic products" in series B)."""
    kind = kind_of(type_id, series)
    if series in CONTROL_SERIES and kind not in (MeasureKind.PROHIBITION,
                                                 MeasureKind.RESTRICTION):
        return kind_of("", series)
    return kind
