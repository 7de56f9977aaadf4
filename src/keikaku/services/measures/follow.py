"""The one rule that keeps computed actuals current: a write that changes the records of events or surveys
recomputes, in its own transaction, the KPIs whose current measure counts those events' records.

The writes that call :func:`follow_records` are those that change what a measure counts: check-ins,
registrations and their status changes (受付, キャンセル, 繰上げ, 欠席), survey responses (the public link,
paper entry, form imports), and the imports of participant and meeting lists.  Only the KPIs bound to the
events touched are computed (a survey's records belong to its event), each as
:func:`keikaku.services.measures.compute.compute_kpi` would, and only while its fiscal year is open for
its plan: once the year is locked, the actual no longer moves.  The KPIs' rows are held first, so that
concurrent writes recompute one after the other, each over the records the other committed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from keikaku.services.actuals import periods
from keikaku.services.core.actors import SYSTEM
from keikaku.services.core.errors import ConflictError
from keikaku.services.governance import audit
from keikaku.services.governance.audit_actions import AuditAction
from keikaku.services.measures.compute import evaluate, lock_kpis, record_computation
from keikaku.services.measures.figures import Figure
from keikaku.storage import measures as store
from keikaku.storage import models as m
from keikaku.storage import surveys as survey_store

#: What each kind of write changes: the measure kinds that count those records.
REGISTRATIONS = ("registrations",)  # a status change (受付済 and 欠席 count)
ATTENDANCE = ("attended_people", "attended_person_days", "answer_share")  # a share's response rate is per attendee
ANSWERS = ("answer_share",)
MEETINGS = ("meetings_held", "meeting_firms")
#: The measure kinds over event and survey records (the others count records without events).
KINDS = store.EVENT_KINDS


def bound_measures(session: Session, event_ids: set[int], kinds: Sequence[str] = KINDS) -> list[store.KpiMeasure]:
    """The current measures (each KPI's latest version) of these kinds that count any of the events."""
    if not event_ids or not kinds:
        return []
    over = select(store.KpiMeasureEvent.measure_id).where(store.KpiMeasureEvent.event_id.in_(sorted(event_ids)))
    candidates = session.scalars(
        select(store.KpiMeasure).where(store.KpiMeasure.id.in_(over), store.KpiMeasure.kind.in_(list(kinds)))
    ).all()
    hits = [r for r in candidates if event_ids & {int(e) for e in r.event_ids or []}]
    if not hits:
        return []
    latest = dict(
        session.execute(
            select(store.KpiMeasure.kpi_id, func.max(store.KpiMeasure.version))
            .where(store.KpiMeasure.kpi_id.in_({r.kpi_id for r in hits}))
            .group_by(store.KpiMeasure.kpi_id)
        ).all()
    )
    return sorted((r for r in hits if latest.get(r.kpi_id) == r.version), key=lambda r: r.kpi_id)


def _same_as_last(session: Session, kpi_id: int, year: int, figure: Figure) -> bool:
    """Whether the KPI's last computation found just this (then there is nothing new to store)."""
    c = store.ComputedActual
    last = session.execute(
        select(c.value, c.records, c.numerator, c.denominator, c.blanks, c.response_rate)
        .where(c.kpi_id == kpi_id, c.fiscal_year == year)
        .order_by(c.id.desc())
        .limit(1)
    ).first()
    found = (figure.value, figure.records, figure.numerator, figure.denominator, figure.blanks, figure.response_rate)
    return last is not None and tuple(last) == found


def _open(session: Session, year: int, plan_id: int) -> bool:
    """Whether the year is open for the plan (holding, on PostgreSQL, the lock a period lock waits for)."""
    try:
        periods.ensure_open(session, year, plan_id)
    except ConflictError as exc:
        if exc.code == "period_locked":
            return False
        raise
    return True


def follow_records(
    session: Session, kinds: Sequence[str], *, event_ids: Iterable[int] = (), survey_ids: Iterable[int] = ()
) -> dict[int, str]:
    """Recompute the KPIs whose measure, of one of ``kinds`` (those the write changes: :data:`REGISTRATIONS`,
    :data:`ATTENDANCE`, :data:`ANSWERS`, :data:`MEETINGS`), counts these events (or the events of these
    surveys), in the caller's transaction after its writes; the outcome of each KPI computed, by KPI id
    (locked years are skipped)."""
    events = {int(e) for e in event_ids}
    surveys = {int(s) for s in survey_ids}
    if surveys:
        found = session.scalars(select(survey_store.Survey.event_id).where(survey_store.Survey.id.in_(surveys)))
        events |= {int(e) for e in found if e is not None}
    measures = bound_measures(session, events, kinds)
    if not measures:
        return {}
    session.flush()
    lock_kpis(session, [r.kpi_id for r in measures])
    rows = session.execute(
        select(m.Kpi.id, m.Plan.fiscal_year, m.Plan.id)
        .join(m.Project, m.Project.id == m.Kpi.project_id)
        .join(m.Plan, m.Plan.id == m.Project.plan_id)
        .where(m.Kpi.id.in_([r.kpi_id for r in measures]))
    ).all()
    years = {int(k): (int(y), int(p)) for k, y, p in rows}
    now = dt.datetime.now(dt.UTC)
    outcomes: dict[int, str] = {}
    for measure in measures:
        year, plan_id = years[measure.kpi_id]
        if not _open(session, year, plan_id):
            continue  # the year is closed for this plan: its actual no longer moves
        figure = evaluate(session, measure)
        if _same_as_last(session, measure.kpi_id, year, figure):
            continue  # a change the measure does not see (a registration before anyone came)
        outcome, row, current = record_computation(
            session, measure, year, figure, locked=False, who=SYSTEM.name, now=now
        )
        outcomes[measure.kpi_id] = outcome
        if row is not None:
            audit.record(
                session,
                SYSTEM,
                AuditAction.ACTUAL_RECOMPUTE,
                "actual_value",
                f"{measure.kpi_id}:{year}:0",
                None if current is None else {"value": current.value, "channel": current.channel},
                {"value": figure.value, "version": row.version, "records": figure.records},
                "記録の変更による再計算",
            )
    return outcomes
