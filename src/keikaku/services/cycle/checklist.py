"""A department's checklist of a call: the KPIs it has to fill, measured or not, with its progress and
whether its part is submitted (提出).  Read only; submitting is :mod:`.submissions`."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Engine, not_, select, union
from sqlalchemy.orm import Session

from keikaku.services.core.actors import Actor, Permission, require
from keikaku.services.core.db import ensure_schema
from keikaku.services.core.errors import NotFoundError
from keikaku.services.core.paging import Paged, check_paging
from keikaku.services.cycle.calls import CallPublic, call_row, public_call
from keikaku.services.cycle.progress import (
    Progress,
    department_id,
    department_kpi_rows,
    measured_clause,
    one_department,
)
from keikaku.storage import actuals as act
from keikaku.storage import cycle as store
from keikaku.storage import models as m
from keikaku.storage.base import as_utc
from keikaku.storage.uow import read_session

#: A department's state on the board and its checklist.
SUBMITTED, IN_PROGRESS, OVERDUE = "submitted", "in_progress", "overdue"


@dataclass(frozen=True)
class SubmissionPublic:
    """A department's part of a call marked 提出, or withdrawn by an administrator."""

    department: str
    submitted_by: str
    submitted_at: dt.datetime
    measured: int
    total: int
    withdrawn_by: str | None
    withdrawn_at: dt.datetime | None
    withdraw_reason: str | None

    @property
    def active(self) -> bool:
        """Submitted and not withdrawn."""
        return self.withdrawn_at is None


@dataclass(frozen=True)
class ChecklistItem:
    """One KPI to fill: where it is, its target, and its value of the year if any."""

    kpi_id: int
    plan_id: int
    issuer: str
    project_id: int
    project_name: str
    indicator: str
    unit: str | None
    target: float | None
    measured: bool
    value: float | None


@dataclass(frozen=True)
class Checklist:
    """A department's checklist of a call: progress, state, submission and one page of its KPIs."""

    call: CallPublic
    department: str
    progress: Progress
    state: str
    submission: SubmissionPublic | None
    items: Paged[ChecklistItem]
    only_unmeasured: bool


def public_submission(row: store.CallSubmission) -> SubmissionPublic:
    """The read model of a submission row."""
    return SubmissionPublic(
        department=row.department,
        submitted_by=row.submitted_by,
        submitted_at=as_utc(row.submitted_at) or dt.datetime.now(dt.UTC),
        measured=row.measured,
        total=row.total,
        withdrawn_by=row.withdrawn_by,
        withdrawn_at=as_utc(row.withdrawn_at),
        withdraw_reason=row.withdraw_reason,
    )


def submissions(session: Session, call_id: int) -> dict[str, SubmissionPublic]:
    """Every department's submission row of a call, by department."""
    rows = session.scalars(select(store.CallSubmission).where(store.CallSubmission.call_id == call_id))
    return {r.department: public_submission(r) for r in rows}


def state_of(call: CallPublic, submission: SubmissionPublic | None, today: dt.date) -> str:
    """submitted (and not withdrawn), else overdue once the due date has passed, else in progress."""
    if submission is not None and submission.active:
        return SUBMITTED
    return OVERDUE if call.overdue(today) else IN_PROGRESS


def today_in_japan() -> dt.date:
    """Today's date in Japan, where the due dates are."""
    return dt.datetime.now(dt.timezone(dt.timedelta(hours=9))).date()


def submission_of(session: Session, call_id: int, department: str) -> SubmissionPublic | None:
    """One department's submission row of a call, if any."""
    row = session.scalar(
        select(store.CallSubmission).where(
            store.CallSubmission.call_id == call_id, store.CallSubmission.department == department
        )
    )
    return public_submission(row) if row is not None else None


def _measured(session: Session, kpi_ids: list[int], fiscal_year: int) -> set[int]:
    """Which of these KPIs have an actual value or a judgement for the year."""
    if not kpi_ids:
        return set()
    values = select(act.ActualValue.kpi_id).where(
        act.ActualValue.kpi_id.in_(kpi_ids), act.ActualValue.fiscal_year == fiscal_year
    )
    judged = select(act.QualitativeJudgement.kpi_id).where(
        act.QualitativeJudgement.kpi_id.in_(kpi_ids), act.QualitativeJudgement.fiscal_year == fiscal_year
    )
    return {k for k in session.scalars(union(values, judged)) if k is not None}


def _items(
    session: Session, fiscal_year: int, department: int, *, only_unmeasured: bool, page: int, per_page: int
) -> list[ChecklistItem]:
    where = [not_(measured_clause())] if only_unmeasured else []
    stmt = (
        department_kpi_rows(department, fiscal_year, *where)
        .add_columns(
            m.Kpi.id,
            m.Plan.id,
            m.Plan.issuer,
            m.Project.id,
            m.Project.name,
            m.Kpi.indicator,
            m.Kpi.unit,
            m.Kpi.target,
        )
        .order_by(m.Plan.issuer, m.Plan.id, m.Kpi.id)
        .limit(per_page)
        .offset((page - 1) * per_page)
    )
    rows = session.execute(stmt).all()
    ids = [r[0] for r in rows]
    measured = set() if only_unmeasured else _measured(session, ids, fiscal_year)
    values = {v.kpi_id: v.value for v in act.current_values(session, ids, [fiscal_year]) if v.month == act.WHOLE_YEAR}
    return [
        ChecklistItem(
            kpi_id=r[0],
            plan_id=r[1],
            issuer=r[2],
            project_id=r[3],
            project_name=r[4],
            indicator=r[5],
            unit=r[6],
            target=r[7],
            measured=r[0] in measured,
            value=values.get(r[0]),
        )
        for r in rows
    ]


def department_checklist(
    fiscal_year: int,
    department: str,
    *,
    actor: Actor,
    only_unmeasured: bool = False,
    page: int = 1,
    per_page: int = 50,
    today: dt.date | None = None,
    engine: Engine | None = None,
) -> Checklist:
    """The checklist of a department for the call of a fiscal year: its own department's for an editor,
    any department's for an administrator."""
    require(actor, Permission.RECORD_ACTUAL, departments=[department])
    page, per_page = check_paging(page, per_page)
    with read_session(ensure_schema(engine)) as session:
        call = public_call(call_row(session, fiscal_year))
        found = department_id(session, department)
        progress = one_department(session, found, fiscal_year) if found is not None else None
        if found is None or progress is None or not progress.total:
            raise NotFoundError(
                f"{department}には{fiscal_year}年度の事業計画の KPI がありません", code="department_not_found"
            )
        submission = submission_of(session, call.id, department)
        items = _items(session, fiscal_year, found, only_unmeasured=only_unmeasured, page=page, per_page=per_page)
        total = progress.total - progress.measured if only_unmeasured else progress.total
        return Checklist(
            call=call,
            department=department,
            progress=progress,
            state=state_of(call, submission, today or today_in_japan()),
            submission=submission,
            items=Paged(items, total, page, per_page),
            only_unmeasured=only_unmeasured,
        )
