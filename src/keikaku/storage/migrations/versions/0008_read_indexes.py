"""indexes the read paths can rely on, and planner statistics

The plans list, the dashboard's year budgets and budget by challenge read the top-level projects of a set of
plans (``plan_id IN (…) AND parent_id IS NULL``).  ``projects(plan_id, parent_id)`` serves both conditions
at once.

Columns that are NULL on almost every row (a project's ``parent_id``, a KPI's ``vision_id`` and
``initiative_id``) had plain indexes.  Such an index is a trap for the planner: ``parent_id IS NULL``
matches most of the table through it, and once the statistics say that most rows share one key (NULL),
SQLite stops using ``kpis(vision_id)`` for ``vision_id = ?`` and scans the 1.9 M KPIs instead.  They become
partial indexes of the rows where the column is set: an equality (a project's components, the vision's
targets) still uses them, and ``IS NULL`` cannot, whatever the statistics say.

The statistics are refreshed at the end (``keikaku.storage.migrate.upgrade`` also analyses after every run
that changed the schema; this covers databases migrated by plain Alembic).

Revision ID: 0008_read_indexes
Revises: 0007_publish_existing_plans
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_read_indexes"
down_revision: str | Sequence[str] | None = "0007_publish_existing_plans"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: (index, table, column) of the columns that are NULL on almost every row.
SPARSE: tuple[tuple[str, str, str], ...] = (
    ("ix_projects_parent_id", "projects", "parent_id"),
    ("ix_kpis_vision_id", "kpis", "vision_id"),
    ("ix_kpis_initiative_id", "kpis", "initiative_id"),
)


def upgrade() -> None:
    """Add the composite index, make the sparse indexes partial, refresh the planner's statistics."""
    op.create_index("ix_projects_plan_parent", "projects", ["plan_id", "parent_id"])
    for name, table, column in SPARSE:
        op.drop_index(name, table_name=table)
        where = sa.text(f"{column} IS NOT NULL")
        op.create_index(name, table, [column], sqlite_where=where, postgresql_where=where)
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        bind.exec_driver_sql("PRAGMA analysis_limit=2000")
    bind.exec_driver_sql("ANALYZE")


def downgrade() -> None:
    """Back to plain indexes, without the composite one."""
    for name, table, column in reversed(SPARSE):
        op.drop_index(name, table_name=table)
        op.create_index(name, table, [column])
    op.drop_index("ix_projects_plan_parent", table_name="projects")
