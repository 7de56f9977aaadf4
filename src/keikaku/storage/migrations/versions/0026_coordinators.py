"""coordinators belong to an institution, and a case names its coordinator's account

A coordinator (the ``coordinator`` role) works for one of the platform's member institutions: a 公設試, a
partner agency or a university.  ``users.institution_id`` says which.  A case's coordinator in charge was a
name typed in; ``platform_cases.coordinator_id`` now points at the account, and a handover chooses another
account.  Existing cases whose recorded coordinator is an account's username are linked to it.

Revision ID: 0026_coordinators
Revises: 0025_case_list_index
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0026_coordinators"
down_revision: str | Sequence[str] | None = "0025_case_list_index"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: (table, column, referred table, ON DELETE)
_LINKS = (
    ("users", "institution_id", "platform_institutions", "RESTRICT"),
    ("platform_cases", "coordinator_id", "users", "SET NULL"),
)


def _name(table: str, column: str, referred: str) -> str:
    return f"fk_{table}_{column}_{referred}"


def upgrade() -> None:
    """Add the two links and fill the cases' from the recorded usernames."""
    sqlite = op.get_bind().dialect.name == "sqlite"
    for table, column, referred, on_delete in _LINKS:
        if sqlite:
            op.execute(
                f"ALTER TABLE {table} ADD COLUMN {column} INTEGER REFERENCES {referred} (id) ON DELETE {on_delete}"
            )
        else:
            op.add_column(table, sa.Column(column, sa.Integer(), nullable=True))
            op.create_foreign_key(
                op.f(_name(table, column, referred)), table, referred, [column], ["id"], ondelete=on_delete
            )
    op.execute(
        "UPDATE platform_cases SET coordinator_id ="
        " (SELECT users.id FROM users WHERE users.username = platform_cases.coordinator)"
    )


def downgrade() -> None:
    """Drop the two links (the recorded coordinator names stay).

    On SQLite the columns are dropped in place, not by rebuilding the tables: a rebuild of ``users`` or
    ``platform_cases`` would cascade to their sessions and logs.  SQLite allows it because ``upgrade`` added
    each foreign key with its column.
    """
    sqlite = op.get_bind().dialect.name == "sqlite"
    for table, column, referred, _on_delete in reversed(_LINKS):
        if not sqlite:
            op.drop_constraint(op.f(_name(table, column, referred)), table, type_="foreignkey")
        op.drop_column(table, column)
