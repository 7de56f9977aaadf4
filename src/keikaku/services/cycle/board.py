"""The bureau's status board of a call: every department with KPIs in the year's plans, submitted, in
progress or overdue, with how many of its KPIs are measured."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Engine

from keikaku.services.core.actors import Actor, require_admin
from keikaku.services.core.db import ensure_schema
from keikaku.services.cycle.calls import CallPublic, call_row, public_call
from keikaku.services.cycle.checklist import SUBMITTED, SubmissionPublic, state_of, submissions, today_in_japan
from keikaku.services.cycle.progress import department_progress
from keikaku.storage.uow import read_session


@dataclass(frozen=True)
class BoardRow:
    """One department on the board."""

    department: str
    state: str
    measured: int
    total: int
    submission: SubmissionPublic | None


@dataclass(frozen=True)
class StatusBoard:
    """The board of a call: its departments and the counts of each state."""

    call: CallPublic
    today: dt.date
    rows: list[BoardRow]

    def count(self, state: str) -> int:
        """How many departments are in ``state``."""
        return sum(1 for r in self.rows if r.state == state)

    @property
    def submitted(self) -> int:
        """Departments whose part is submitted."""
        return self.count(SUBMITTED)

    @property
    def measured(self) -> int:
        """KPIs measured, over every department (a KPI of two departments counts for each)."""
        return sum(r.measured for r in self.rows)

    @property
    def total(self) -> int:
        """KPIs to fill, over every department."""
        return sum(r.total for r in self.rows)


def status_board(
    fiscal_year: int, *, actor: Actor, today: dt.date | None = None, engine: Engine | None = None
) -> StatusBoard:
    """The status board of the year's call (administrators), departments in name order."""
    require_admin(actor, "実績照会の状況")
    day = today or today_in_japan()
    with read_session(ensure_schema(engine)) as session:
        call = public_call(call_row(session, fiscal_year))
        parts = submissions(session, call.id)
        rows = [
            BoardRow(d, state_of(call, parts.get(d), day), p.measured, p.total, parts.get(d))
            for d, p in department_progress(session, fiscal_year).items()
        ]
        return StatusBoard(call=call, today=day, rows=rows)
