"""index plans by issuer and fiscal year

The evaluation and the pages look plans up by issuer and year (a municipality's previous year, the home
issuer's plan); with every municipality's plans loaded that needs an index.

Revision ID: 0006_plan_issuer_index
Revises: 0005_merge
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0006_plan_issuer_index"
down_revision: str | Sequence[str] | None = "0005_merge"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add the index."""
    op.create_index("ix_plans_issuer_fiscal_year", "plans", ["issuer", "fiscal_year"])


def downgrade() -> None:
    """Drop the index."""
    op.drop_index("ix_plans_issuer_fiscal_year", table_name="plans")
