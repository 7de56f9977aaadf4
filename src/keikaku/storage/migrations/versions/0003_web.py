"""web: search index, partner links

Revision ID: 0003_web
Revises: 0001_core

The search index needs one object per backend that the ORM does not model: an FTS5 table over
``search_entries`` (external content, kept in step by triggers) on SQLite, a GIN index over the entries'
terms on PostgreSQL.  Both match on the same tokens: folded text cut into overlapping character pairs.
Create Date: 2026-11-22 18:00:56.386713
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

FTS_COLUMNS = "title_terms, body_terms, facets"

SQLITE_FTS = [
    # The ascii tokenizer keeps every non-ASCII character inside a token and splits on ASCII punctuation and
    # spaces only, so the tokens FTS5 sees are exactly the character pairs the indexer wrote.
    "CREATE VIRTUAL TABLE search_fts USING fts5("
    + FTS_COLUMNS
    + ", content='search_entries', content_rowid='id', tokenize='ascii')",
    "CREATE TRIGGER search_entries_ai AFTER INSERT ON search_entries BEGIN "
    "INSERT INTO search_fts(rowid, "
    + FTS_COLUMNS
    + ") VALUES (new.id, new.title_terms, new.body_terms, new.facets); END",
    "CREATE TRIGGER search_entries_ad AFTER DELETE ON search_entries BEGIN "
    "INSERT INTO search_fts(search_fts, rowid, " + FTS_COLUMNS + ") "
    "VALUES ('delete', old.id, old.title_terms, old.body_terms, old.facets); END",
    "CREATE TRIGGER search_entries_au AFTER UPDATE ON search_entries BEGIN "
    "INSERT INTO search_fts(search_fts, rowid, " + FTS_COLUMNS + ") "
    "VALUES ('delete', old.id, old.title_terms, old.body_terms, old.facets); "
    "INSERT INTO search_fts(rowid, "
    + FTS_COLUMNS
    + ") VALUES (new.id, new.title_terms, new.body_terms, new.facets); END",
]

#: array_to_tsvector takes the tokens as they are (no text-search parser, so no locale decides what a word is).
POSTGRES_TERMS_INDEX = (
    "CREATE INDEX ix_search_entries_terms ON search_entries USING gin (array_to_tsvector("
    "string_to_array(title_terms, ' ') || string_to_array(body_terms, ' ') || string_to_array(facets, ' ')))"
)


revision: str = "0003_web"
down_revision: str | Sequence[str] | None = "0001_core"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "search_entries",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=False, nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("ref_id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=True),
        sa.Column("fiscal_year", sa.Integer(), nullable=True),
        sa.Column("issuer", sa.String(length=200), nullable=True),
        sa.Column("challenge", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(length=400), nullable=False),
        sa.Column("context", sa.String(length=400), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("folded_title", sa.Text(), nullable=False),
        sa.Column("folded", sa.Text(), nullable=False),
        sa.Column("title_terms", sa.Text(), nullable=False),
        sa.Column("body_terms", sa.Text(), nullable=False),
        sa.Column("facets", sa.String(length=400), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_search_entries")),
        sa.UniqueConstraint("kind", "ref_id", name="uq_search_entries_kind_ref"),
    )
    with op.batch_alter_table("search_entries", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_search_entries_plan_id"), ["plan_id"], unique=False)
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for statement in SQLITE_FTS:
            op.execute(statement)
    elif dialect == "postgresql":
        op.execute(POSTGRES_TERMS_INDEX)

    op.create_table(
        "search_index_state",
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_search_index_state")),
    )
    op.create_table(
        "search_indexed_plans",
        sa.Column("plan_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("entries", sa.Integer(), nullable=False),
        sa.Column("indexed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("plan_id", name=op.f("pk_search_indexed_plans")),
    )
    op.create_table(
        "partner_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("initiative_id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=True),
        sa.Column("theme_id", sa.Integer(), nullable=True),
        sa.Column("target_key", sa.String(length=40), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("shared_terms", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("decided_by", sa.String(length=200), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("state IN ('suggested', 'confirmed', 'removed')", name=op.f("ck_partner_links_state")),
        sa.CheckConstraint(
            "(CASE WHEN project_id IS NULL THEN 0 ELSE 1 END) + (CASE WHEN theme_id IS NULL THEN 0 ELSE 1 END) = 1",
            name=op.f("ck_partner_links_one_target"),
        ),
        sa.ForeignKeyConstraint(
            ["initiative_id"],
            ["initiatives.id"],
            name=op.f("fk_partner_links_initiative_id_initiatives"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["project_id"], ["projects.id"], name=op.f("fk_partner_links_project_id_projects"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["theme_id"], ["themes.id"], name=op.f("fk_partner_links_theme_id_themes"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_partner_links")),
        sa.UniqueConstraint("initiative_id", "target_key", name="uq_partner_links_target"),
    )
    with op.batch_alter_table("partner_links", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_partner_links_initiative_id"), ["initiative_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_partner_links_project_id"), ["project_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_partner_links_theme_id"), ["theme_id"], unique=False)

    op.create_table(
        "partner_link_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("link_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("state_before", sa.String(length=20), nullable=True),
        sa.Column("state_after", sa.String(length=20), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["link_id"],
            ["partner_links.id"],
            name=op.f("fk_partner_link_events_link_id_partner_links"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_partner_link_events")),
    )
    with op.batch_alter_table("partner_link_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_partner_link_events_link_id"), ["link_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("partner_link_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_partner_link_events_link_id"))

    op.drop_table("partner_link_events")
    with op.batch_alter_table("partner_links", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_partner_links_theme_id"))
        batch_op.drop_index(batch_op.f("ix_partner_links_project_id"))
        batch_op.drop_index(batch_op.f("ix_partner_links_initiative_id"))

    op.drop_table("partner_links")
    op.drop_table("search_indexed_plans")
    op.drop_table("search_index_state")
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for trigger in ("search_entries_ai", "search_entries_ad", "search_entries_au"):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute("DROP TABLE IF EXISTS search_fts")
    elif dialect == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_search_entries_terms")
    with op.batch_alter_table("search_entries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_search_entries_plan_id"))

    op.drop_table("search_entries")
