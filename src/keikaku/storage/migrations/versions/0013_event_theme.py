"""an event's theme

A plan names the theme of an event (``テーマ：…``); it is a fact of the event, shown on the project page and
found by search.

Revision ID: 0013_event_theme
Revises: 0012_communications
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013_event_theme"
down_revision: str | Sequence[str] | None = "0012_communications"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add the nullable column (existing events have no theme until their plan is read again)."""
    with op.batch_alter_table("events") as batch:
        batch.add_column(sa.Column("theme", sa.String(400), nullable=True))


def downgrade() -> None:
    """Drop the column."""
    with op.batch_alter_table("events") as batch:
        batch.drop_column("theme")
