"""stored per-plan aggregates

The plans list and the dashboard's year budgets read ``plan_aggregates`` (see
``keikaku.storage.aggregates``) instead of summing the projects of every plan they show.  The table is
filled here from the rows already stored; from then on every write of a plan, a project or a KPI
recomputes its plan's row in the same transaction.

Revision ID: 0014_plan_aggregates
Revises: 0013_event_theme
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014_plan_aggregates"
down_revision: str | Sequence[str] | None = "0013_event_theme"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create the table and fill it from the stored plans."""
    from keikaku.storage.aggregates import refresh_all

    op.create_table(
        "plan_aggregates",
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("project_count", sa.Integer(), nullable=False),
        sa.Column("listed_total", sa.BigInteger(), nullable=False),
        sa.Column("listed_known", sa.Integer(), nullable=False),
        sa.Column("listed_counted", sa.Integer(), nullable=False),
        sa.Column("components_ok", sa.Boolean(), nullable=False),
        sa.Column("kpi_count", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["plan_id"], ["plans.id"], name="fk_plan_aggregates_plan_id_plans", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("plan_id", name="pk_plan_aggregates"),
    )
    refresh_all(op.get_bind())


def downgrade() -> None:
    """Drop the table."""
    op.drop_table("plan_aggregates")
