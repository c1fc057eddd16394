"""Adapters: concrete implementations of the services' ports (database, file formats)."""
