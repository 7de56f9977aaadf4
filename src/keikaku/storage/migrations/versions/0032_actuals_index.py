"""drop ``ix_actual_values_kpi_id``: the unique ``(kpi_id, fiscal_year, month, version)`` serves its lookups

Every lookup of a KPI's values (a project page, the evaluation, the cascade when a KPI is deleted) finds them
by the leading ``kpi_id`` of ``uq_actual_values_version`` as well as by the single-column index, so the latter
only cost space and work on every write of an actual value.  No data changes.

Revision ID: 0032_actuals_index
Revises: 0031_visibility
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0032_actuals_index"
down_revision: str | Sequence[str] | None = "0031_visibility"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Drop the index the unique constraint makes redundant."""
    op.drop_index("ix_actual_values_kpi_id", table_name="actual_values")


def downgrade() -> None:
    """Create it again."""
    op.create_index("ix_actual_values_kpi_id", "actual_values", ["kpi_id"], unique=False)
