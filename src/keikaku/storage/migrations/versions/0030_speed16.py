"""the plans of a fiscal year found by part of the issuer's name from an index alone

``GET /api/v1/plans?fiscal_year=…&issuer=…`` (and the plans page) match part of the issuer's name
(``issuer LIKE '%…%'``), which no index can seek.  Through ``plans(fiscal_year)`` SQLite read each of the
year's 1,788 national plans from the table to test its issuer, twice a request (the count and the page).
``plans(fiscal_year, issuer, revision)`` holds what the test and the newest-revision condition read: the
year's entries are tested in the index, and only the plans that match are read (2 ms → 0.3 ms).

Revision ID: 0030_speed16
Revises: 0029_ev12
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0030_speed16"
down_revision: str | Sequence[str] | None = "0029_ev12"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add the index and analyse it (the planner picks it by its statistics)."""
    op.create_index("ix_plans_fiscal_year_issuer", "plans", ["fiscal_year", "issuer", "revision"])
    op.get_bind().exec_driver_sql("ANALYZE plans")


def downgrade() -> None:
    """Drop the index."""
    op.drop_index("ix_plans_fiscal_year_issuer", table_name="plans")
