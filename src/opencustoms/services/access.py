"""Who may see and change a declaration (tenant isolation, DESIGN.md C6).

A trader or representative sees only declarations that name it as declarant, representative,
importer or exporter; for anyone else such a declaration does not exist (404, never 403, so the
existence of another trader's MRN is not disclosed). Administration staff read every declaration.
Only the declarant, or the representative acting for it, changes a declaration.
"""

from __future__ import annotations

from opencustoms.domain.declaration import Declaration
from opencustoms.domain.errors import NotFound, PermissionDenied, StaleVersion
from opencustoms.domain.mrn import MRN
from opencustoms.domain.parties import Party


def can_see(party: Party, declaration: Declaration) -> bool:
    return party.is_administration or party.id in declaration.content.party_ids()


def require_visible(party: Party, declaration: Declaration | None, mrn: MRN) -> Declaration:
    """The declaration if ``party`` may see it; otherwise :class:`NotFound`."""
    if declaration is None or not can_see(party, declaration):
        raise NotFound(f"no declaration {mrn}", code="declaration.not-found", pointer="")
    return declaration


def require_declarant_side(party: Party, declaration: Declaration) -> None:
    """Only the declarant or its named representative may amend or invalidate."""
    content = declaration.content
    rep = content.representative
    if party.id == content.declarant or (
        rep is not None and rep.id == party.id and party.may_act_for(content.declarant)
    ):
        return
    raise PermissionDenied(
        "only the declarant or its representative may change this declaration",
        code="auth.not-declarant",
    )


def require_version(declaration: Declaration, expected_version: int | None) -> int:
    """The version read, after checking it is the one the caller acted on (``If-Match``);
    the store checks it again when writing, so a change in between is a conflict too."""
    if expected_version is not None and expected_version != declaration.version:
        raise StaleVersion(
            f"declaration {declaration.mrn} is at version {declaration.version}, "
            f"not {expected_version}",
            pointer="",
        )
    return declaration.version
