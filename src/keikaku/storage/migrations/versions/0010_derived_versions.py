"""version tokens of derived data

The status cache and the search index follow ``derived_versions``: every write that changes their inputs
gives its plan (and fiscal year) a new random token in the same transaction (see
``keikaku.storage.derived``).

Revision ID: 0010_derived_versions
Revises: 0009_events
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010_derived_versions"
down_revision: str | Sequence[str] | None = "0009_events"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create the table (empty: a scope without a row has never changed since the upgrade)."""
    op.create_table(
        "derived_versions",
        sa.Column("scope", sa.String(64), primary_key=True),
        sa.Column("token", sa.String(32), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    """Drop the table."""
    op.drop_table("derived_versions")
