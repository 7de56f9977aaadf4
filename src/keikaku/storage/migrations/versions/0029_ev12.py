"""a registration names the person it counts as

``event_registrations.identity_id``: the person record of the same person's earlier registration (the same
e-mail), so that a measure over several events counts a person who came to two of them once.  No foreign key
(SQLite cannot add one without rebuilding the table and those that point at it); person records are never
deleted.  Existing registrations stay as they were (each its own person), as they were counted.

``kpi_measure_events``: the events of each measure version as rows (its ``event_ids``), so that a write of an
event's records finds the KPIs bound to that event by an index; filled here from the measures there are.

Revision ID: 0029_ev12
Revises: 0028_inst
"""

import json
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0029_ev12"
down_revision: str | Sequence[str] | None = "0028_inst"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add the column and the table, and fill the table."""
    op.add_column("event_registrations", sa.Column("identity_id", sa.Integer(), nullable=True))
    table = op.create_table(
        "kpi_measure_events",
        sa.Column("measure_id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["measure_id"],
            ["kpi_measures.id"],
            name=op.f("fk_kpi_measure_events_measure_id_kpi_measures"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("measure_id", "event_id", name=op.f("pk_kpi_measure_events")),
    )
    op.create_index(op.f("ix_kpi_measure_events_event_id"), "kpi_measure_events", ["event_id"])
    rows: list[dict[str, int]] = []
    for measure_id, event_ids in op.get_bind().execute(sa.text("SELECT id, event_ids FROM kpi_measures")):
        found = json.loads(event_ids) if isinstance(event_ids, str) else event_ids
        rows.extend({"measure_id": measure_id, "event_id": int(e)} for e in sorted({int(e) for e in found or []}))
    if rows:
        op.bulk_insert(table, rows)


def downgrade() -> None:
    """Drop them."""
    op.drop_index(op.f("ix_kpi_measure_events_event_id"), table_name="kpi_measure_events")
    op.drop_table("kpi_measure_events")
    with op.batch_alter_table("event_registrations") as batch:
        batch.drop_column("identity_id")
