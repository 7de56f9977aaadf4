"""the case list's index holds the status too

The case list pages newest first (``opened_on``), usually within a status group (対応中 / 完了).  With the
index on ``opened_on`` alone, every case walked to a deep page, and every case counted, was read from the
table to test its status; with ``(opened_on, status)`` the page's ids and the group's count come from the
index.  It replaces the index on ``opened_on``, which it serves as well.

Revision ID: 0025_case_list_index
Revises: 0024_events
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0025_case_list_index"
down_revision: str | Sequence[str] | None = "0024_events"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Replace the index."""
    op.create_index("ix_platform_cases_opened_on_status", "platform_cases", ["opened_on", "status"])
    op.drop_index("ix_platform_cases_opened_on", table_name="platform_cases")


def downgrade() -> None:
    """Bring the index on ``opened_on`` back."""
    op.create_index("ix_platform_cases_opened_on", "platform_cases", ["opened_on"])
    op.drop_index("ix_platform_cases_opened_on_status", table_name="platform_cases")
