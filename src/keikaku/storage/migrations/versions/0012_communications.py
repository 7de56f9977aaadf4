"""web analytics, registries of activity, newsletter issues, directories; measures over them

Tables of issue 14: analytics properties, their imports (the raw file kept) and metric rows, the registry of
listings / posts / PR occurrences, newsletter issues and directory entries.  ``kpi_measures`` gains the
communications kinds and a ``params`` column.

``surveys`` may belong to no event (a newsletter issue's reader survey): ``event_id`` becomes nullable and
the survey names its ``department``.

SQLite cannot change a CHECK constraint or a NOT NULL in place: the tables are rebuilt, and since dropping
one would cascade to the rows that refer to it (foreign keys are on: ``computed_actuals``; the surveys'
items, responses and answers), those rows are kept aside and put back.

Revision ID: 0012_communications
Revises: 0011_platform
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012_communications"
down_revision: str | Sequence[str] | None = "0011_platform"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_KINDS = ("attended_people", "attended_person_days", "registrations", "answer_share")
NEW_KINDS = (
    *OLD_KINDS,
    # the co-creation platform's (0011_platform's tables)
    "platform_cases",
    "platform_firms",
    "platform_matchings",
    "platform_interviews_held",
    "web_views",
    "web_sessions",
    "listings",
    "posts",
    "pr_items",
    "newsletter_issues",
    "newsletter_subscribers",
    "newsletter_satisfaction",
    "directory_entries",
    "ranking",
    "events_held",
    "hand_entered",
)


def _check(kinds: tuple[str, ...]) -> str:
    return "kind IN ({})".format(", ".join(repr(k) for k in kinds))


def _measures_table(kinds: tuple[str, ...], *, with_params: bool) -> sa.Table:
    """kpi_measures as it stands (for the SQLite rebuild), with the CHECK constraint over ``kinds``."""
    columns: list[sa.schema.SchemaItem] = [
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kpi_id", sa.Integer(), sa.ForeignKey("kpis.id", ondelete="CASCADE"), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("event_ids", sa.JSON(), nullable=False),
        sa.Column(
            "question_id", sa.Integer(), sa.ForeignKey("survey_questions.id", ondelete="RESTRICT"), nullable=True
        ),
        sa.Column("codes", sa.JSON(), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    ]
    if with_params:
        columns.append(sa.Column("params", sa.JSON(), nullable=True))
    return sa.Table(
        "kpi_measures",
        sa.MetaData(),
        *columns,
        sa.CheckConstraint(_check(kinds), name="ck_kpi_measures_kind"),
        sa.PrimaryKeyConstraint("id", name="pk_kpi_measures"),
        sa.UniqueConstraint("kpi_id", "version", name="uq_kpi_measures_version"),
        sa.Index("ix_kpi_measures_kpi_id", "kpi_id"),
    )


def _keep(tables: tuple[str, ...]) -> None:
    for table in tables:
        op.execute(f"CREATE TEMPORARY TABLE keep_{table} AS SELECT * FROM {table}")


def _restore(tables: tuple[str, ...]) -> None:
    for table in tables:
        op.execute(f"INSERT INTO {table} SELECT * FROM keep_{table}")
        op.execute(f"DROP TABLE keep_{table}")


SURVEY_CHILDREN = ("survey_responses", "survey_answers", "survey_items")


def _surveys_table(*, standalone: bool) -> sa.Table:
    """surveys as it stands before the change (for the SQLite rebuild)."""
    columns: list[sa.schema.SchemaItem] = [
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "event_id", sa.Integer(), sa.ForeignKey("managed_events.id", ondelete="CASCADE"), nullable=standalone
        ),
        sa.Column("title", sa.String(length=400), nullable=False),
        sa.Column("public_token", sa.String(length=64), nullable=False),
        sa.Column("is_open", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    ]
    if standalone:
        columns += [
            sa.Column("department", sa.String(length=200), nullable=True),
            sa.CheckConstraint("event_id IS NOT NULL OR department IS NOT NULL", name="ck_surveys_owner"),
        ]
    return sa.Table(
        "surveys",
        sa.MetaData(),
        *columns,
        sa.PrimaryKeyConstraint("id", name="pk_surveys"),
        sa.UniqueConstraint("public_token", name="uq_surveys_public_token"),
        sa.Index("ix_surveys_event_id", "event_id"),
    )


def _standalone_surveys(*, allow: bool) -> None:
    check = "event_id IS NOT NULL OR department IS NOT NULL"
    if op.get_bind().dialect.name != "sqlite":
        if allow:
            op.add_column("surveys", sa.Column("department", sa.String(length=200), nullable=True))
            op.alter_column("surveys", "event_id", existing_type=sa.Integer(), nullable=True)
            op.create_check_constraint(op.f("ck_surveys_owner"), "surveys", check)
        else:
            op.drop_constraint(op.f("ck_surveys_owner"), "surveys", type_="check")
            op.alter_column("surveys", "event_id", existing_type=sa.Integer(), nullable=False)
            op.drop_column("surveys", "department")
        return
    _keep(SURVEY_CHILDREN)
    with op.batch_alter_table("surveys", copy_from=_surveys_table(standalone=not allow), recreate="always") as batch:
        if allow:
            batch.add_column(sa.Column("department", sa.String(length=200), nullable=True))
            batch.alter_column("event_id", existing_type=sa.Integer(), nullable=True)
            batch.create_check_constraint(op.f("ck_surveys_owner"), check)
        else:
            batch.drop_constraint(op.f("ck_surveys_owner"), type_="check")
            batch.alter_column("event_id", existing_type=sa.Integer(), nullable=False)
            batch.drop_column("department")
    _restore(SURVEY_CHILDREN)


def _change_kinds(kinds: tuple[str, ...], *, add_params: bool, drop_params: bool) -> None:
    if op.get_bind().dialect.name != "sqlite":
        if add_params:
            op.add_column("kpi_measures", sa.Column("params", sa.JSON(), nullable=True))
        op.drop_constraint(op.f("ck_kpi_measures_kind"), "kpi_measures", type_="check")
        op.create_check_constraint(op.f("ck_kpi_measures_kind"), "kpi_measures", _check(kinds))
        if drop_params:
            op.drop_column("kpi_measures", "params")
        return
    _keep(("computed_actuals",))
    current = _measures_table(OLD_KINDS if add_params else NEW_KINDS, with_params=not add_params)
    with op.batch_alter_table("kpi_measures", copy_from=current, recreate="always") as batch:
        batch.drop_constraint(op.f("ck_kpi_measures_kind"), type_="check")
        batch.create_check_constraint(op.f("ck_kpi_measures_kind"), _check(kinds))
        if add_params:
            batch.add_column(sa.Column("params", sa.JSON(), nullable=True))
        if drop_params:
            batch.drop_column("params")
    _restore(("computed_actuals",))


def upgrade() -> None:
    """Create the tables; widen the measures' kinds; let a survey belong to no event."""
    _standalone_surveys(allow=True)
    op.create_table(
        "web_properties",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=400), nullable=False),
        sa.Column("url", sa.String(length=1000), nullable=True),
        sa.Column("department", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_web_properties")),
        sa.UniqueConstraint("code", name=op.f("uq_web_properties_code")),
    )
    op.create_table(
        "web_imports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("property_id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=10), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("dated_rows", sa.Boolean(), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("raw", sa.LargeBinary(), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("views", sa.Integer(), nullable=False),
        sa.Column("sessions", sa.Integer(), nullable=True),
        sa.Column("imported_by", sa.String(length=200), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("replaced_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("source IN ('ga4', 'matomo')", name=op.f("ck_web_imports_source")),
        sa.CheckConstraint("period_end >= period_start", name=op.f("ck_web_imports_period")),
        sa.ForeignKeyConstraint(
            ["property_id"],
            ["web_properties.id"],
            name=op.f("fk_web_imports_property_id_web_properties"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["replaced_by_id"],
            ["web_imports.id"],
            name=op.f("fk_web_imports_replaced_by_id_web_imports"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_web_imports")),
    )
    op.create_index("ix_web_imports_property_period", "web_imports", ["property_id", "period_start"])
    op.create_table(
        "web_metrics",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("import_id", sa.Integer(), nullable=False),
        sa.Column("property_id", sa.Integer(), nullable=False),
        sa.Column("page_path", sa.String(length=1000), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("views", sa.Integer(), nullable=False),
        sa.Column("sessions", sa.Integer(), nullable=True),
        sa.Column("users", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["import_id"], ["web_imports.id"], name=op.f("fk_web_metrics_import_id_web_imports"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["property_id"],
            ["web_properties.id"],
            name=op.f("fk_web_metrics_property_id_web_properties"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_web_metrics")),
    )
    op.create_index(op.f("ix_web_metrics_import_id"), "web_metrics", ["import_id"])
    op.create_index("ix_web_metrics_property_day", "web_metrics", ["property_id", "day"])
    op.create_table(
        "activity_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("entry_date", sa.Date(), nullable=False),
        sa.Column("medium", sa.String(length=200), nullable=False),
        sa.Column("title", sa.String(length=400), nullable=False),
        sa.Column("folded", sa.String(length=400), nullable=False),
        sa.Column("url", sa.String(length=1000), nullable=True),
        sa.Column("audience", sa.String(length=10), nullable=True),
        sa.Column("department", sa.String(length=200), nullable=False),
        sa.Column("entered_by", sa.String(length=200), nullable=False),
        sa.Column("entered_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("kind IN ('listing', 'post', 'pr')", name=op.f("ck_activity_entries_kind")),
        sa.CheckConstraint(
            "audience IS NULL OR audience IN ('overseas', 'domestic')", name=op.f("ck_activity_entries_audience")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_activity_entries")),
        sa.UniqueConstraint("kind", "entry_date", "medium", "folded", name="uq_activity_entries_key"),
    )
    op.create_index(op.f("ix_activity_entries_department"), "activity_entries", ["department"])
    op.create_index("ix_activity_entries_kind_date", "activity_entries", ["kind", "entry_date"])
    op.create_table(
        "newsletter_issues",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("issue_date", sa.Date(), nullable=False),
        sa.Column("theme", sa.String(length=400), nullable=False),
        sa.Column("copies", sa.Integer(), nullable=True),
        sa.Column("subscribers", sa.Integer(), nullable=True),
        sa.Column("department", sa.String(length=200), nullable=False),
        sa.Column("published", sa.Boolean(), nullable=False),
        sa.Column("survey_id", sa.Integer(), nullable=True),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["survey_id"], ["surveys.id"], name=op.f("fk_newsletter_issues_survey_id_surveys"), ondelete="SET NULL"
        ),
        sa.UniqueConstraint("survey_id", name=op.f("uq_newsletter_issues_survey_id")),
        sa.CheckConstraint("copies IS NULL OR copies >= 0", name=op.f("ck_newsletter_issues_copies")),
        sa.CheckConstraint("subscribers IS NULL OR subscribers >= 0", name=op.f("ck_newsletter_issues_subscribers")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_newsletter_issues")),
        sa.UniqueConstraint("number", name=op.f("uq_newsletter_issues_number")),
    )
    op.create_index(op.f("ix_newsletter_issues_issue_date"), "newsletter_issues", ["issue_date"])
    op.create_table(
        "directory_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("directory", sa.String(length=40), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("prefecture", sa.String(length=20), nullable=True),
        sa.Column("industry", sa.String(length=200), nullable=True),
        sa.Column("products", sa.String(length=1000), nullable=True),
        sa.Column("award", sa.String(length=200), nullable=True),
        sa.Column("year_listed", sa.Integer(), nullable=False),
        sa.Column("search_text", sa.String(length=2000), nullable=False),
        sa.Column("department", sa.String(length=200), nullable=False),
        sa.Column("entered_by", sa.String(length=200), nullable=False),
        sa.Column("entered_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_directory_entries_organisation_id_organisations"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_directory_entries")),
        sa.UniqueConstraint("directory", "organisation_id", name="uq_directory_entries_firm"),
    )
    op.create_index(op.f("ix_directory_entries_directory"), "directory_entries", ["directory"])
    op.create_table(
        "ranking_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ranking", sa.String(length=200), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=1000), nullable=False),
        sa.Column("department", sa.String(length=200), nullable=False),
        sa.Column("entered_by", sa.String(length=200), nullable=False),
        sa.Column("entered_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("rank >= 1", name=op.f("ck_ranking_entries_rank")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ranking_entries")),
        sa.UniqueConstraint("ranking", "year", name="uq_ranking_entries_year"),
    )
    _change_kinds(NEW_KINDS, add_params=True, drop_params=False)


def downgrade() -> None:
    """Drop the tables; measures of the new kinds go with them (their records are gone)."""
    op.execute("DELETE FROM kpi_measures WHERE kind NOT IN ({})".format(", ".join(repr(k) for k in OLD_KINDS)))
    _change_kinds(OLD_KINDS, add_params=False, drop_params=True)
    for table in (
        "ranking_entries",
        "directory_entries",
        "newsletter_issues",
        "activity_entries",
        "web_metrics",
        "web_imports",
    ):
        op.drop_table(table)
    op.drop_table("web_properties")
    op.execute("DELETE FROM surveys WHERE event_id IS NULL")
    _standalone_surveys(allow=False)
