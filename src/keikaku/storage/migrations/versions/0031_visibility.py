"""a ``visibility`` token for every database, so that the plans a search hides can be kept per process

A search hides the entries of the plans its viewer does not read by their ids, kept per process under the
``visibility`` scope of ``derived_versions`` (:mod:`keikaku.storage.derived`).  A value is kept only under a
token that was written; a database loaded before the scope existed has none, and would compute the list on
every search.  This gives it one.  No data changes.

Revision ID: 0031_visibility
Revises: 0030_speed16
"""

import datetime as dt
import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0031_visibility"
down_revision: str | Sequence[str] | None = "0030_speed16"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_versions = sa.table(
    "derived_versions",
    sa.column("scope", sa.String),
    sa.column("token", sa.String),
    sa.column("changed_at", sa.DateTime(timezone=True)),
)


def upgrade() -> None:
    """Write the scope's first token (unless a write has given it one)."""
    bind = op.get_bind()
    if bind.execute(sa.select(_versions.c.token).where(_versions.c.scope == "visibility")).first() is None:
        now = dt.datetime.now(dt.UTC)
        bind.execute(sa.insert(_versions).values(scope="visibility", token=uuid.uuid4().hex, changed_at=now))


def downgrade() -> None:
    """Remove the scope's token (a search then reads the hidden plans every time, as before)."""
    op.get_bind().execute(sa.delete(_versions).where(_versions.c.scope == "visibility"))
