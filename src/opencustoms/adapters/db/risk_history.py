"""Stored history as the risk model learns from it: declarations with their control results.

:func:`read_history` streams every registered declaration (its content and assessment
documents), page by page on the primary key so that no read transaction stays open over the
whole history and memory holds one page of rows. Each declaration becomes its goods items as
:class:`~opencustoms.risk.records.RiskRecord` through
:func:`~opencustoms.risk.records.records_of` — the very function lodgement scores with, so
training and scoring see the same features — labelled by its latest control result
(:func:`~opencustoms.risk.feedback.label`). Declarations without a control result come out
unlabelled.

:func:`record_control_results` writes control results in bulk (the demo seed's simulated
officers); the officer workflow writes them one at a time through the unit of work.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import Engine, Row, func, select

from opencustoms.adapters.db.clearance_tables import ControlResultRow
from opencustoms.adapters.db.control_results import insert_control_results
from opencustoms.adapters.db.engine import SQLITE_BEGIN
from opencustoms.adapters.db.tables import DeclarationRow, table_of
from opencustoms.adapters.formats.assessment_json import assessment_from_json
from opencustoms.adapters.formats.declaration_json import content_from_json
from opencustoms.domain.control import ControlResult
from opencustoms.risk.feedback import ControlOutcome, label
from opencustoms.risk.records import RiskRecord, records_of

DECLARATIONS = table_of(DeclarationRow)
RESULTS = table_of(ControlResultRow)
D = DECLARATIONS.c
R = RESULTS.c
PAGE_SIZE = 500


def _reader(engine: Engine) -> Engine:
    return engine.execution_options(**{SQLITE_BEGIN: "DEFERRED"})


def _latest_results(rows: Iterable[Row[Any]]) -> dict[int, ControlOutcome]:
    """The latest result per declaration (rows come oldest first)."""
    latest: dict[int, ControlOutcome] = {}
    for row in rows:
        latest[row.declaration_id] = ControlOutcome.of(
            row.irregularity, row.extra_duty, list((row.corrections or {}).keys()))
    return latest


def declaration_records(mrn: str, accepted_at: datetime, document: dict[str, Any],
                        assessment: dict[str, Any] | None,
                        outcome: ControlOutcome | None) -> list[RiskRecord]:
    """The goods items of one stored declaration (its content and assessment documents) as
    risk records, labelled by ``outcome``."""
    content = content_from_json(document)
    assessed = None if assessment is None else assessment_from_json(assessment)
    on = accepted_at.astimezone(UTC).date()
    return label(records_of(content, assessed, on, mrn), outcome)


def read_history(engine: Engine, *, since: date | None = None,
                 page_size: int = PAGE_SIZE) -> Iterator[RiskRecord]:
    """Every goods item of the declarations accepted from ``since`` on (all when None),
    labelled by the declaration's latest control result when it has one."""
    reader = _reader(engine)
    start = None if since is None else datetime.combine(since, time(), UTC)
    after = 0
    while True:
        statement = (select(D.id, D.mrn, D.accepted_at, D.document, D.assessment)
                     .where(D.id > after).order_by(D.id).limit(page_size))
        if start is not None:
            statement = statement.where(D.accepted_at >= start)
        with reader.connect() as connection:
            page = connection.execute(statement).all()
            ids = [row.id for row in page]
            outcomes = _latest_results(connection.execute(
                select(R.declaration_id, R.irregularity, R.extra_duty, R.corrections)
                .where(R.declaration_id.in_(ids)).order_by(R.recorded_at, R.id))) if ids else {}
        for row in page:
            yield from declaration_records(row.mrn, row.accepted_at, row.document,
                                           row.assessment, outcomes.get(row.id))
        if len(page) < page_size:
            return
        after = page[-1].id


def control_result_count(engine: Engine) -> int:
    """How many control results are stored (the demo seed runs only on an empty history)."""
    with _reader(engine).connect() as connection:
        return int(connection.execute(select(func.count()).select_from(RESULTS)).scalar_one())


def record_control_results(engine: Engine, results: Iterable[ControlResult],
                           page_size: int = PAGE_SIZE) -> int:
    """Store control results of registered declarations, one transaction per page; returns
    how many. ValueError (and that page not written) for an MRN that is not registered."""
    written = 0
    page: list[ControlResult] = []
    for result in results:
        page.append(result)
        if len(page) == page_size:
            written += _write(engine, page)
            page = []
    if page:
        written += _write(engine, page)
    return written


def _write(engine: Engine, page: Sequence[ControlResult]) -> int:
    with engine.begin() as connection:
        return insert_control_results(connection, page)
