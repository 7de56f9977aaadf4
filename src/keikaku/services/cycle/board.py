"""The bureau's status board of a call: every department with KPIs in the year's plans, submitted, in
progress or overdue, with how many of its KPIs are measured.

At national scale a year has about 20,000 departments (every government's own), so the board is read a
page at a time: the counts of each state and the KPI sums are over every department, the rows are one page
of them in name order (``page=None``: every department on one page, as the command line prints it).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import InitVar, dataclass

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from keikaku.services.core.actors import Actor, require_admin
from keikaku.services.core.db import ensure_schema
from keikaku.services.core.paging import check_paging, page_count
from keikaku.services.cycle.calls import CallPublic, call_row, public_call
from keikaku.services.cycle.checklist import (
    IN_PROGRESS,
    OVERDUE,
    SUBMITTED,
    SubmissionPublic,
    public_submission,
    state_of,
    submissions,
    today_in_japan,
)
from keikaku.services.cycle.progress import department_progress
from keikaku.storage import cycle as store
from keikaku.storage.uow import read_session

#: Departments on one page of the board unless told.
PER_PAGE = 100


@dataclass(frozen=True)
class BoardRow:
    """One department on the board."""

    department: str
    state: str
    measured: int
    total: int
    submission: SubmissionPublic | None


@dataclass(frozen=True)
class BoardSummary:
    """The whole board's figures: departments in each state, KPIs measured and to fill, and which page the
    rows are."""

    counts: Mapping[str, int]
    measured: int
    total: int
    departments: int
    page: int
    per_page: int

    @classmethod
    def of(cls, rows: list[BoardRow]) -> BoardSummary:
        """The figures of a board whose rows are every department."""
        counts = {s: sum(1 for r in rows if r.state == s) for s in (SUBMITTED, IN_PROGRESS, OVERDUE)}
        total = sum(r.total for r in rows)
        return cls(counts, sum(r.measured for r in rows), total, len(rows), 1, max(1, len(rows)))


@dataclass(frozen=True)
class StatusBoard:
    """The board of a call: one page of its departments, and the figures of all of them (``summary``, from
    the rows themselves when not given)."""

    call: CallPublic
    today: dt.date
    rows: list[BoardRow]
    summary: InitVar[BoardSummary | None] = None

    def __post_init__(self, summary: BoardSummary | None) -> None:
        object.__setattr__(self, "_summary", summary or BoardSummary.of(self.rows))

    @property
    def figures(self) -> BoardSummary:
        """The figures of every department of the board."""
        figures: BoardSummary = getattr(self, "_summary")  # noqa: B009 - set in __post_init__
        return figures

    def count(self, state: str) -> int:
        """How many departments are in ``state``."""
        return self.figures.counts.get(state, 0)

    @property
    def submitted(self) -> int:
        """Departments whose part is submitted."""
        return self.count(SUBMITTED)

    @property
    def measured(self) -> int:
        """KPIs measured, over every department (a KPI of two departments counts for each)."""
        return self.figures.measured

    @property
    def total(self) -> int:
        """KPIs to fill, over every department."""
        return self.figures.total

    @property
    def departments(self) -> int:
        """Departments on the board, over every page."""
        return self.figures.departments

    @property
    def page(self) -> int:
        """The page the rows are."""
        return self.figures.page

    @property
    def pages(self) -> int:
        """How many pages the board has."""
        return page_count(self.departments, self.figures.per_page)


def _active(session: Session, call_id: int) -> set[str]:
    """The departments whose part of a call is submitted and not withdrawn (names only: one row each)."""
    stmt = select(store.CallSubmission.department).where(
        store.CallSubmission.call_id == call_id, store.CallSubmission.withdrawn_at.is_(None)
    )
    return set(session.scalars(stmt))


def _page_submissions(session: Session, call_id: int, departments: list[str]) -> dict[str, SubmissionPublic]:
    stmt = select(store.CallSubmission).where(
        store.CallSubmission.call_id == call_id, store.CallSubmission.department.in_(departments)
    )
    return {r.department: public_submission(r) for r in session.scalars(stmt)}


def status_board(
    fiscal_year: int,
    *,
    actor: Actor,
    today: dt.date | None = None,
    page: int | None = None,
    per_page: int = PER_PAGE,
    engine: Engine | None = None,
) -> StatusBoard:
    """The status board of the year's call (administrators), departments in name order: one page of them
    (``page``; None: every department), the figures over all."""
    require_admin(actor, "実績照会の状況")
    day = today or today_in_japan()
    with read_session(ensure_schema(engine)) as session:
        call = public_call(call_row(session, fiscal_year))
        progress = department_progress(session, fiscal_year)
        names = list(progress)
        if page is None:
            page, per_page, chosen = 1, max(1, len(names)), names
        else:
            page, per_page = check_paging(page, per_page)
            chosen = names[(page - 1) * per_page : page * per_page]
        parts = (
            submissions(session, call.id) if len(chosen) == len(names) else _page_submissions(session, call.id, chosen)
        )
        rows = [
            BoardRow(d, state_of(call, parts.get(d), day), progress[d].measured, progress[d].total, parts.get(d))
            for d in chosen
        ]
        submitted = len(_active(session, call.id) & progress.keys())
        waiting = OVERDUE if call.overdue(day) else IN_PROGRESS
        counts = {SUBMITTED: submitted, IN_PROGRESS: 0, OVERDUE: 0}
        counts[waiting] = len(names) - submitted
        summary = BoardSummary(
            counts=counts,
            measured=sum(p.measured for p in progress.values()),
            total=sum(p.total for p in progress.values()),
            departments=len(names),
            page=page,
            per_page=per_page,
        )
        return StatusBoard(call=call, today=day, rows=rows, summary=summary)
