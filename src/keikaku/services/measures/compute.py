"""Computing a KPI's actual from its measure, storing it as an actual version whose source says computed,
and the records behind the number (drill-down).

What happens to the KPI's actual for the fiscal year:

* none yet, or the current one was computed and differs: a new version (channel ``computed``) is added;
* the current one was typed by hand and differs: it is kept, and the KPI page shows both until the
  department adopts one (:func:`adopt_computed`); nothing is overwritten silently;
* the year is locked: nothing moves.

Each computation is kept (:class:`~keikaku.storage.measures.ComputedActual`) with n, blanks, the response
rate, the number of records and the time.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Engine, distinct, func, select
from sqlalchemy.orm import Session

from keikaku.services.actuals import periods
from keikaku.services.communications.figures import evaluate_communications
from keikaku.services.core.actors import Actor, Permission, require
from keikaku.services.core.db import ensure_schema
from keikaku.services.core.errors import ConflictError, NotFoundError, ValidationError
from keikaku.services.events import meetings
from keikaku.services.governance import audit
from keikaku.services.governance.audit_actions import AuditAction
from keikaku.services.measures.definitions import KIND_LABELS, bind_measure_in, current_measure_row, kpi_ref
from keikaku.services.measures.figures import Figure, attendance_figure, share_figure
from keikaku.services.platform import counts as platform_counts
from keikaku.services.platform.common import can_view_cases
from keikaku.services.publication.visibility import visibility_for
from keikaku.storage import actuals as actual_store
from keikaku.storage import events as event_store
from keikaku.storage import measures as store
from keikaku.storage import models as m
from keikaku.storage import surveys as survey_store
from keikaku.storage.uow import read_session, unit_of_work

COUNTED = event_store.Registration.role == event_store.COUNTED_ROLE


def _attended(session: Session, event_ids: list[int]) -> tuple[int, int, int]:
    """(distinct people, distinct person-days, check-in marks) of counted roles at the events (a person who
    came to two of them once: :func:`keikaku.storage.events.person_key`)."""
    base = (
        select(event_store.person_key(), event_store.CheckIn.day)
        .join(event_store.Registration, event_store.Registration.id == event_store.CheckIn.registration_id)
        .where(event_store.CheckIn.event_id.in_(event_ids), COUNTED)
    )
    rows = session.execute(base).all()
    return len({p for p, _d in rows}), len(set(rows)), len(rows)


def evaluate(session: Session, measure: store.KpiMeasure) -> Figure:
    """The figure of a measure over the current records."""
    if measure.kind == store.HAND_ENTERED:
        raise ConflictError("この KPI は手入力と定められています（記録から計算しません）", code="hand_entered")
    if measure.kind in store.COMMUNICATION_KINDS:
        found = evaluate_communications(session, measure.kind, dict(measure.params or {}), detail=False)
        return Figure(found.value, found.records, found.numerator, found.denominator, found.blanks, note=found.note)
    ids = [int(e) for e in measure.event_ids or []]
    if measure.kind in store.PLATFORM_KINDS:
        year = int(kpi_ref(session, measure.kpi_id).fiscal_year or 0)
        if measure.kind == platform_counts.SATISFACTION_KIND:
            satisfied = platform_counts.satisfaction(session, year)
            return Figure(
                satisfied.value,
                satisfied.responses,
                float(satisfied.satisfied),
                float(satisfied.answered),
                satisfied.responses - satisfied.answered,
                satisfied.response_rate,
            )
        value, records = platform_counts.figure(session, measure.kind, year)
        return Figure(value, records)
    if measure.kind in meetings.KINDS:
        value, records = meetings.figure(session, measure.kind, ids)
        return Figure(value, records)
    if measure.kind in ("attended_people", "attended_person_days"):
        return attendance_figure(measure.kind, *_attended(session, ids))
    if measure.kind == "registrations":
        count = session.scalar(
            select(func.count())
            .select_from(event_store.Registration)
            .where(
                event_store.Registration.event_id.in_(ids),
                COUNTED,
                event_store.Registration.status.in_((event_store.REGISTERED, event_store.NO_SHOW)),
            )
        )
        return Figure(float(count or 0), int(count or 0))
    surveys = select(survey_store.Survey.id).where(survey_store.Survey.event_id.in_(ids))
    responses = survey_store.count_responses(session, survey_store.SurveyResponse.survey_id.in_(surveys))
    answers = (
        select(survey_store.SurveyAnswer.response_id)
        .join(survey_store.SurveyResponse, survey_store.SurveyResponse.id == survey_store.SurveyAnswer.response_id)
        .where(
            survey_store.SurveyResponse.survey_id.in_(surveys),
            survey_store.SurveyAnswer.question_id == measure.question_id,
            survey_store.SurveyAnswer.option_code.is_not(None),
        )
    )
    answered = int(session.scalar(select(func.count(distinct(answers.subquery().c.response_id)))) or 0)
    chosen = answers.where(survey_store.SurveyAnswer.option_code.in_(list(measure.codes or [])))
    hits = int(session.scalar(select(func.count(distinct(chosen.subquery().c.response_id)))) or 0)
    people, _days, _marks = _attended(session, ids)
    return share_figure(hits, answered, responses, people)


@dataclass(frozen=True)
class ComputedPublic:
    """A computation of a KPI's actual and what became of it."""

    kpi_id: int
    fiscal_year: int
    measure: str
    value: float
    records: int
    numerator: float | None
    denominator: float | None
    blanks: int | None
    response_rate: float | None
    outcome: str
    computed_at: dt.datetime
    entered_value: float | None


def _computed_public(  # noqa: PLR0917 - the parts of one computation
    measure: store.KpiMeasure, year: int, figure: Figure, outcome: str, at: dt.datetime, entered: float | None
) -> ComputedPublic:
    f = figure
    values = (f.value, f.records, f.numerator, f.denominator, f.blanks, f.response_rate)
    return ComputedPublic(measure.kpi_id, year, KIND_LABELS[measure.kind], *values, outcome, at, entered)


def evidence(measure: store.KpiMeasure, figure: Figure, at: dt.datetime) -> str:
    text = f"計算値（{KIND_LABELS[measure.kind]}、集計方法 版{measure.version}）: 記録 {figure.records} 件"
    if figure.denominator is not None:
        text += f"、n={int(figure.denominator)}、無回答 {figure.blanks}"
        if figure.response_rate is not None:
            text += f"、回答率 {figure.response_rate:.1%}"
    if figure.note:
        text += f"、{figure.note}"
    return f"{text}、{at.astimezone(dt.UTC).isoformat(timespec='seconds')} 計算"


def _append(  # noqa: PLR0917 - private; one actual version's fields
    session: Session, ref_id: int, year: int, version: int, figure: Figure, evidence: str, user: str, reason: str | None
) -> actual_store.ActualValue:
    row = actual_store.ActualValue(
        kpi_id=ref_id,
        fiscal_year=year,
        month=actual_store.WHOLE_YEAR,
        version=version,
        value=figure.value,
        numerator=figure.numerator,
        denominator=figure.denominator,
        evidence_text=evidence,
        reason=reason,
        channel="computed",
        entered_by=user,
        entered_at=dt.datetime.now(dt.UTC),
    )
    session.add(row)
    session.flush()
    return row


def outcome_of(*, locked: bool, current: tuple[float | None, str] | None, value: float) -> str:
    """What a computed value does to a KPI's actual (the module's rule): ``locked`` (the year is locked),
    ``unchanged``, ``kept_entered`` (a differing hand-entered actual stays) or ``recorded`` (a new version);
    ``current`` is the actual's (value, channel), None when there is none."""
    if locked:
        return "locked"
    if current is not None and current[0] == value:
        return "unchanged"
    if current is not None and current[1] != "computed":
        return "kept_entered"
    return "recorded"


def record_computation(
    session: Session,
    measure: store.KpiMeasure,
    year: int,
    figure: Figure,
    *,
    locked: bool,
    who: str,
    now: dt.datetime,
) -> tuple[str, actual_store.ActualValue | None, actual_store.ActualValue | None]:
    """Store a computation of a KPI's actual in the caller's transaction, as the module says: its outcome,
    the actual version it added (if any) and the KPI's actual before it."""
    versions = [v for v in actual_store.value_versions(session, measure.kpi_id, year) if v.month == 0]
    current = versions[-1] if versions else None
    seen = None if current is None else (current.value, current.channel)
    outcome = outcome_of(locked=locked, current=seen, value=figure.value)
    actual_row = None
    if outcome == "recorded":
        reason = None if current is None else "記録の変更による再計算"
        version = (current.version + 1) if current else 1
        actual_row = _append(
            session, measure.kpi_id, year, version, figure, evidence(measure, figure, now), who, reason
        )
    session.add(_computed(measure, year, figure, outcome, actual_row, who, now))
    return outcome, actual_row, current


def _computed(  # noqa: PLR0917 - private; one computation's fields
    measure: store.KpiMeasure,
    year: int,
    figure: Figure,
    outcome: str,
    actual_row: actual_store.ActualValue | None,
    who: str,
    now: dt.datetime,
) -> store.ComputedActual:
    return store.ComputedActual(
        kpi_id=measure.kpi_id,
        measure_id=measure.id,
        fiscal_year=year,
        value=figure.value,
        numerator=figure.numerator,
        denominator=figure.denominator,
        records=figure.records,
        blanks=figure.blanks,
        response_rate=figure.response_rate,
        outcome=outcome,
        actual_value_id=actual_row.id if actual_row else None,
        computed_by=who,
        computed_at=now,
    )


def lock_kpis(session: Session, kpi_ids: list[int]) -> None:
    """Hold the KPIs' rows (PostgreSQL; SQLite has one writer) so that two computations of one KPI follow
    each other: the second sees the records the first committed, and the versions do not collide."""
    if kpi_ids:
        session.execute(select(m.Kpi.id).where(m.Kpi.id.in_(sorted(set(kpi_ids)))).order_by(m.Kpi.id).with_for_update())


def compute_kpi(kpi_id: int, *, actor: Actor, engine: Engine | None = None) -> ComputedPublic:
    """Compute a KPI's actual for its fiscal year from its measure (see the module for what is stored)."""
    with unit_of_work(ensure_schema(engine)) as session:
        return compute_kpi_in(session, kpi_id, actor)


def bind_and_compute(
    kpi_id: int,
    kind: str,
    event_ids: Sequence[int],
    *,
    question_code: str | None = None,
    codes: Sequence[str] = (),
    actor: Actor,
    engine: Engine | None = None,
) -> ComputedPublic:
    """Bind a KPI to an event, survey or platform measure and compute it, in one transaction: a measure that
    cannot be computed is not bound either."""
    with unit_of_work(ensure_schema(engine)) as session:
        bind_measure_in(session, kpi_id, kind, event_ids, question_code=question_code, codes=codes, actor=actor)
        return compute_kpi_in(session, kpi_id, actor)


def compute_kpi_in(session: Session, kpi_id: int, actor: Actor) -> ComputedPublic:
    """:func:`compute_kpi` in the caller's transaction."""
    ref = kpi_ref(session, kpi_id)
    require(actor, Permission.RECORD_ACTUAL, departments=ref.departments)
    lock_kpis(session, [kpi_id])
    measure = current_measure_row(session, kpi_id)
    if measure is None:
        raise NotFoundError("この KPI には集計方法が設定されていません", code="measure_not_found")
    year = int(ref.fiscal_year or 0)
    figure = evaluate(session, measure)
    now = dt.datetime.now(dt.UTC)
    outcome, _row, current = record_computation(
        session, measure, year, figure, locked=periods.is_locked(session, year), who=actor.recorded_name, now=now
    )
    audit.record(
        session,
        actor,
        AuditAction.ACTUAL_COMPUTE,
        "actual_value",
        f"{kpi_id}:{year}:0",
        None if current is None else {"value": current.value, "channel": current.channel},
        {
            "value": figure.value,
            "outcome": outcome,
            "records": figure.records,
            "n": figure.denominator,
            "blanks": figure.blanks,
        },
    )
    entered = None if current is None or current.channel == "computed" else current.value
    return _computed_public(measure, year, figure, outcome, now, entered)


def adopt_computed(kpi_id: int, *, actor: Actor, reason: str, engine: Engine | None = None) -> ComputedPublic:
    """Make the latest computed value the official actual, over a differing hand-entered one (with a reason)."""
    if not reason.strip():
        raise ValidationError("計算値を採用する理由を入力してください", details={"fields": {"reason": "必須"}})
    with unit_of_work(ensure_schema(engine)) as session:
        ref = kpi_ref(session, kpi_id)
        require(actor, Permission.RECORD_ACTUAL, departments=ref.departments)
        year = int(ref.fiscal_year or 0)
        periods.ensure_open(session, year)
        lock_kpis(session, [kpi_id])
        latest = session.scalar(
            select(store.ComputedActual)
            .where(store.ComputedActual.kpi_id == kpi_id)
            .order_by(store.ComputedActual.id.desc())
        )
        measure = current_measure_row(session, kpi_id)
        if latest is None or measure is None:
            raise ConflictError("まだ計算されていません。先に計算してください", code="not_computed")
        figure = evaluate(session, measure)
        versions = [v for v in actual_store.value_versions(session, kpi_id, year) if v.month == 0]
        current = versions[-1] if versions else None
        now = dt.datetime.now(dt.UTC)
        row = _append(
            session,
            kpi_id,
            year,
            (current.version + 1) if current else 1,
            figure,
            evidence(measure, figure, now),
            actor.recorded_name,
            reason.strip(),
        )
        session.add(_computed(measure, year, figure, "recorded", row, actor.recorded_name, now))
        audit.record(
            session,
            actor,
            AuditAction.ACTUAL_ADOPT_COMPUTED,
            "actual_value",
            f"{kpi_id}:{year}:0",
            None if current is None else {"value": current.value, "channel": current.channel},
            {"value": figure.value, "version": row.version},
            reason.strip(),
        )
        return _computed_public(measure, year, figure, "recorded", now, None)


@dataclass(frozen=True)
class DrillDown:
    """The records behind a computed KPI: counts for everyone, named rows for the owning department's staff."""

    kpi_id: int
    label: str
    indicator: str
    fiscal_year: int
    figure: Figure
    counts: tuple[tuple[str, int], ...]
    names: tuple[tuple[str, str, str], ...] | None
    latest: ComputedPublic | None
    entered_value: float | None
    entered_channel: str | None


def drill_down(kpi_id: int, *, viewer: Actor, engine: Engine | None = None) -> DrillDown:
    """The measure's current figure and its records: per day or per answer; names only for staff."""
    with read_session(ensure_schema(engine)) as session:
        ref = kpi_ref(session, kpi_id)
        measure = current_measure_row(session, kpi_id)
        if measure is None:
            raise NotFoundError("この KPI には集計方法が設定されていません", code="measure_not_found")
        ids = [int(e) for e in measure.event_ids or []]
        events = session.scalars(select(event_store.ManagedEvent).where(event_store.ManagedEvent.id.in_(ids))).all()
        staff = any(viewer.can(Permission.VIEW_PERSONAL_DATA, departments=[e.department]) for e in events)
        if measure.kind in store.PLATFORM_KINDS:
            staff = can_view_cases(viewer)  # aggregate counts for everyone, as the case counts page
        elif not staff and not all(e.published for e in events):
            raise NotFoundError("この KPI には集計方法が設定されていません", code="measure_not_found")
        figure = evaluate(session, measure)
        counts: list[tuple[str, int]] = []
        names: list[tuple[str, str, str]] = []
        year = int(ref.fiscal_year or 0)
        if measure.kind in store.PLATFORM_KINDS:
            counts = platform_counts.by_month(session, measure.kind, year)
            if staff:
                names = platform_counts.names(session, measure.kind, year)
        elif measure.kind in store.COMMUNICATION_KINDS:
            visibility_for(viewer).ensure_kpi_visible(session, kpi_id)  # a draft plan's KPI is not found
            comms = evaluate_communications(session, measure.kind, dict(measure.params or {}))
            counts = list(comms.months)
            owners = [*ref.departments, *comms.departments]
            staff = any(viewer.can(Permission.VIEW_PERSONAL_DATA, departments=[d]) for d in owners)
            names = list(comms.rows)
        elif measure.kind in meetings.KINDS:
            counts = meetings.by_day(session, measure.kind, ids)
            if staff:
                names = meetings.names(session, measure.kind, ids)
        elif measure.kind == "answer_share":
            question = session.get(survey_store.Question, measure.question_id)
            labels = {o["code"]: o["label"] for o in (question.options if question else [])}
            rows = session.execute(
                select(survey_store.SurveyAnswer.option_code, func.count())
                .join(
                    survey_store.SurveyResponse, survey_store.SurveyResponse.id == survey_store.SurveyAnswer.response_id
                )
                .join(survey_store.Survey, survey_store.Survey.id == survey_store.SurveyResponse.survey_id)
                .where(
                    survey_store.Survey.event_id.in_(ids),
                    survey_store.SurveyAnswer.question_id == measure.question_id,
                    survey_store.SurveyAnswer.option_code.is_not(None),
                )
                .group_by(survey_store.SurveyAnswer.option_code)
            ).all()
            found = dict(rows)
            counts = [
                (("★ " if c in (measure.codes or []) else "") + label, int(found.get(c, 0)))
                for c, label in labels.items()
            ]
            counts.append(("無回答", int(figure.blanks or 0)))
        else:
            day_rows = session.execute(
                select(event_store.CheckIn.day, func.count(distinct(event_store.person_key())))
                .join(event_store.Registration, event_store.Registration.id == event_store.CheckIn.registration_id)
                .where(event_store.CheckIn.event_id.in_(ids), COUNTED)
                .group_by(event_store.CheckIn.day)
                .order_by(event_store.CheckIn.day)
            ).all()
            counts = [(day.isoformat(), int(n)) for day, n in day_rows]
            if staff:
                people = session.execute(
                    select(event_store.Person.name, event_store.Organisation.name, event_store.CheckIn.day)
                    .join(event_store.Registration, event_store.Registration.person_id == event_store.Person.id)
                    .join(event_store.CheckIn, event_store.CheckIn.registration_id == event_store.Registration.id)
                    .outerjoin(
                        event_store.Organisation, event_store.Organisation.id == event_store.Person.organisation_id
                    )
                    .where(event_store.CheckIn.event_id.in_(ids), COUNTED)
                    .order_by(event_store.CheckIn.day, event_store.Person.id)
                ).all()
                names = [(name or "（消去済み）", org or "", day.isoformat()) for name, org, day in people]
        latest_row = session.scalar(
            select(store.ComputedActual)
            .where(store.ComputedActual.kpi_id == kpi_id)
            .order_by(store.ComputedActual.id.desc())
        )
        versions = [v for v in actual_store.value_versions(session, kpi_id, int(ref.fiscal_year or 0)) if v.month == 0]
        current = versions[-1] if versions else None
        latest = None
        if latest_row is not None:
            latest = ComputedPublic(
                kpi_id,
                latest_row.fiscal_year,
                KIND_LABELS[measure.kind],
                latest_row.value,
                latest_row.records,
                latest_row.numerator,
                latest_row.denominator,
                latest_row.blanks,
                latest_row.response_rate,
                latest_row.outcome,
                latest_row.computed_at,
                None,
            )
        return DrillDown(
            kpi_id,
            KIND_LABELS[measure.kind],
            ref.indicator,
            int(ref.fiscal_year or 0),
            figure,
            tuple(counts),
            tuple(names) if staff else None,
            latest,
            current.value if current else None,
            current.channel if current else None,
        )
