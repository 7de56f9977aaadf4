"""search: the full-text rows of new entries are written by the indexer in one statement per batch

On SQLite an AFTER INSERT trigger copied each new ``search_entries`` row into ``search_fts``.  FTS5 flushes
its pending terms at every statement boundary, and a trigger makes each row its own statement, so a
national build wrote one segment per row and spent most of its time merging them.  The indexer now fills
``search_fts`` itself, one ``INSERT … SELECT`` per batch (``services/search/index.py: _insert_entries``).
The delete and update triggers stay: they keep the full-text rows right whoever deletes an entry.
PostgreSQL reads the entries' own terms through a GIN index and is unchanged.

Revision ID: 0020_search_bulk
Revises: 0019_cycle_indexes
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0020_search_bulk"
down_revision: str | Sequence[str] | None = "0019_cycle_indexes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INSERT_TRIGGER = (
    "CREATE TRIGGER search_entries_ai AFTER INSERT ON search_entries BEGIN "
    "INSERT INTO search_fts(rowid, title_terms, body_terms, facets) "
    "VALUES (new.id, new.title_terms, new.body_terms, new.facets); END"
)


def upgrade() -> None:
    """Drop the per-row insert trigger (SQLite)."""
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS search_entries_ai")


def downgrade() -> None:
    """Bring the per-row insert trigger back (SQLite)."""
    if op.get_bind().dialect.name == "sqlite":
        op.execute(INSERT_TRIGGER)
