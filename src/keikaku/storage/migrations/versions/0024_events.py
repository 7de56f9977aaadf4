"""covering indexes for computing every bound KPI of a year from the event and survey records

The year's computation (``services.measures.recompute``) counts, per set of events, the check-in marks
with their registration's person and day, the registrations by status and role, and the answers of a
survey question; these indexes hold every column those counts read, so that none of them visits the
tables' rows.

Revision ID: 0024_events
Revises: 0023_comms
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0024_events"
down_revision: str | Sequence[str] | None = "0023_comms"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES = (
    ("ix_event_checkins_event_registration_day", "event_checkins", ["event_id", "registration_id", "day"]),
    ("ix_event_registrations_event_status_role", "event_registrations", ["event_id", "status", "role"]),
    ("ix_survey_answers_response_question_option", "survey_answers", ["response_id", "question_id", "option_code"]),
)


def upgrade() -> None:
    """Create the indexes."""
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns)


def downgrade() -> None:
    """Drop the indexes."""
    for name, table, _columns in INDEXES:
        op.drop_index(name, table_name=table)
