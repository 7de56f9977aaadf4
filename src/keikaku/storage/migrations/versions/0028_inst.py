"""equipment lists uploaded for a preview, kept until they are imported

The staff page of an institution previews an uploaded equipment list (what would be added, updated and
withdrawn, and every error) and imports the same bytes when the button is pressed; ``lab_equipment_uploads``
holds them in between.

Revision ID: 0028_inst
Revises: 0027_comms14
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0028_inst"
down_revision: str | Sequence[str] | None = "0027_comms14"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create the table."""
    op.create_table(
        "lab_equipment_uploads",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("institution_id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("report", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("uploaded_by", sa.String(length=200), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('staged', 'committed', 'discarded')", name=op.f("ck_lab_equipment_uploads_status")
        ),
        sa.ForeignKeyConstraint(
            ["institution_id"],
            ["platform_institutions.id"],
            name=op.f("fk_lab_equipment_uploads_institution_id_platform_institutions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lab_equipment_uploads")),
    )
    op.create_index(
        op.f("ix_lab_equipment_uploads_institution_id"), "lab_equipment_uploads", ["institution_id"], unique=False
    )


def downgrade() -> None:
    """Drop the table."""
    op.drop_index(op.f("ix_lab_equipment_uploads_institution_id"), table_name="lab_equipment_uploads")
    op.drop_table("lab_equipment_uploads")
