"""the co-creation platform: institutions, consultations, seeds and needs, interviews, かんさいラボサーチ

Tables of issue 13 (see ``keikaku.storage.platform``).  The KPI measure kinds over them
(``platform_cases`` …) are allowed by 0012_communications, which changes ``kpi_measures`` once, keeping the
rows that refer to it (a plain SQLite table rebuild would cascade-delete the computed actuals).

Revision ID: 0011_platform
Revises: 0010_derived_versions
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011_platform"
down_revision: str | Sequence[str] | None = "0010_derived_versions"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create the tables."""
    op.create_table(
        "platform_institutions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=400), nullable=False),
        sa.Column("prefecture", sa.String(length=20), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("contact", sa.String(length=400), nullable=True),
        sa.Column("fee_rule", sa.JSON(), nullable=False),
        sa.CheckConstraint("kind IN ('公設試', '支援機関', '大学')", name=op.f("ck_platform_institutions_kind")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_platform_institutions")),
        sa.UniqueConstraint("name", name=op.f("uq_platform_institutions_name")),
    )
    op.create_table(
        "lab_equipment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("institution_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=400), nullable=False),
        sa.Column("name", sa.String(length=400), nullable=False),
        sa.Column("category", sa.String(length=100), nullable=False),
        sa.Column("maker", sa.String(length=200), nullable=True),
        sa.Column("model", sa.String(length=200), nullable=True),
        sa.Column("specification", sa.Text(), nullable=True),
        sa.Column("mode", sa.String(length=10), nullable=False),
        sa.Column("fee", sa.Float(), nullable=True),
        sa.Column("fee_unit", sa.String(length=40), nullable=True),
        sa.Column("requirements", sa.String(length=400), nullable=True),
        sa.Column("updated_on", sa.Date(), nullable=False),
        sa.Column("withdrawn", sa.Boolean(), nullable=False),
        sa.Column("search_text", sa.Text(), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("row_version", sa.Integer(), nullable=False),
        sa.CheckConstraint("mode IN ('機器使用', '依頼試験', '技術相談')", name=op.f("ck_lab_equipment_mode")),
        sa.CheckConstraint("fee IS NULL OR fee >= 0", name=op.f("ck_lab_equipment_fee")),
        sa.ForeignKeyConstraint(
            ["institution_id"],
            ["platform_institutions.id"],
            name=op.f("fk_lab_equipment_institution_id_platform_institutions"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lab_equipment")),
        sa.UniqueConstraint("institution_id", "key", name="uq_lab_equipment_key"),
    )
    op.create_table(
        "platform_cases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("institution_id", sa.Integer(), nullable=True),
        sa.Column("topic", sa.String(length=400), nullable=False),
        sa.Column("field", sa.String(length=100), nullable=False),
        sa.Column("phase", sa.String(length=20), nullable=False),
        sa.Column("coordinator", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=True),
        sa.Column("opened_on", sa.Date(), nullable=False),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "outcome IS NULL OR outcome IN ('解決', '継続', '他機関紹介', '依頼試験へ', '共同研究へ', '事業化')",
            name=op.f("ck_platform_cases_outcome"),
        ),
        sa.CheckConstraint("phase IN ('基礎研究', '技術開発', '実証', '事業化')", name=op.f("ck_platform_cases_phase")),
        sa.CheckConstraint("status IN ('受付', '対応中', '保留', '完了')", name=op.f("ck_platform_cases_status")),
        sa.ForeignKeyConstraint(
            ["institution_id"],
            ["platform_institutions.id"],
            name=op.f("fk_platform_cases_institution_id_platform_institutions"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_platform_cases_organisation_id_organisations"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_platform_cases")),
    )
    with op.batch_alter_table("platform_cases", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_platform_cases_coordinator"), ["coordinator"], unique=False)
        batch_op.create_index("ix_platform_cases_opened_on", ["opened_on"], unique=False)
        batch_op.create_index(batch_op.f("ix_platform_cases_organisation_id"), ["organisation_id"], unique=False)

    op.create_table(
        "platform_seeds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("institution_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("title", sa.String(length=400), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("field", sa.String(length=100), nullable=True),
        sa.Column("phase", sa.String(length=20), nullable=True),
        sa.CheckConstraint("kind IN ('技術', '研究テーマ', '設備', 'サービス')", name=op.f("ck_platform_seeds_kind")),
        sa.CheckConstraint(
            "phase IS NULL OR phase IN ('基礎研究', '技術開発', '実証', '事業化')", name=op.f("ck_platform_seeds_phase")
        ),
        sa.ForeignKeyConstraint(
            ["institution_id"],
            ["platform_institutions.id"],
            name=op.f("fk_platform_seeds_institution_id_platform_institutions"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_platform_seeds")),
    )
    op.create_table(
        "platform_case_activities",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("on", sa.Date(), nullable=False),
        sa.Column("body", sa.Text(), nullable=True),
        sa.Column("author", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "kind IN ('相談', '訪問', '公設試紹介', '依頼試験', '共同研究', '面談', 'メモ', '引継ぎ', '状態変更')",
            name=op.f("ck_platform_case_activities_kind"),
        ),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["platform_cases.id"],
            name=op.f("fk_platform_case_activities_case_id_platform_cases"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_platform_case_activities")),
    )
    with op.batch_alter_table("platform_case_activities", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_platform_case_activities_case_id"), ["case_id"], unique=False)

    op.create_table(
        "platform_needs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("organisation_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(length=400), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("field", sa.String(length=100), nullable=True),
        sa.Column("phase", sa.String(length=20), nullable=True),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.CheckConstraint(
            "phase IS NULL OR phase IN ('基礎研究', '技術開発', '実証', '事業化')", name=op.f("ck_platform_needs_phase")
        ),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["platform_cases.id"],
            name=op.f("fk_platform_needs_case_id_platform_cases"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_platform_needs_organisation_id_organisations"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_platform_needs")),
    )
    with op.batch_alter_table("platform_needs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_platform_needs_case_id"), ["case_id"], unique=False)

    op.create_table(
        "platform_interviews",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("need_id", sa.Integer(), nullable=False),
        sa.Column("seed_id", sa.Integer(), nullable=False),
        sa.Column("on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("firm_participants", sa.String(length=400), nullable=False),
        sa.Column("institution_participants", sa.String(length=400), nullable=False),
        sa.Column("outcome", sa.Text(), nullable=True),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.CheckConstraint("status IN ('予定', '実施', '中止', '不参加')", name=op.f("ck_platform_interviews_status")),
        sa.ForeignKeyConstraint(
            ["need_id"],
            ["platform_needs.id"],
            name=op.f("fk_platform_interviews_need_id_platform_needs"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["seed_id"],
            ["platform_seeds.id"],
            name=op.f("fk_platform_interviews_seed_id_platform_seeds"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_platform_interviews")),
    )
    with op.batch_alter_table("platform_interviews", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_platform_interviews_need_id"), ["need_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_platform_interviews_on"), ["on"], unique=False)
        batch_op.create_index(batch_op.f("ix_platform_interviews_seed_id"), ["seed_id"], unique=False)

    op.create_table(
        "platform_match_decisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("need_id", sa.Integer(), nullable=False),
        sa.Column("seed_id", sa.Integer(), nullable=False),
        sa.Column("decision", sa.String(length=10), nullable=False),
        sa.Column("decided_by", sa.String(length=200), nullable=False),
        sa.Column("decided_on", sa.Date(), nullable=False),
        sa.CheckConstraint("decision IN ('accepted', 'rejected')", name=op.f("ck_platform_match_decisions_decision")),
        sa.ForeignKeyConstraint(
            ["need_id"],
            ["platform_needs.id"],
            name=op.f("fk_platform_match_decisions_need_id_platform_needs"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["seed_id"],
            ["platform_seeds.id"],
            name=op.f("fk_platform_match_decisions_seed_id_platform_seeds"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_platform_match_decisions")),
        sa.UniqueConstraint("need_id", "seed_id", name="uq_platform_match_decisions_pair"),
    )


def downgrade() -> None:
    """Drop the tables."""
    op.drop_table("platform_match_decisions")
    with op.batch_alter_table("platform_interviews", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_platform_interviews_seed_id"))
        batch_op.drop_index(batch_op.f("ix_platform_interviews_on"))
        batch_op.drop_index(batch_op.f("ix_platform_interviews_need_id"))
    op.drop_table("platform_interviews")
    with op.batch_alter_table("platform_needs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_platform_needs_case_id"))
    op.drop_table("platform_needs")
    with op.batch_alter_table("platform_case_activities", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_platform_case_activities_case_id"))
    op.drop_table("platform_case_activities")
    op.drop_table("platform_seeds")
    with op.batch_alter_table("platform_cases", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_platform_cases_organisation_id"))
        batch_op.drop_index("ix_platform_cases_opened_on")
        batch_op.drop_index(batch_op.f("ix_platform_cases_coordinator"))
    op.drop_table("platform_cases")
    op.drop_table("lab_equipment")
    op.drop_table("platform_institutions")
