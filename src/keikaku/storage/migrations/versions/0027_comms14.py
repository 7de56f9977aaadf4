"""a directory's firms indexed by their facets

A directory's search counts its firms by (prefecture, industry, award) and, with a prefecture chosen,
reads that prefecture's firms.  With the index on ``directory`` alone, both read every firm of the
directory from the table and sort them; with ``(directory, prefecture, industry, award)`` the counts are
read from the index in its order and a chosen prefecture's firms are found through it.  It replaces the
index on ``directory``, which it serves as well.

Revision ID: 0027_comms14
Revises: 0026_coordinators
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0027_comms14"
down_revision: str | Sequence[str] | None = "0026_coordinators"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Replace the index."""
    op.create_index(
        "ix_directory_entries_facets", "directory_entries", ["directory", "prefecture", "industry", "award"]
    )
    op.drop_index("ix_directory_entries_directory", table_name="directory_entries")


def downgrade() -> None:
    """Bring the index on ``directory`` back."""
    op.create_index("ix_directory_entries_directory", "directory_entries", ["directory"])
    op.drop_index("ix_directory_entries_facets", table_name="directory_entries")
