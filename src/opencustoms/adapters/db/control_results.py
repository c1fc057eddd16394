"""Control results on SQL, written in the transaction that records them on the declaration."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Connection, insert, select
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
        insert_control_results(self._session.connection(), [result])

    def for_declaration(self, mrn: str) -> Sequence[ControlResult]:
        rows = self._session.connection().execute(
            select(RESULTS).where(RESULTS.c.mrn == mrn).order_by(RESULTS.c.id))
        return [ControlResult(r.mrn, ControlKind(r.kind), PartyId(r.officer), r.recorded_at,
                              r.irregularity, r.findings, r.extra_duty, r.currency,
                              dict(r.corrections)) for r in rows]


def insert_control_results(connection: Connection, results: Sequence[ControlResult]) -> int:
    """Insert ``results`` of registered declarations in one statement; ValueError (nothing
    written) when an MRN is not registered. Used by the officer workflow and the simulator."""
    mrns = {r.mrn for r in results}
    ids = {row.mrn: row.id for row in connection.execute(
        select(DECLARATIONS.c.mrn, DECLARATIONS.c.id).where(DECLARATIONS.c.mrn.in_(mrns)))}
    unknown = sorted(mrns - set(ids))
    if unknown:
        raise ValueError(f"no registered declaration {unknown[0]} for a control result")
    if results:
        connection.execute(insert(RESULTS), [{
            "declaration_id": ids[r.mrn], "mrn": r.mrn, "kind": r.kind.value,
            "officer": r.officer, "recorded_at": r.recorded_at,
            "irregularity": r.irregularity, "findings": r.findings,
            "extra_duty": r.extra_duty, "currency": r.currency,
            "corrections": dict(r.corrections)} for r in results])
    return len(results)


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
