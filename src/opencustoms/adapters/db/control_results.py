"""Control results on SQL, written in the transaction that records them on the declaration."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from opencustoms.adapters.db.clearance_tables import ControlResultRow
from opencustoms.adapters.db.tables import DeclarationRow, table_of
from opencustoms.domain.control import ControlKind, ControlResult
from opencustoms.domain.parties import PartyId
from opencustoms.services.ports import ReleaseTimes

RESULTS = table_of(ControlResultRow)
DECLARATIONS = table_of(DeclarationRow)


class SqlControlResults:
    """:class:`~opencustoms.services.ports.ControlResults` on SQLAlchemy."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, result: ControlResult) -> None:
        declaration_id = (select(DECLARATIONS.c.id)
                          .where(DECLARATIONS.c.mrn == result.mrn).scalar_subquery())
        self._session.connection().execute(insert(RESULTS).values(
            declaration_id=declaration_id, mrn=result.mrn, kind=result.kind.value,
            officer=result.officer, recorded_at=result.recorded_at,
            irregularity=result.irregularity, findings=result.findings,
            extra_duty=result.extra_duty, currency=result.currency,
            corrections=result.corrections))

    def for_declaration(self, mrn: str) -> Sequence[ControlResult]:
        rows = self._session.connection().execute(
            select(RESULTS).where(RESULTS.c.mrn == mrn).order_by(RESULTS.c.id))
        return [ControlResult(r.mrn, ControlKind(r.kind), PartyId(r.officer), r.recorded_at,
                              r.irregularity, r.findings, r.extra_duty, r.currency,
                              dict(r.corrections)) for r in rows]


class SqlReleaseTimes:
    """:class:`~opencustoms.services.ports.ReleaseTimeReader`: durations of released
    declarations, computed in Python from the stored moments (portable across databases)."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def released_between(self, start: datetime, end: datetime,
                         office: str | None) -> Sequence[ReleaseTimes]:
        d = DECLARATIONS.c
        statement = (select(d.mrn, d.channel, d.office_of_declaration, d.received_at,
                            d.accepted_at, d.control_started_at, d.control_ended_at,
                            d.released_at)
                     .where(d.released_at >= start, d.released_at < end))
        if office is not None:
            statement = statement.where(d.office_of_declaration == office)
        found = []
        for r in self._session.connection().execute(statement):
            control = (None if r.control_started_at is None or r.control_ended_at is None
                       else (r.control_ended_at - r.control_started_at).total_seconds())
            found.append(ReleaseTimes(
                r.mrn, r.channel or "green", r.office_of_declaration,
                (r.released_at - r.received_at).total_seconds(),
                (r.released_at - r.accepted_at).total_seconds(), control))
        return found
