"""a registration names the person it counts as

``event_registrations.identity_id``: the person record of the same person's earlier registration (the same
e-mail), so that a measure over several events counts a person who came to two of them once.  No foreign key
(SQLite cannot add one without rebuilding the table and those that point at it); person records are never
deleted.  Existing registrations stay as they were (each its own person), as they were counted.

Revision ID: 0026_ev12
Revises: 0025_case_list_index
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0026_ev12"
down_revision: str | Sequence[str] | None = "0025_case_list_index"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add the column."""
    op.add_column("event_registrations", sa.Column("identity_id", sa.Integer(), nullable=True))


def downgrade() -> None:
    """Drop it."""
    with op.batch_alter_table("event_registrations") as batch:
        batch.drop_column("identity_id")
