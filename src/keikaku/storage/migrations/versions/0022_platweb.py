"""the co-creation platform's staff side: a case's contact and satisfaction survey, かんさいラボサーチ's own
access count; measures of 利用満足度 and of the accesses

``platform_cases`` gains ``contact_email`` (where the satisfaction survey is mailed) and ``survey_id`` (the
survey sent when the case was closed).  ``lab_accesses`` holds one row per counted page view (day, page,
the visitor's daily-salted hash; no IP address), ``lab_access_salts`` the salt of the day.  ``kpi_measures``
gains the kinds ``platform_satisfaction`` and ``labsearch_accesses``.  ``platform_case_attachments`` holds the
files attached to a case's log lines.

SQLite adds a column with a foreign key by plain ``ALTER TABLE … ADD COLUMN … REFERENCES`` (a rebuild of
``platform_cases`` would cascade to its activity log); the CHECK constraint of ``kpi_measures`` is changed
as in 0015.

Revision ID: 0022_platweb
Revises: 0021_platbench
"""

from collections.abc import Sequence
from importlib import import_module

import sqlalchemy as sa
from alembic import op

revision: str = "0022_platweb"
down_revision: str | Sequence[str] | None = "0021_platbench"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_0015 = import_module("keikaku.storage.migrations.versions.0015_event_imports")
OLD_KINDS: tuple[str, ...] = _0015.NEW_KINDS
ADDED_KINDS = ("platform_satisfaction", "labsearch_accesses")
NEW_KINDS = (*OLD_KINDS, *ADDED_KINDS)


def upgrade() -> None:
    """Add the columns and tables; widen the measures' kinds."""
    op.add_column("platform_cases", sa.Column("contact_email", sa.String(length=320), nullable=True))
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE platform_cases ADD COLUMN survey_id INTEGER REFERENCES surveys (id) ON DELETE SET NULL")
    else:
        op.add_column("platform_cases", sa.Column("survey_id", sa.Integer(), nullable=True))
        op.create_foreign_key(
            op.f("fk_platform_cases_survey_id_surveys"),
            "platform_cases",
            "surveys",
            ["survey_id"],
            ["id"],
            ondelete="SET NULL",
        )
    op.create_table(
        "lab_accesses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("page", sa.String(length=100), nullable=False),
        sa.Column("visitor", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lab_accesses")),
    )
    op.create_index("ix_lab_accesses_day_page", "lab_accesses", ["day", "page"])
    op.create_table(
        "lab_access_salts",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("salt", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("day", name=op.f("pk_lab_access_salts")),
    )
    op.create_table(
        "platform_case_attachments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("activity_id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("uploaded_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["activity_id"],
            ["platform_case_activities.id"],
            name=op.f("fk_platform_case_attachments_activity_id_platform_case_activities"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_platform_case_attachments")),
    )
    op.create_index(op.f("ix_platform_case_attachments_activity_id"), "platform_case_attachments", ["activity_id"])
    _0015._change_kinds(OLD_KINDS, NEW_KINDS)


def downgrade() -> None:
    """Drop the tables and columns; measures of the new kinds go with them."""
    op.execute("DELETE FROM kpi_measures WHERE kind IN ({})".format(", ".join(repr(k) for k in ADDED_KINDS)))
    _0015._change_kinds(NEW_KINDS, OLD_KINDS)
    op.drop_index(op.f("ix_platform_case_attachments_activity_id"), table_name="platform_case_attachments")
    op.drop_table("platform_case_attachments")
    op.drop_table("lab_access_salts")
    op.drop_index("ix_lab_accesses_day_page", table_name="lab_accesses")
    op.drop_table("lab_accesses")
    if op.get_bind().dialect.name != "sqlite":
        op.drop_constraint(op.f("fk_platform_cases_survey_id_surveys"), "platform_cases", type_="foreignkey")
    op.drop_column("platform_cases", "survey_id")
    op.drop_column("platform_cases", "contact_email")
