"""Tariff, customs valuation, duties and taxes (DESIGN.md C3): a pure engine, no I/O."""
