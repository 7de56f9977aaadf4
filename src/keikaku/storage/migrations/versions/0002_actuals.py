"""actual values, qualitative judgements, evaluation settings and runs

Revision ID: 0002_actuals
Revises: 0001_core
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002_actuals"
down_revision: str | Sequence[str] | None = "0001_core"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "actual_attachments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=400), nullable=False),
        sa.Column("media_type", sa.String(length=200), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("uploaded_by", sa.String(length=200), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_actual_attachments")),
    )
    op.create_index(op.f("ix_actual_attachments_sha256"), "actual_attachments", ["sha256"], unique=False)
    op.create_table(
        "evaluation_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("fiscal_year", sa.Integer(), nullable=False),
        sa.Column("settings", sa.JSON(), nullable=False),
        sa.Column("summary", sa.JSON(), nullable=False),
        sa.Column("run_by", sa.String(length=200), nullable=False),
        sa.Column("run_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["plan_id"], ["plans.id"], name=op.f("fk_evaluation_runs_plan_id_plans"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evaluation_runs")),
    )
    op.create_index(op.f("ix_evaluation_runs_fiscal_year"), "evaluation_runs", ["fiscal_year"], unique=False)
    op.create_index(op.f("ix_evaluation_runs_plan_id"), "evaluation_runs", ["plan_id"], unique=False)
    op.create_table(
        "evaluation_settings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("mostly_achieved", sa.Float(), nullable=False),
        sa.Column("ratings", sa.JSON(), nullable=False),
        sa.Column("score_cap", sa.Float(), nullable=False),
        sa.Column("missing_as_zero", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("entered_by", sa.String(length=200), nullable=False),
        sa.Column("entered_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "mostly_achieved > 0 AND mostly_achieved <= 1", name=op.f("ck_evaluation_settings_mostly_range")
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"], ["plans.id"], name=op.f("fk_evaluation_settings_plan_id_plans"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evaluation_settings")),
        sa.UniqueConstraint("plan_id", "version", name="uq_evaluation_settings_version"),
    )
    op.create_index(op.f("ix_evaluation_settings_plan_id"), "evaluation_settings", ["plan_id"], unique=False)
    op.create_table(
        "actual_values",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kpi_id", sa.Integer(), nullable=False),
        sa.Column("fiscal_year", sa.Integer(), nullable=False),
        sa.Column("month", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("numerator", sa.Float(), nullable=True),
        sa.Column("denominator", sa.Float(), nullable=True),
        sa.Column("measured_on", sa.Date(), nullable=True),
        sa.Column("evidence_text", sa.Text(), nullable=True),
        sa.Column("evidence_url", sa.String(length=2000), nullable=True),
        sa.Column("attachment_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("entered_by", sa.String(length=200), nullable=False),
        sa.Column("entered_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("month >= 0 AND month <= 12", name=op.f("ck_actual_values_month_range")),
        sa.CheckConstraint("version >= 1", name=op.f("ck_actual_values_version_positive")),
        sa.ForeignKeyConstraint(
            ["attachment_id"],
            ["actual_attachments.id"],
            name=op.f("fk_actual_values_attachment_id_actual_attachments"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(["kpi_id"], ["kpis.id"], name=op.f("fk_actual_values_kpi_id_kpis"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_actual_values")),
        sa.UniqueConstraint("kpi_id", "fiscal_year", "month", "version", name="uq_actual_values_version"),
    )
    op.create_index(op.f("ix_actual_values_kpi_id"), "actual_values", ["kpi_id"], unique=False)
    op.create_index("ix_actual_values_year", "actual_values", ["fiscal_year", "kpi_id"], unique=False)
    op.create_table(
        "qualitative_judgements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kpi_id", sa.Integer(), nullable=True),
        sa.Column("project_id", sa.Integer(), nullable=True),
        sa.Column("fiscal_year", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("rationale", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("entered_by", sa.String(length=200), nullable=False),
        sa.Column("entered_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("status IN ('達成', '概ね達成', '未達')", name=op.f("ck_qualitative_judgements_status")),
        sa.CheckConstraint(
            "(CASE WHEN kpi_id IS NULL THEN 0 ELSE 1 END) + (CASE WHEN project_id IS NULL THEN 0 ELSE 1 END) = 1",
            name=op.f("ck_qualitative_judgements_one_subject"),
        ),
        sa.CheckConstraint("version >= 1", name=op.f("ck_qualitative_judgements_version_positive")),
        sa.ForeignKeyConstraint(
            ["kpi_id"], ["kpis.id"], name=op.f("fk_qualitative_judgements_kpi_id_kpis"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_qualitative_judgements_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_qualitative_judgements")),
    )
    op.create_index(op.f("ix_qualitative_judgements_kpi_id"), "qualitative_judgements", ["kpi_id"], unique=False)
    op.create_index(
        op.f("ix_qualitative_judgements_project_id"), "qualitative_judgements", ["project_id"], unique=False
    )
    op.create_index("ix_qualitative_judgements_year", "qualitative_judgements", ["fiscal_year"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_qualitative_judgements_year", table_name="qualitative_judgements")
    op.drop_index(op.f("ix_qualitative_judgements_project_id"), table_name="qualitative_judgements")
    op.drop_index(op.f("ix_qualitative_judgements_kpi_id"), table_name="qualitative_judgements")
    op.drop_table("qualitative_judgements")
    op.drop_index("ix_actual_values_year", table_name="actual_values")
    op.drop_index(op.f("ix_actual_values_kpi_id"), table_name="actual_values")
    op.drop_table("actual_values")
    op.drop_index(op.f("ix_evaluation_settings_plan_id"), table_name="evaluation_settings")
    op.drop_table("evaluation_settings")
    op.drop_index(op.f("ix_evaluation_runs_plan_id"), table_name="evaluation_runs")
    op.drop_index(op.f("ix_evaluation_runs_fiscal_year"), table_name="evaluation_runs")
    op.drop_table("evaluation_runs")
    op.drop_index(op.f("ix_actual_attachments_sha256"), table_name="actual_attachments")
    op.drop_table("actual_attachments")
