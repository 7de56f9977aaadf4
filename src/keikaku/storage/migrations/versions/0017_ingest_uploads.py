"""documents uploaded in the browser or through the API, waiting for review before they are stored

Revision ID: 0017_ingest_uploads
Revises: 0016_cycle
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017_ingest_uploads"
down_revision: str | Sequence[str] | None = "0016_cycle"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create the table."""
    op.create_table(
        "ingest_uploads",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("review", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("uploaded_by", sa.String(length=200), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("status IN ('staged', 'stored', 'discarded')", name=op.f("ck_ingest_uploads_status")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ingest_uploads")),
    )


def downgrade() -> None:
    """Drop the table."""
    op.drop_table("ingest_uploads")
