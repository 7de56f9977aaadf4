"""Storage: SQLAlchemy tables, repositories (which never commit), Alembic migrations."""
