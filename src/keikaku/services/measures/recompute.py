"""Recomputing every bound KPI of a fiscal year at once: the figures of the event and survey measures by one
set-based query per measure kind (over a temporary table of the measures' events), the others by their own
rule (:func:`keikaku.services.measures.compute.evaluate`); then, for each KPI, what
:func:`keikaku.services.measures.compute.compute_kpi` does — a new computed version, unchanged, the
hand-entered value kept, or nothing when the year is locked — in one transaction, written in bulk.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Column, Connection, Engine, Integer, MetaData, Select, String, Table, cast, func, insert, select
from sqlalchemy.orm import Session
from sqlalchemy.types import TypeEngine

from keikaku.services.actuals import periods
from keikaku.services.core.actors import Actor, require_admin
from keikaku.services.core.db import ensure_schema
from keikaku.services.governance import audit
from keikaku.services.governance.audit_actions import AuditAction
from keikaku.services.measures.compute import COUNTED, evaluate, evidence, lock_kpis, outcome_of
from keikaku.services.measures.figures import Figure, attendance_figure, share_figure
from keikaku.storage import actuals as actual_store
from keikaku.storage import derived
from keikaku.storage import events as ev
from keikaku.storage import measures as store
from keikaku.storage import models as m
from keikaku.storage import surveys as sv
from keikaku.storage.uow import unit_of_work

#: The kinds computed here set-based; the others go through :func:`evaluate` one by one.
SET_BASED = ("attended_people", "attended_person_days", "registrations", "answer_share")

_scratch = MetaData()


def _temporary(name: str, **columns: type[TypeEngine[Any]] | TypeEngine[Any]) -> Table:
    """A temporary table of the recomputation (every column required), created and dropped around it."""
    return Table(name, _scratch, *(Column(c, t, nullable=False) for c, t in columns.items()), prefixes=["TEMPORARY"])


#: The distinct event sets of the measures (KPIs bound to the same events share one), with what each needs.
_SETS = _temporary(
    "tmp_measure_event_sets", set_id=Integer, event_id=Integer, people=Integer, days=Integer, registrations=Integer
)
#: The events of each share measure (its question is the measure's), and the codes it counts.
_SHARES = _temporary("tmp_share_measure_events", measure_id=Integer, event_id=Integer)
_CODES = _temporary("tmp_measure_codes", measure_id=Integer, code=String(60))
_TABLES = (_SETS, _SHARES, _CODES)


@dataclass(frozen=True)
class YearComputation:
    """What a recomputation of a fiscal year did: the KPIs computed, and how many of each outcome."""

    fiscal_year: int
    kpis: int
    outcomes: dict[str, int]


def _current_measures(session: Session, fiscal_year: int) -> list[store.KpiMeasure]:
    """The latest measure version of every KPI of the year's current plans (hand-entered ones excluded)."""
    latest = (
        select(store.KpiMeasure.kpi_id, func.max(store.KpiMeasure.version).label("version"))
        .group_by(store.KpiMeasure.kpi_id)
        .subquery()
    )
    return list(
        session.scalars(
            select(store.KpiMeasure)
            .join(latest, (latest.c.kpi_id == store.KpiMeasure.kpi_id) & (latest.c.version == store.KpiMeasure.version))
            .join(m.Kpi, m.Kpi.id == store.KpiMeasure.kpi_id)
            .join(m.Project, m.Project.id == m.Kpi.project_id)
            .join(m.Plan, m.Plan.id == m.Project.plan_id)
            .where(
                m.Plan.fiscal_year == fiscal_year,
                m.Plan.is_current.is_(True),
                store.KpiMeasure.kind != store.HAND_ENTERED,
            )
            .order_by(store.KpiMeasure.kpi_id)
        )
    )


def _fill(conn: Connection, table: Table, rows: Sequence[Mapping[str, object]]) -> None:
    """Insert rows through the driver's executemany (no per-row work of SQLAlchemy's: the rows are ints)."""
    if not rows:
        return
    names = list(rows[0])
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    sql = f"INSERT INTO {table.name} ({', '.join(names)}) VALUES ({', '.join([mark] * len(names))})"
    conn.exec_driver_sql(sql, [tuple(row[n] for n in names) for row in rows])


def _scratch_tables(conn: Connection, measures: list[store.KpiMeasure]) -> dict[int, int]:
    """Fill the scratch tables; the event set of each measure."""
    for table in _TABLES:
        table.drop(conn, checkfirst=True)
        table.create(conn)
    sets: dict[tuple[int, ...], int] = {}
    needs: dict[int, set[str]] = {}
    set_of: dict[int, int] = {}
    for r in measures:
        key = tuple(sorted({int(e) for e in r.event_ids or []}))
        set_of[r.id] = sets.setdefault(key, len(sets) + 1)
        need = {"attended_person_days": "days", "registrations": "registrations"}.get(r.kind, "people")
        needs.setdefault(set_of[r.id], set()).add(need)
    rows = [
        {
            "set_id": set_id,
            "event_id": e,
            **{flag: int(flag in needs[set_id]) for flag in ("people", "days", "registrations")},
        }
        for key, set_id in sets.items()
        for e in key
    ]
    _fill(conn, _SETS, rows)
    shares = [r for r in measures if r.kind == "answer_share" and r.question_id is not None]
    if shares:
        events = [
            {"measure_id": r.id, "event_id": e} for r in shares for e in sorted({int(x) for x in r.event_ids or []})
        ]
        _fill(conn, _SHARES, events)
        _fill(conn, _CODES, [{"measure_id": r.id, "code": str(c)} for r in shares for c in r.codes or []])
    return set_of


def _marks(flag: Column[int]) -> Select[Any]:
    return (
        select(_SETS.c.set_id)
        .join(ev.CheckIn, ev.CheckIn.event_id == _SETS.c.event_id)
        .join(ev.Registration, ev.Registration.id == ev.CheckIn.registration_id)
        .where(COUNTED, flag == 1)
        .group_by(_SETS.c.set_id)
    )


def _attendance(conn: Connection) -> dict[int, tuple[int, int, int]]:
    """(distinct people, distinct person-days, marks) of counted roles, per event set (person-days only for
    the sets that need them)."""
    people = _marks(_SETS.c.people).add_columns(func.count(func.distinct(ev.person_key())), func.count())
    person_day = cast(ev.person_key(), String) + "|" + cast(ev.CheckIn.day, String)
    days = _marks(_SETS.c.days).add_columns(func.count(func.distinct(person_day)), func.count())
    found: dict[int, list[int]] = {}
    for set_id, n, marks in conn.execute(people):
        found.setdefault(int(set_id), [0, 0, 0])[0::2] = [int(n), int(marks)]
    for set_id, n, marks in conn.execute(days):
        found.setdefault(int(set_id), [0, 0, 0])[1:] = [int(n), int(marks)]
    return {k: (v[0], v[1], v[2]) for k, v in found.items()}


def _registrations(conn: Connection) -> dict[int, int]:
    """Confirmed registrations (受付済 and 欠席) of counted roles, per event set that needs them."""
    query = (
        select(_SETS.c.set_id, func.count())
        .join(ev.Registration, ev.Registration.event_id == _SETS.c.event_id)
        .where(COUNTED, ev.Registration.status.in_((ev.REGISTERED, ev.NO_SHOW)), _SETS.c.registrations == 1)
        .group_by(_SETS.c.set_id)
    )
    return {int(a): int(n) for a, n in conn.execute(query)}


def _shares(conn: Connection) -> tuple[dict[int, int], dict[int, int], dict[int, int]]:
    """Per share measure: responses to its events' surveys, responses answering its question, and those
    answering it with one of its codes."""
    responses = (
        select(_SHARES.c.measure_id, func.count())
        .join(sv.Survey, sv.Survey.event_id == _SHARES.c.event_id)
        .join(sv.SurveyResponse, sv.SurveyResponse.survey_id == sv.Survey.id)
        .group_by(_SHARES.c.measure_id)
    )
    answers = (  # driven by the measures' events (the question is the measure's, found by its id)
        select(_SHARES.c.measure_id, sv.SurveyAnswer.response_id, sv.SurveyAnswer.option_code)
        .join(store.KpiMeasure, store.KpiMeasure.id == _SHARES.c.measure_id)
        .join(sv.Survey, sv.Survey.event_id == _SHARES.c.event_id)
        .join(sv.SurveyResponse, sv.SurveyResponse.survey_id == sv.Survey.id)
        .join(sv.SurveyAnswer, sv.SurveyAnswer.response_id == sv.SurveyResponse.id)
        .where(sv.SurveyAnswer.question_id == store.KpiMeasure.question_id, sv.SurveyAnswer.option_code.is_not(None))
        .subquery()
    )
    answered = select(answers.c.measure_id, func.count(func.distinct(answers.c.response_id))).group_by(
        answers.c.measure_id
    )
    chosen = (
        select(answers.c.measure_id, func.count(func.distinct(answers.c.response_id)))
        .join(_CODES, (_CODES.c.measure_id == answers.c.measure_id) & (_CODES.c.code == answers.c.option_code))
        .group_by(answers.c.measure_id)
    )
    return tuple(  # type: ignore[return-value]
        {int(a): int(n) for a, n in conn.execute(q)} for q in (responses, answered, chosen)
    )


def _figures(session: Session, measures: list[store.KpiMeasure]) -> dict[int, Figure]:
    """The figure of every measure (by its id), as :func:`evaluate` finds it."""
    mine = [r for r in measures if r.kind in SET_BASED]
    figures = {r.id: evaluate(session, r) for r in measures if r.kind not in SET_BASED}
    if not mine:
        return figures
    conn = session.connection()
    set_of = _scratch_tables(conn, mine)
    attended = _attendance(conn)
    registered = _registrations(conn)
    responses, answered, hits = _shares(conn)
    for r in mine:
        people, person_days, marks = attended.get(set_of[r.id], (0, 0, 0))
        if r.kind in ("attended_people", "attended_person_days"):
            figures[r.id] = attendance_figure(r.kind, people, person_days, marks)
        elif r.kind == "registrations":
            count = registered.get(set_of[r.id], 0)
            figures[r.id] = Figure(float(count), count)
        else:
            figures[r.id] = share_figure(hits.get(r.id, 0), answered.get(r.id, 0), responses.get(r.id, 0), people)
    for table in _TABLES:
        table.drop(conn)
    return figures


def _current_actuals(session: Session, fiscal_year: int, kpi_ids: list[int]) -> dict[int, tuple[int, float, str]]:
    """(version, value, channel) of each KPI's latest whole-year actual."""
    a = actual_store.ActualValue
    latest = (
        select(a.kpi_id, func.max(a.version).label("version"))
        .where(a.fiscal_year == fiscal_year, a.month == actual_store.WHOLE_YEAR)
        .group_by(a.kpi_id)
        .subquery()
    )
    rows = session.execute(
        select(a.kpi_id, a.version, a.value, a.channel)
        .join(latest, (latest.c.kpi_id == a.kpi_id) & (latest.c.version == a.version))
        .where(a.fiscal_year == fiscal_year, a.month == actual_store.WHOLE_YEAR)
    ).all()
    wanted = set(kpi_ids)
    return {k: (v, float(x) if x is not None else float("nan"), c) for k, v, x, c in rows if k in wanted}


def compute_year(fiscal_year: int, *, actor: Actor, engine: Engine | None = None) -> YearComputation:
    """Compute every bound KPI of a fiscal year's current plans (an administrator's run; see the module)."""
    require_admin(actor, "年度の KPI の一括計算")
    with unit_of_work(ensure_schema(engine)) as session:
        measures = _current_measures(session, fiscal_year)
        lock_kpis(session, [r.kpi_id for r in measures])  # a check-in's recompute waits, then follows this run
        figures = _figures(session, measures)
        locked = periods.is_locked(session, fiscal_year)
        current = _current_actuals(session, fiscal_year, [r.kpi_id for r in measures])
        now = dt.datetime.now(dt.UTC)
        who = actor.recorded_name
        outcomes: Counter[str] = Counter()
        actual_rows: list[dict[str, object]] = []
        computed_rows: list[dict[str, object]] = []
        for r in measures:
            figure, seen = figures[r.id], current.get(r.kpi_id)
            outcome = outcome_of(locked=locked, current=None if seen is None else seen[1:], value=figure.value)
            if outcome == "recorded":
                actual_rows.append(
                    {
                        "kpi_id": r.kpi_id,
                        "fiscal_year": fiscal_year,
                        "month": actual_store.WHOLE_YEAR,
                        "version": (seen[0] + 1) if seen else 1,
                        "value": figure.value,
                        "numerator": figure.numerator,
                        "denominator": figure.denominator,
                        "evidence_text": evidence(r, figure, now),
                        "reason": None if seen is None else "記録の変更による再計算",
                        "channel": "computed",
                        "entered_by": who,
                        "entered_at": now,
                    }
                )
            outcomes[outcome] += 1
            computed_rows.append(
                {
                    "kpi_id": r.kpi_id,
                    "measure_id": r.id,
                    "fiscal_year": fiscal_year,
                    "value": figure.value,
                    "numerator": figure.numerator,
                    "denominator": figure.denominator,
                    "records": figure.records,
                    "blanks": figure.blanks,
                    "response_rate": figure.response_rate,
                    "outcome": outcome,
                    "actual_value_id": None,
                    "computed_by": who,
                    "computed_at": now,
                }
            )
        conn = session.connection()
        ids: dict[int, int] = {}
        if actual_rows:
            table = actual_store.ActualValue.__table__
            statement = insert(table).returning(table.c.kpi_id, table.c.id, sort_by_parameter_order=True)  # type: ignore[arg-type]
            ids = {int(k): int(i) for k, i in conn.execute(statement, actual_rows)}
            derived.bump(session, [derived.ALL])  # every plan's cached statuses follow the new actuals
        for row in computed_rows:
            row["actual_value_id"] = ids.get(int(str(row["kpi_id"]))) if row["outcome"] == "recorded" else None
        if computed_rows:
            conn.execute(insert(store.ComputedActual.__table__), computed_rows)  # type: ignore[arg-type]
        audit.record(
            session,
            actor,
            AuditAction.ACTUAL_COMPUTE_YEAR,
            "period",
            fiscal_year,
            None,
            {"kpis": len(measures), **outcomes},
        )
        return YearComputation(fiscal_year, len(measures), dict(outcomes))
