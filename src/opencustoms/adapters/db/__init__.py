"""Database adapter: SQLAlchemy tables, repositories, unit of work and Alembic migrations.

SQLite (WAL) is the embedded default; PostgreSQL is the production store (DESIGN.md §7).
"""
