"""``INSERT … ON CONFLICT`` on the two databases keikaku runs on: the one place that picks the dialect's insert.

Both SQLite and PostgreSQL have the clause, but SQLAlchemy builds it from each dialect's own ``insert``.  A
row that concurrent transactions may both write (a derived data token, the search index's signature, a
reminder claimed once) is written so, never as a delete then an insert: on PostgreSQL the second of two such
transactions waits for the first, and its insert then meets the row the first inserted (a unique violation),
where an upsert updates it.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session


def dialect_insert(bind: Connection | Session, table: Any) -> postgresql.Insert | sqlite.Insert:
    """An ``INSERT`` into ``table`` (a mapped class or a table) that takes ``on_conflict_do_…`` on ``bind``'s
    database."""
    dialect = bind.get_bind().dialect.name if isinstance(bind, Session) else bind.dialect.name
    return postgresql.insert(table) if dialect == "postgresql" else sqlite.insert(table)


def upsert(bind: Connection | Session, table: Any, rows: list[dict[str, Any]], key: str) -> None:
    """Insert ``rows`` into ``table``; a row whose ``key`` is already there gets the other values given."""
    stmt = dialect_insert(bind, table).values(rows)
    changed = {name: stmt.excluded[name] for name in rows[0] if name != key}
    bind.execute(stmt.on_conflict_do_update(index_elements=[key], set_=changed))
