"""Inserting many plain rows in the caller's transaction, without per-row ORM or Core work.

PostgreSQL: one ``COPY … FROM STDIN`` (psycopg adapts each value as it would a bound parameter); SQLite
and any other backend: one DBAPI ``executemany``.  For rows whose ids nobody needs back (metrics,
check-in marks): 100,000 of them take a fraction of a second instead of seconds.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Connection, Table

from keikaku.storage.base import Base


def sa_table(model: type[Base]) -> Table:
    """The Core table of a mapped class (for inserts without the ORM's per-row work)."""
    table = model.__table__
    assert isinstance(table, Table)
    return table


def insert_rows(conn: Connection, table: Table, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """Insert ``rows`` (tuples in the order of ``columns``) into ``table`` through ``conn``'s transaction."""
    for name in columns:  # the names go into the statement: they must be the table's own
        if name not in table.c:
            raise ValueError(f"{table.name} has no column {name!r}")
    dbapi: Any = conn.connection.dbapi_connection  # psycopg's or sqlite3's own connection
    assert dbapi is not None
    quote = conn.dialect.identifier_preparer.quote
    names = ", ".join(quote(c) for c in columns)
    if conn.dialect.name == "postgresql":
        with dbapi.cursor() as cursor, cursor.copy(f"COPY {quote(table.name)} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return
    marks = ", ".join("?" if conn.dialect.paramstyle == "qmark" else "%s" for _ in columns)
    # Each value bound as SQLAlchemy binds it (a date as the dialect stores dates), only where it differs.
    processors = [
        (i, p)
        for i, c in enumerate(columns)
        if (p := table.c[c].type.dialect_impl(conn.dialect).bind_processor(conn.dialect))
    ]
    if processors:
        rows = (_processed(row, processors) for row in rows)
    cursor = dbapi.cursor()
    try:
        cursor.executemany(f"INSERT INTO {quote(table.name)} ({names}) VALUES ({marks})", rows)
    finally:
        cursor.close()


def _processed(row: Sequence[Any], processors: list[tuple[int, Any]]) -> list[Any]:
    values = list(row)
    for index, process in processors:
        values[index] = process(values[index])
    return values
