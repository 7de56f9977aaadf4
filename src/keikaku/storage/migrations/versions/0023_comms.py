"""registry entries' startup and evidence file; the 産業視察先 directory

A listing's startup becomes an organisation (so a firm's page counts its listings), and any registry entry
may keep a file as evidence (stored as the actuals' attachments are).  The visit destinations of the
overseas site get their own table: they are places with a theme and languages, not listed firms.

Revision ID: 0023_comms
Revises: 0022_platweb
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0023_comms"
down_revision: str | Sequence[str] | None = "0022_platweb"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add the two columns (nullable: existing entries have neither) and create the table."""
    with op.batch_alter_table("activity_entries") as batch:
        batch.add_column(sa.Column("organisation_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("evidence_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            "fk_activity_entries_organisation_id_organisations",
            "organisations",
            ["organisation_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch.create_foreign_key(
            "fk_activity_entries_evidence_id_actual_attachments",
            "actual_attachments",
            ["evidence_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch.create_index("ix_activity_entries_organisation_id", ["organisation_id"])
    op.create_table(
        "visit_destinations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=400), nullable=False),
        sa.Column("folded", sa.String(length=400), nullable=False),
        sa.Column("prefecture", sa.String(length=20), nullable=True),
        sa.Column("theme", sa.String(length=400), nullable=True),
        sa.Column("languages", sa.String(length=200), nullable=True),
        sa.Column("contact", sa.String(length=400), nullable=True),
        sa.Column("search_text", sa.String(length=2000), nullable=False),
        sa.Column("department", sa.String(length=200), nullable=False),
        sa.Column("entered_by", sa.String(length=200), nullable=False),
        sa.Column("entered_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_visit_destinations")),
        sa.UniqueConstraint("folded", name=op.f("uq_visit_destinations_folded")),
    )


def downgrade() -> None:
    """Drop the table and the columns (evidence files stay in actual_attachments)."""
    op.drop_table("visit_destinations")
    with op.batch_alter_table("activity_entries") as batch:
        batch.drop_index("ix_activity_entries_organisation_id")
        batch.drop_constraint("fk_activity_entries_evidence_id_actual_attachments", type_="foreignkey")
        batch.drop_constraint("fk_activity_entries_organisation_id_organisations", type_="foreignkey")
        batch.drop_column("evidence_id")
        batch.drop_column("organisation_id")
