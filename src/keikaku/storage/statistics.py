"""Planner statistics: ``ANALYZE`` after bulk loads and migrations, so that query plans do not depend on luck.

Without statistics SQLite guesses how selective an index is.  On the projects table it guessed that
``parent_id IS NULL`` was selective, when it matches almost every row, and chose that index for the plans
list and the dashboard.  The composite indexes of migration 0008 make the right plan the obvious one; the
statistics keep it so as data grows.

SQLite's ``ANALYZE`` runs with ``PRAGMA analysis_limit`` so that it samples each index instead of reading it
whole: a national database is analysed in about a second.  PostgreSQL's ``ANALYZE`` samples by itself.
"""

from sqlalchemy import Connection, Engine

#: Rows SQLite reads per index when analysing (0 would read them all).
SQLITE_ANALYSIS_LIMIT = 2000


def analyze_connection(conn: Connection) -> None:
    """Refresh the planner's statistics of every table, on the caller's connection."""
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql(f"PRAGMA analysis_limit={SQLITE_ANALYSIS_LIMIT}")
        conn.exec_driver_sql("ANALYZE")
        conn.exec_driver_sql("PRAGMA optimize")
    else:
        conn.exec_driver_sql("ANALYZE")


def analyze(engine: Engine) -> None:
    """Refresh the planner's statistics of every table (after a bulk load, an ingest or a migration)."""
    with engine.begin() as conn:
        analyze_connection(conn)
