"""SQL store of parties, representation authorisations, API keys and rejected lodgements."""

from __future__ import annotations

import hmac
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from opencustoms.adapters.db.tables import (
    ApiKeyRow,
    LodgementRejectionRow,
    PartyRow,
    RepresentationRow,
)
from opencustoms.domain.errors import Problem
from opencustoms.domain.parties import Party, PartyId, Role


class SqlPartyRepository:
    """:class:`~opencustoms.services.ports.PartyRepository` on SQLAlchemy."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def get(self, party_id: PartyId) -> Party | None:
        row = self._session.get(PartyRow, party_id, populate_existing=True)
        return None if row is None else self._to_party(row)

    def by_api_key(self, key_id: str, secret_sha256: str) -> Party | None:
        """The owner of the active (not revoked) key ``key_id``, if the secret's hash matches."""
        found = self._session.execute(
            select(PartyRow, ApiKeyRow.secret_sha256)
            .join(ApiKeyRow, ApiKeyRow.party_id == PartyRow.id)
            .where(ApiKeyRow.key_id == key_id, ApiKeyRow.revoked_at.is_(None))
        ).one_or_none()
        if found is None:
            return None
        row, stored = found
        if not hmac.compare_digest(stored.encode(), secret_sha256.encode()):
            return None
        return self._to_party(row)

    def add(self, party: Party) -> None:
        """Insert ``party`` and the authorisations in ``party.represents``."""
        self._session.execute(insert(PartyRow).values(
            id=party.id, name=party.name, country=party.country,
            roles=sorted(role.value for role in party.roles), aeo=party.aeo,
            office=party.office))
        for principal in sorted(party.represents):
            self.authorise(party.id, principal)

    def add_api_key(self, party_id: PartyId, key_id: str, secret_sha256: str,
                    created_at: datetime) -> None:
        self._session.execute(insert(ApiKeyRow).values(
            key_id=key_id, party_id=party_id, secret_sha256=secret_sha256,
            created_at=created_at))

    def revoke_api_key(self, key_id: str, at: datetime) -> bool:
        """Revoke ``key_id`` from ``at`` on; False if there is no such active key."""
        revoked = self._session.execute(
            update(ApiKeyRow)
            .where(ApiKeyRow.key_id == key_id, ApiKeyRow.revoked_at.is_(None))
            .values(revoked_at=at)
            .returning(ApiKeyRow.key_id)
            .execution_options(synchronize_session=False)
        ).scalar_one_or_none()
        return revoked is not None

    def authorise(self, representative: PartyId, principal: PartyId) -> None:
        """Record the authorisation; recording it again changes nothing."""
        known = self._session.get(RepresentationRow, (representative, principal))
        if known is None:
            self._session.execute(insert(RepresentationRow).values(
                representative=representative, principal=principal))

    def _to_party(self, row: PartyRow) -> Party:
        principals = self._session.scalars(
            select(RepresentationRow.principal)
            .where(RepresentationRow.representative == row.id))
        return Party(
            id=PartyId(row.id), name=row.name, country=row.country,
            roles=frozenset(Role(role) for role in row.roles), aeo=row.aeo, office=row.office,
            represents=frozenset(PartyId(p) for p in principals),
        )


class SqlRejectionLog:
    """:class:`~opencustoms.services.ports.RejectionLog` on SQLAlchemy."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def record(self, *, declarant: str, lrn: str, received_at: datetime, payload_sha256: str,
               problems: Sequence[Problem]) -> None:
        self._session.execute(insert(LodgementRejectionRow).values(
            declarant=declarant, lrn=lrn, received_at=received_at,
            payload_sha256=payload_sha256,
            problems=[{"code": p.code, "pointer": p.pointer, "detail": p.detail}
                      for p in problems]))

    def count(self) -> int:
        """How many lodgements were rejected (for health pages and tests)."""
        return self._session.execute(
            select(func.count()).select_from(LodgementRejectionRow)).scalar_one()
