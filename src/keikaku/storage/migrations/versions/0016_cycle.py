"""the yearly cycle: calls for actuals, departments' submissions, reminders; accounts get an e-mail address

Tables of issue 15's cycle (see ``keikaku.storage.cycle``).  ``users.email`` is where the reminders go.

Revision ID: 0016_cycle
Revises: 0015_event_imports
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016_cycle"
down_revision: str | Sequence[str] | None = "0015_event_imports"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create the tables and add the column."""
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("email", sa.String(length=320), nullable=True))
    op.create_table(
        "cycle_calls",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("fiscal_year", sa.Integer(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("remind_before_days", sa.Integer(), nullable=False),
        sa.Column("remind_after_days", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("opened_by", sa.String(length=200), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "remind_before_days >= 0 AND remind_before_days <= 90", name=op.f("ck_cycle_calls_before_days")
        ),
        sa.CheckConstraint(
            "remind_after_days >= 1 AND remind_after_days <= 90", name=op.f("ck_cycle_calls_after_days")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cycle_calls")),
        sa.UniqueConstraint("fiscal_year", name=op.f("uq_cycle_calls_fiscal_year")),
    )
    op.create_table(
        "cycle_submissions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("call_id", sa.Integer(), nullable=False),
        sa.Column("department", sa.String(length=200), nullable=False),
        sa.Column("submitted_by", sa.String(length=200), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("measured", sa.Integer(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("withdrawn_by", sa.String(length=200), nullable=True),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("withdraw_reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["call_id"], ["cycle_calls.id"], name=op.f("fk_cycle_submissions_call_id_cycle_calls"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cycle_submissions")),
        sa.UniqueConstraint("call_id", "department", name="uq_cycle_submissions_department"),
    )
    op.create_table(
        "cycle_reminders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("call_id", sa.Integer(), nullable=False),
        sa.Column("department", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("recipients", sa.Integer(), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("kind IN ('before', 'after')", name=op.f("ck_cycle_reminders_kind")),
        sa.ForeignKeyConstraint(
            ["call_id"], ["cycle_calls.id"], name=op.f("fk_cycle_reminders_call_id_cycle_calls"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cycle_reminders")),
        sa.UniqueConstraint("call_id", "department", "kind", name="uq_cycle_reminders_once"),
    )


def downgrade() -> None:
    """Drop the tables and the column."""
    op.drop_table("cycle_reminders")
    op.drop_table("cycle_submissions")
    op.drop_table("cycle_calls")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("email")
