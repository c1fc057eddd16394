"""SQL store of risk profiles and their versions.

Versions are only ever inserted. Making a new version current is guarded by the version it
replaces (``UPDATE … WHERE current_version = n - 1``), so two analysts changing the same profile
at once cannot both win: the second gets a conflict and writes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Row, and_, bindparam, insert, select, update
from sqlalchemy.orm import Session

from opencustoms.adapters.db.risk_tables import RiskProfileRow, RiskProfileVersionRow
from opencustoms.adapters.db.tables import table_of
from opencustoms.domain.errors import Conflict
from opencustoms.domain.parties import PartyId
from opencustoms.domain.reference import Validity
from opencustoms.risk.criteria import parse_criteria
from opencustoms.risk.profiles import (
    InvalidProfile,
    ProfileChannel,
    ProfileDefinition,
    RiskProfile,
    RiskProfileId,
)

PROFILES = table_of(RiskProfileRow)
VERSIONS = table_of(RiskProfileVersionRow)
P = PROFILES.c
V = VERSIONS.c

_INSERT_PROFILE = insert(PROFILES)
_INSERT_VERSION = insert(VERSIONS)
_MAKE_CURRENT = (update(PROFILES)
                 .where(P.id == bindparam("profile_id"), P.current_version == bindparam("before"))
                 .values(current_version=bindparam("after")).returning(P.id))
_CURRENT = (select(VERSIONS).join_from(VERSIONS, PROFILES, and_(
    P.id == V.profile_id, P.current_version == V.version)))
_BY_VERSION = select(VERSIONS).where(V.profile_id == bindparam("profile_id"),
                                     V.version == bindparam("version"))


class SqlRiskProfileRepository:
    """:class:`~opencustoms.services.ports.RiskProfileRepository` on SQLAlchemy."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, profile: RiskProfile) -> None:
        """Insert a new profile with its first version."""
        self._session.execute(_INSERT_PROFILE, {
            "id": profile.id, "current_version": profile.version,
            "created_by": profile.created_by, "created_at": profile.created_at})
        self._session.execute(_INSERT_VERSION, _version_row(profile))

    def add_version(self, profile: RiskProfile) -> None:
        """Insert ``profile`` as the next version and make it current. Raises
        :class:`~opencustoms.domain.errors.Conflict` (nothing written) when the current
        version is no longer the one before it."""
        moved = self._session.execute(_MAKE_CURRENT, {
            "profile_id": profile.id, "before": profile.version - 1,
            "after": profile.version}).scalar_one_or_none()
        if moved is None:
            raise Conflict(f"risk profile {profile.id} is no longer at version "
                           f"{profile.version - 1}", code="risk.profile.stale-version")
        self._session.execute(_INSERT_VERSION, _version_row(profile))

    def get(self, profile_id: RiskProfileId, version: int | None = None) -> RiskProfile | None:
        """The current version of the profile, or version ``version``."""
        if version is None:
            statement = _CURRENT.where(V.profile_id == profile_id)
            row = self._session.execute(statement).one_or_none()
        else:
            row = self._session.execute(_BY_VERSION, {"profile_id": profile_id,
                                                      "version": version}).one_or_none()
        return None if row is None else _profile(row)

    def versions(self, profile_id: RiskProfileId) -> Sequence[RiskProfile]:
        rows = self._session.execute(
            select(VERSIONS).where(V.profile_id == profile_id).order_by(V.version))
        return [_profile(row) for row in rows]

    def current(self) -> Sequence[RiskProfile]:
        """The current version of every profile, oldest profile first."""
        rows = self._session.execute(_CURRENT.order_by(P.created_at, P.id))
        return [_profile(row) for row in rows]


def _version_row(profile: RiskProfile) -> dict[str, Any]:
    d = profile.definition
    document = d.to_json()
    return {
        "profile_id": profile.id, "version": profile.version, "name": d.name,
        "description": d.description, "criteria": document["criteria"],
        "valid_from": d.validity.start, "valid_to": d.validity.end,
        "channel": d.channel.value, "instructions": d.instructions, "weight": d.weight,
        "active": d.active, "created_by": profile.created_by, "created_at": profile.created_at,
    }


def _profile(row: Row[Any]) -> RiskProfile:
    criteria, problems = parse_criteria(row.criteria)
    if criteria is None:  # stored criteria were valid when written; the catalogue moved on
        raise InvalidProfile(problems)
    definition = ProfileDefinition(
        name=row.name, description=row.description, criteria=criteria,
        validity=Validity(row.valid_from, row.valid_to), channel=ProfileChannel(row.channel),
        instructions=row.instructions, weight=row.weight, active=row.active)
    return RiskProfile(RiskProfileId(row.profile_id), row.version, definition,
                       PartyId(row.created_by), row.created_at)
