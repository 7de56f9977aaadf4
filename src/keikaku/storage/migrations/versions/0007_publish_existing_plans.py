"""publish the plans stored before publication states existed

Until publication states were enforced, every stored plan was shown to everyone.  So that upgrading does
not silently withdraw them from the public, each plan without a publication row gets one saying it is
published, with one audit entry for the whole step.  Evaluations stay drafts until published.

Revision ID: 0007_publish_existing_plans
Revises: 0006_plan_issuer_index
"""

import datetime as dt
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007_publish_existing_plans"
down_revision: str | Sequence[str] | None = "0006_plan_issuer_index"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

REASON = "公開状態の管理を始める前から公開されていた計画"


def upgrade() -> None:
    """Add a 'published' row for every plan that has no publication row yet."""
    bind = op.get_bind()
    rows = bind.execute(
        sa.text(
            "SELECT p.id, p.fiscal_year FROM plans p WHERE NOT EXISTS ("
            "SELECT 1 FROM publications x WHERE x.object_type = 'plan' AND x.object_id = p.id) ORDER BY p.id"
        )
    ).all()
    if not rows:
        return
    now = dt.datetime.now(dt.UTC)
    publications = sa.table(
        "publications",
        sa.column("object_type", sa.String),
        sa.column("object_id", sa.Integer),
        sa.column("fiscal_year", sa.Integer),
        sa.column("state", sa.String),
        sa.column("changed_by", sa.String),
        sa.column("changed_at", sa.DateTime(timezone=True)),
        sa.column("reason", sa.Text),
    )
    op.bulk_insert(
        publications,
        [
            {
                "object_type": "plan",
                "object_id": plan_id,
                "fiscal_year": year,
                "state": "published",
                "changed_by": "system",
                "changed_at": now,
                "reason": REASON,
            }
            for plan_id, year in rows
        ],
    )
    audit = sa.table(
        "audit_log",
        sa.column("at", sa.DateTime(timezone=True)),
        sa.column("actor", sa.String),
        sa.column("action", sa.String),
        sa.column("object_type", sa.String),
        sa.column("object_id", sa.String),
        sa.column("after", sa.JSON),
        sa.column("reason", sa.Text),
    )
    op.bulk_insert(
        audit,
        [
            {
                "at": now,
                "actor": "system",
                "action": "plan.publish_existing",
                "object_type": "plan",
                "object_id": None,
                "after": {"plan_ids": [plan_id for plan_id, _ in rows]},
                "reason": REASON,
            }
        ],
    )


def downgrade() -> None:
    """Nothing to undo: publication rows are append-only history."""
