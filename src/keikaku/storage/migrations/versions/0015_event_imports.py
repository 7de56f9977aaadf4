"""meetings at events, survey import mappings and keys; measures over meetings

Tables of issue 12's imports: the organiser's meeting list of an event (``event_meetings``), and for survey
exports of Google Forms and Microsoft Forms the saved mapping of a survey (``survey_import_mappings``) and
the export's key of each imported response (``survey_import_keys``).  ``kpi_measures`` gains the kinds
``meetings_held`` and ``meeting_firms``.

SQLite cannot change a CHECK constraint in place: ``kpi_measures`` is rebuilt, with ``computed_actuals``
(which refers to it, and would be cascade-deleted) kept aside and put back, as in 0012.

Revision ID: 0015_event_imports
Revises: 0014_plan_aggregates
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015_event_imports"
down_revision: str | Sequence[str] | None = "0014_plan_aggregates"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: The kinds as 0012 left them.
OLD_KINDS = (
    "attended_people",
    "attended_person_days",
    "registrations",
    "answer_share",
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
ADDED_KINDS = ("meetings_held", "meeting_firms")
NEW_KINDS = (*OLD_KINDS, *ADDED_KINDS)


def _check(kinds: tuple[str, ...]) -> str:
    return "kind IN ({})".format(", ".join(repr(k) for k in kinds))


def _measures_table(kinds: tuple[str, ...]) -> sa.Table:
    """kpi_measures as it stands (for the SQLite rebuild), with the CHECK constraint over ``kinds``."""
    return sa.Table(
        "kpi_measures",
        sa.MetaData(),
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
        sa.Column("params", sa.JSON(), nullable=True),
        sa.CheckConstraint(_check(kinds), name="ck_kpi_measures_kind"),
        sa.PrimaryKeyConstraint("id", name="pk_kpi_measures"),
        sa.UniqueConstraint("kpi_id", "version", name="uq_kpi_measures_version"),
        sa.Index("ix_kpi_measures_kpi_id", "kpi_id"),
    )


def _change_kinds(old: tuple[str, ...], new: tuple[str, ...]) -> None:
    if op.get_bind().dialect.name != "sqlite":
        op.drop_constraint(op.f("ck_kpi_measures_kind"), "kpi_measures", type_="check")
        op.create_check_constraint(op.f("ck_kpi_measures_kind"), "kpi_measures", _check(new))
        return
    op.execute("CREATE TEMPORARY TABLE keep_computed_actuals AS SELECT * FROM computed_actuals")
    with op.batch_alter_table("kpi_measures", copy_from=_measures_table(old), recreate="always") as batch:
        batch.drop_constraint(op.f("ck_kpi_measures_kind"), type_="check")
        batch.create_check_constraint(op.f("ck_kpi_measures_kind"), _check(new))
    op.execute("INSERT INTO computed_actuals SELECT * FROM keep_computed_actuals")
    op.execute("DROP TABLE keep_computed_actuals")


def upgrade() -> None:
    """Create the tables; widen the measures' kinds."""
    op.create_table(
        "event_meetings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("counterpart", sa.String(length=400), nullable=False),
        sa.Column("counterpart_folded", sa.String(length=400), nullable=False),
        sa.Column("slot_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("slot_end", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("external_id", sa.String(length=100), nullable=True),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("status IN ('予定', '実施', '不成立')", name=op.f("ck_event_meetings_status")),
        sa.CheckConstraint("slot_end IS NULL OR slot_end >= slot_start", name=op.f("ck_event_meetings_slot")),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["managed_events.id"],
            name=op.f("fk_event_meetings_event_id_managed_events"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_event_meetings_organisation_id_organisations"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_event_meetings")),
        sa.UniqueConstraint(
            "event_id", "organisation_id", "counterpart_folded", "slot_start", name="uq_event_meetings_key"
        ),
        sa.UniqueConstraint("event_id", "external_id", name="uq_event_meetings_external_id"),
    )
    op.create_index("ix_event_meetings_event_status", "event_meetings", ["event_id", "status"])
    op.create_index(op.f("ix_event_meetings_organisation_id"), "event_meetings", ["organisation_id"])
    op.create_table(
        "survey_import_mappings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("survey_id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("columns", sa.JSON(), nullable=False),
        sa.Column("labels", sa.JSON(), nullable=False),
        sa.Column("updated_by", sa.String(length=200), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("source IN ('google_forms', 'ms_forms')", name=op.f("ck_survey_import_mappings_source")),
        sa.ForeignKeyConstraint(
            ["survey_id"], ["surveys.id"], name=op.f("fk_survey_import_mappings_survey_id_surveys"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_import_mappings")),
        sa.UniqueConstraint("survey_id", "source", name="uq_survey_import_mappings_source"),
    )
    op.create_table(
        "survey_import_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("survey_id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("source_key", sa.String(length=200), nullable=False),
        sa.Column("response_id", sa.Integer(), nullable=False),
        sa.CheckConstraint("source IN ('google_forms', 'ms_forms')", name=op.f("ck_survey_import_keys_source")),
        sa.ForeignKeyConstraint(
            ["survey_id"], ["surveys.id"], name=op.f("fk_survey_import_keys_survey_id_surveys"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["response_id"],
            ["survey_responses.id"],
            name=op.f("fk_survey_import_keys_response_id_survey_responses"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_import_keys")),
        sa.UniqueConstraint("survey_id", "source", "source_key", name="uq_survey_import_keys_key"),
        sa.UniqueConstraint("response_id", name=op.f("uq_survey_import_keys_response_id")),
    )
    _change_kinds(OLD_KINDS, NEW_KINDS)


def downgrade() -> None:
    """Drop the tables; measures of the meeting kinds go with them (their records are gone)."""
    op.execute("DELETE FROM kpi_measures WHERE kind IN ({})".format(", ".join(repr(k) for k in ADDED_KINDS)))
    _change_kinds(NEW_KINDS, OLD_KINDS)
    op.drop_table("survey_import_keys")
    op.drop_table("survey_import_mappings")
    op.drop_index(op.f("ix_event_meetings_organisation_id"), table_name="event_meetings")
    op.drop_index("ix_event_meetings_event_status", table_name="event_meetings")
    op.drop_table("event_meetings")
