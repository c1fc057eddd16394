"""Tariff importers and the duty calculation on real tariff data (``../shared/data``)."""
