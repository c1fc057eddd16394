"""The SQL repositories, in one place for ``bootstrap``."""

from opencustoms.adapters.db.declarations import SqlDeclarationRepository
from opencustoms.adapters.db.parties import SqlPartyRepository, SqlRejectionLog
from opencustoms.adapters.db.reference import ReferenceDataMissing, SqlReferenceRepository

__all__ = [
    "ReferenceDataMissing",
    "SqlDeclarationRepository",
    "SqlPartyRepository",
    "SqlReferenceRepository",
    "SqlRejectionLog",
]
