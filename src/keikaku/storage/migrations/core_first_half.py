"""The first half of migration 0001_core: the documents, the context (action plan, partner programmes,
vision, challenges, initiatives) and the plans with their cooperative projects and warnings.

Kept apart only so that the migration stays a file one can read; 0001_core calls it first.  Like every
migration, it is frozen: it describes the schema as it was then, never the models as they are now.
"""

import sqlalchemy as sa
from alembic import op


def create_documents_context_and_plans() -> None:
    """Create the tables of the first half, in an order that satisfies their foreign keys."""
    op.create_table(
        "departments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("organisation", sa.String(length=200), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_departments")),
        sa.UniqueConstraint("name", name=op.f("uq_departments_name")),
    )
    op.create_table(
        "documents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("title", sa.String(length=400), nullable=True),
        sa.Column("issuer", sa.String(length=200), nullable=True),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("fiscal_year", sa.Integer(), nullable=True),
        sa.Column("published", sa.String(length=40), nullable=True),
        sa.Column("sha256", sa.String(length=64), nullable=True),
        sa.Column("path", sa.String(length=1000), nullable=True),
        sa.Column("pages", sa.Integer(), nullable=True),
        sa.Column("lines", sa.Integer(), nullable=True),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("bundled", sa.Boolean(), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.text("(CURRENT_TIMESTAMP)"), nullable=False
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_documents")),
        sa.UniqueConstraint("key", name=op.f("uq_documents_key")),
        sa.UniqueConstraint("sha256", name=op.f("uq_documents_sha256")),
    )
    op.create_table(
        "schema_info",
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_schema_info")),
    )
    op.create_table(
        "action_plans",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=400), nullable=True),
        sa.Column("issuer", sa.String(length=200), nullable=True),
        sa.Column("published", sa.String(length=40), nullable=True),
        sa.Column("start_fiscal_year", sa.Integer(), nullable=True),
        sa.Column("end_fiscal_year", sa.Integer(), nullable=True),
        sa.Column("is_current", sa.Boolean(), nullable=False),
        sa.Column("source_page", sa.Integer(), nullable=True),
        sa.Column("source_line", sa.Integer(), nullable=True),
        sa.Column("source_excerpt", sa.Text(), nullable=True),
        sa.Column("source_document_id", sa.Integer(), nullable=True),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.text("(CURRENT_TIMESTAMP)"), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["source_document_id"],
            ["documents.id"],
            name=op.f("fk_action_plans_source_document_id_documents"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_action_plans")),
    )
    with op.batch_alter_table("action_plans", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_action_plans_source_document_id"), ["source_document_id"], unique=False)

    op.create_table(
        "partner_programmes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("issuer", sa.String(length=200), nullable=False),
        sa.Column("fiscal_year", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=400), nullable=True),
        sa.Column("priority_areas", sa.JSON(), nullable=False),
        sa.Column("is_current", sa.Boolean(), nullable=False),
        sa.Column("source_page", sa.Integer(), nullable=True),
        sa.Column("source_line", sa.Integer(), nullable=True),
        sa.Column("source_excerpt", sa.Text(), nullable=True),
        sa.Column("source_document_id", sa.Integer(), nullable=True),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.text("(CURRENT_TIMESTAMP)"), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["source_document_id"],
            ["documents.id"],
            name=op.f("fk_partner_programmes_source_document_id_documents"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_partner_programmes")),
    )
    with op.batch_alter_table("partner_programmes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_partner_programmes_fiscal_year"), ["fiscal_year"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_partner_programmes_source_document_id"), ["source_document_id"], unique=False
        )

    op.create_table(
        "plans",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("issuer", sa.String(length=200), nullable=False),
        sa.Column("fiscal_year", sa.Integer(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("is_current", sa.Boolean(), nullable=False),
        sa.Column("title", sa.String(length=400), nullable=True),
        sa.Column("total_budget_thousand_yen", sa.BigInteger(), nullable=True),
        sa.Column("national_subsidy_thousand_yen", sa.BigInteger(), nullable=True),
        sa.Column("region_code", sa.String(length=20), nullable=True),
        sa.Column("source_page", sa.Integer(), nullable=True),
        sa.Column("source_line", sa.Integer(), nullable=True),
        sa.Column("source_excerpt", sa.Text(), nullable=True),
        sa.Column("source_document_id", sa.Integer(), nullable=True),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.text("(CURRENT_TIMESTAMP)"), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["source_document_id"],
            ["documents.id"],
            name=op.f("fk_plans_source_document_id_documents"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plans")),
        sa.UniqueConstraint("issuer", "fiscal_year", "revision", name="uq_plans_issuer_fy_revision"),
    )
    with op.batch_alter_table("plans", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_plans_fiscal_year"), ["fiscal_year"], unique=False)
        batch_op.create_index(batch_op.f("ix_plans_is_current"), ["is_current"], unique=False)
        batch_op.create_index(batch_op.f("ix_plans_region_code"), ["region_code"], unique=False)
        batch_op.create_index(batch_op.f("ix_plans_source_document_id"), ["source_document_id"], unique=False)

    op.create_table(
        "visions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=400), nullable=True),
        sa.Column("issuer", sa.String(length=200), nullable=True),
        sa.Column("revision", sa.String(length=100), nullable=True),
        sa.Column("horizon_fiscal_year", sa.Integer(), nullable=True),
        sa.Column("future_images", sa.JSON(), nullable=False),
        sa.Column("economic_area", sa.JSON(), nullable=False),
        sa.Column("values", sa.JSON(), nullable=False),
        sa.Column("is_current", sa.Boolean(), nullable=False),
        sa.Column("source_page", sa.Integer(), nullable=True),
        sa.Column("source_line", sa.Integer(), nullable=True),
        sa.Column("source_excerpt", sa.Text(), nullable=True),
        sa.Column("source_document_id", sa.Integer(), nullable=True),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.text("(CURRENT_TIMESTAMP)"), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["source_document_id"],
            ["documents.id"],
            name=op.f("fk_visions_source_document_id_documents"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_visions")),
    )
    with op.batch_alter_table("visions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_visions_source_document_id"), ["source_document_id"], unique=False)

    op.create_table(
        "challenges",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("vision_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("aspiration", sa.String(length=200), nullable=True),
        sa.Column("goal", sa.Text(), nullable=True),
        sa.Column("source_page", sa.Integer(), nullable=True),
        sa.Column("source_line", sa.Integer(), nullable=True),
        sa.Column("source_excerpt", sa.Text(), nullable=True),
        sa.Column("source_document_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["source_document_id"],
            ["documents.id"],
            name=op.f("fk_challenges_source_document_id_documents"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["vision_id"], ["visions.id"], name=op.f("fk_challenges_vision_id_visions"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_challenges")),
        sa.UniqueConstraint("vision_id", "number", name=op.f("uq_challenges_vision_id")),
    )
    with op.batch_alter_table("challenges", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_challenges_source_document_id"), ["source_document_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_challenges_vision_id"), ["vision_id"], unique=False)

    op.create_table(
        "cooperative_projects",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=400), nullable=False),
        sa.Column("challenge", sa.Integer(), nullable=True),
        sa.Column("field", sa.String(length=200), nullable=True),
        sa.Column("member_government", sa.String(length=100), nullable=True),
        sa.Column("source_page", sa.Integer(), nullable=True),
        sa.Column("source_line", sa.Integer(), nullable=True),
        sa.Column("source_excerpt", sa.Text(), nullable=True),
        sa.Column("source_document_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["plan_id"], ["plans.id"], name=op.f("fk_cooperative_projects_plan_id_plans"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["source_document_id"],
            ["documents.id"],
            name=op.f("fk_cooperative_projects_source_document_id_documents"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cooperative_projects")),
    )
    with op.batch_alter_table("cooperative_projects", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_cooperative_projects_plan_id"), ["plan_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_cooperative_projects_source_document_id"), ["source_document_id"], unique=False
        )

    op.create_table(
        "initiatives",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("programme_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=400), nullable=False),
        sa.Column("code", sa.String(length=20), nullable=True),
        sa.Column("parent_name", sa.String(length=400), nullable=True),
        sa.Column("priority_area", sa.String(length=400), nullable=True),
        sa.Column("department", sa.String(length=200), nullable=True),
        sa.Column("phone", sa.String(length=100), nullable=True),
        sa.Column("source_page", sa.Integer(), nullable=True),
        sa.Column("source_line", sa.Integer(), nullable=True),
        sa.Column("source_excerpt", sa.Text(), nullable=True),
        sa.Column("source_document_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["programme_id"],
            ["partner_programmes.id"],
            name=op.f("fk_initiatives_programme_id_partner_programmes"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["source_document_id"],
            ["documents.id"],
            name=op.f("fk_initiatives_source_document_id_documents"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_initiatives")),
    )
    with op.batch_alter_table("initiatives", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_initiatives_programme_id"), ["programme_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_initiatives_source_document_id"), ["source_document_id"], unique=False)

    op.create_table(
        "plan_warnings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=True),
        sa.Column("document_id", sa.Integer(), nullable=True),
        sa.Column("code", sa.String(length=60), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("details", sa.JSON(), nullable=True),
        sa.Column("source_page", sa.Integer(), nullable=True),
        sa.Column("source_line", sa.Integer(), nullable=True),
        sa.Column("source_excerpt", sa.Text(), nullable=True),
        sa.Column("source_document_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["document_id"], ["documents.id"], name=op.f("fk_plan_warnings_document_id_documents"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"], ["plans.id"], name=op.f("fk_plan_warnings_plan_id_plans"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["source_document_id"],
            ["documents.id"],
            name=op.f("fk_plan_warnings_source_document_id_documents"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_warnings")),
    )
    with op.batch_alter_table("plan_warnings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_plan_warnings_code"), ["code"], unique=False)
        batch_op.create_index(batch_op.f("ix_plan_warnings_document_id"), ["document_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_plan_warnings_plan_id"), ["plan_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_plan_warnings_source_document_id"), ["source_document_id"], unique=False)
