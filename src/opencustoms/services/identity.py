"""Parties and API keys (DESIGN.md C6), minimal but real.

An API key is ``oc_<key id>_<secret>``. Only the SHA-256 of the secret is stored: the secret
has 256 bits of entropy, so a slow password hash adds nothing (passwords, when they come, use
argon2). The key id finds the row; comparing hashes rather than secrets leaks nothing useful
through timing, since a caller cannot steer the hash of its guess.
"""

from __future__ import annotations

import hashlib
import secrets

from opencustoms.domain.audit import AuditRecord
from opencustoms.domain.errors import NotAuthenticated
from opencustoms.domain.parties import Party, PartyId
from opencustoms.services.context import ServiceContext

KEY_PREFIX = "oc"


def secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def split_key(raw: str) -> tuple[str, str] | None:
    """``(key id, secret)`` of a well-formed key, else None."""
    parts = raw.split("_", 2)
    if len(parts) != 3 or parts[0] != KEY_PREFIX or not parts[1] or not parts[2]:
        return None
    return parts[1], parts[2]


def issue_api_key(ctx: ServiceContext, party_id: PartyId, *, actor: str = "system") -> str:
    """Create a new key for ``party_id``; the raw key is returned once and never stored. The
    audit log records the issue and the key id, never the secret."""
    key_id = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32).replace("_", "-")
    now = ctx.clock.now()
    with ctx.uow() as uow:
        if uow.parties.get(party_id) is None:
            raise ValueError(f"unknown party {party_id}")
        uow.parties.add_api_key(party_id, key_id, secret_hash(secret), now)
        uow.audit.append([AuditRecord(kind="api_key", subject=party_id, event="issued",
                                      actor=actor, at=now, data={"key_id": key_id})])
        uow.commit()
    return f"{KEY_PREFIX}_{key_id}_{secret}"


def register_party(ctx: ServiceContext, party: Party, *, actor: str = "system") -> None:
    """Create ``party`` with its representation authorisations, and record who did."""
    with ctx.uow() as uow:
        uow.parties.add(party)
        for principal in sorted(party.represents):
            uow.parties.authorise(party.id, principal)
        uow.audit.append([AuditRecord(
            kind="party", subject=party.id, event="registered", actor=actor,
            at=ctx.clock.now(),
            data={"name": party.name, "country": party.country,
                  "roles": sorted(role.value for role in party.roles), "aeo": party.aeo,
                  "office": party.office, "represents": sorted(party.represents)})])
        uow.commit()


def authenticate(ctx: ServiceContext, raw_key: str | None) -> Party:
    """The party owning ``raw_key``, or :class:`NotAuthenticated`."""
    split = split_key(raw_key or "")
    if split is None:
        raise NotAuthenticated("a valid API key is required (Authorization: Bearer or X-API-Key)")
    key_id, secret = split
    with ctx.reader() as uow:  # a read: it never waits for writers
        party = uow.parties.by_api_key(key_id, secret_hash(secret))
    if party is None:
        raise NotAuthenticated("the API key is not valid")
    return party
