"""merge the actuals, web and accounts branches into one line

Revision ID: 0005_merge
Revises: 0002_actuals, 0003_web, 0004_accounts
"""

from collections.abc import Sequence

revision: str = "0005_merge"
down_revision: str | Sequence[str] | None = ("0002_actuals", "0003_web", "0004_accounts")
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Nothing to change: the three branches touch separate tables."""


def downgrade() -> None:
    """Nothing to change."""
