"""Storage: SQLAlchemy 2 (Core) on SQLite or PostgreSQL, migrated by Alembic."""
