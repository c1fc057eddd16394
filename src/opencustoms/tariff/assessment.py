"""The calculation's result types live in the domain (a declaration carries its assessment);
re-exported here for the engine's readers."""

from opencustoms.domain.assessment import Assessment, ItemAssessment, QuotaDraw, TaxLine

__all__ = ["Assessment", "ItemAssessment", "QuotaDraw", "TaxLine"]
