"""かんさいラボサーチ at scale: a bigram index of the folded search text, and indexes for the listing

A search word's entries were found by testing every entry's folded text; with 20,000 entries that took
hundreds of milliseconds.  ``lab_equipment_grams`` holds each entry's character bigrams, so that a word of
two characters or more reads only the entries holding its first bigram (the text test then confirms).
The listing without a query reads its page and its facet counts from two indexes.  Existing entries are
indexed here.

Revision ID: 0021_platbench
Revises: 0020_search_bulk
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0021_platbench"
down_revision: str | Sequence[str] | None = "0020_search_bulk"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create the table and the indexes, and index the existing entries."""
    grams = op.create_table(
        "lab_equipment_grams",
        sa.Column("gram", sa.String(length=4), nullable=False),
        sa.Column("equipment_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["equipment_id"],
            ["lab_equipment.id"],
            name=op.f("fk_lab_equipment_grams_equipment_id_lab_equipment"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("gram", "equipment_id", name=op.f("pk_lab_equipment_grams")),
    )
    op.create_index("ix_lab_equipment_grams_equipment_id", "lab_equipment_grams", ["equipment_id"])
    # Not led by ``withdrawn``: SQLite would then prefer them to the bigram index for a search word.
    op.create_index("ix_lab_equipment_listing", "lab_equipment", ["name", "id", "withdrawn"])
    op.create_index("ix_lab_equipment_facets", "lab_equipment", ["institution_id", "category", "mode", "withdrawn"])
    connection = op.get_bind()
    rows = connection.execute(sa.text("SELECT id, search_text FROM lab_equipment")).all()
    values = [
        {"gram": gram, "equipment_id": i}
        for i, text in rows
        for gram in {text[n : n + 2] for n in range(len(text) - 1)}
    ]
    if values:
        op.bulk_insert(grams, values)


def downgrade() -> None:
    """Drop the indexes and the table."""
    op.drop_index("ix_lab_equipment_facets", table_name="lab_equipment")
    op.drop_index("ix_lab_equipment_listing", table_name="lab_equipment")
    op.drop_index("ix_lab_equipment_grams_equipment_id", table_name="lab_equipment_grams")
    op.drop_table("lab_equipment_grams")
