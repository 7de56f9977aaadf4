"""the original file of an ingested document

An ingested document keeps its file, byte for byte (see ``keikaku.storage.models.DocumentFile``): a citation
opens its page as an image and the public can download the document.

Revision ID: 0018_document_files
Revises: 0017_ingest_uploads
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018_document_files"
down_revision: str | Sequence[str] | None = "0017_ingest_uploads"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create the table."""
    op.create_table(
        "document_files",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=400), nullable=False),
        sa.Column("media_type", sa.String(length=200), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["document_id"], ["documents.id"], name=op.f("fk_document_files_document_id_documents"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_document_files")),
        sa.UniqueConstraint("document_id", name=op.f("uq_document_files_document_id")),
    )


def downgrade() -> None:
    """Drop the table."""
    op.drop_table("document_files")
