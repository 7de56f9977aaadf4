"""an index on a department's project links, for the yearly cycle's checklist

A department's checklist reads its KPIs from the department's side (its project links, then their
components); the primary key of ``project_departments`` (project, department) serves only a project's
links, so without this index every checklist scanned the year's KPIs.

Revision ID: 0019_cycle_indexes
Revises: 0018_document_files
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0019_cycle_indexes"
down_revision: str | Sequence[str] | None = "0018_document_files"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create the index."""
    op.create_index("ix_project_departments_department_id", "project_departments", ["department_id"])


def downgrade() -> None:
    """Drop the index."""
    op.drop_index("ix_project_departments_department_id", table_name="project_departments")
