"""Planner statistics: ``ANALYZE`` after bulk loads and migrations, so that query plans do not depend on luck.

Without statistics SQLite guesses how selective an index is.  On the projects table it guessed that
``parent_id IS NULL`` was selective, when it matches almost every row, and chose that index for the plans
list and the dashboard.  The composite indexes of migration 0008 make the right plan the obvious one; the
statistics keep it so as data grows.

SQLite's ``ANALYZE`` reads each index whole (``PRAGMA analysis_limit=0``): 2.5 s on a national database.
A sample (``analysis_limit=2000``, about a second) was tried first and gave wrong figures for the columns that
matter: it reads an index from its start, so for a column of few values (a project's department, its
challenge) it sees one value and guesses that each value is rare.  SQLite then took
``project_departments.department_id`` for a selective index and read all 712,000 rows of the table for a
year's evaluation.  PostgreSQL's ``ANALYZE`` samples at random by itself.
"""

from sqlalchemy import Connection, Engine

#: Rows SQLite reads per index when analysing: 0, all of them (see the module).
SQLITE_ANALYSIS_LIMIT = 0


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
