"""Evaluating a fiscal year: read everything once, compute once, and present the result.

:func:`evaluate_fiscal_year` reads the year's current plans, their KPIs, the current actual values,
qualitative judgements and thresholds in a handful of queries, hands them to the batch evaluator
(:func:`keikaku.evaluation.evaluate_plan`) and returns one :class:`PlanEvaluation` per plan, with the
vision's progress and the comparison with the earlier plan.
"""

from __future__ import annotations

import datetime as dt
import gc
from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Engine, Select, select
from sqlalchemy.orm import Session

from keikaku.domain.kpi import Comparator
from keikaku.evaluation import (
    DEFAULT_THRESHOLDS,
    EvaluationInput,
    Judgement,
    KpiSpec,
    Node,
    Observation,
    Status,
    Thresholds,
    VisionProgress,
    annual_total,
    evaluate_plan,
    vision_progress,
)
from keikaku.evaluation.views import PlanEvaluation, to_jsonable
from keikaku.evaluation.yoy import match_key
from keikaku.normalize.text import normalize_text
from keikaku.services.actuals import periods
from keikaku.services.actuals.record import actor_name
from keikaku.services.core.actors import PUBLIC, Actor, Permission, require
from keikaku.services.core.db import ensure_schema
from keikaku.services.evaluations.view import build_plan_evaluation
from keikaku.services.governance import audit
from keikaku.services.governance.audit_actions import AuditAction
from keikaku.services.plans.compare import compare_by_issuer
from keikaku.services.plans.kpis import current_plans, spec_from_row, vision_kpi_refs
from keikaku.services.plans.rows import KpiRow, PlanTree, ProjectRow, gc_paused, load_plan_tree, plan_row
from keikaku.services.publication.visibility import visibility_for
from keikaku.storage import actuals as store
from keikaku.storage import models as m
from keikaku.storage.in_lists import in_chunks
from keikaku.storage.uow import read_session, unit_of_work


def observations(rows: Sequence[store.ValueRow | store.ActualValue], fiscal_year: int) -> dict[int, Observation]:
    """The year's value of each KPI: the whole-year value if entered, else the sum of its monthly values."""
    annual: dict[int, Observation] = {}
    monthly: dict[int, dict[int, float]] = defaultdict(dict)
    dates: dict[int, dt.date] = {}
    for row in rows:
        if row.fiscal_year != fiscal_year:
            continue
        if row.month:
            monthly[row.kpi_id][row.month] = row.value
            if row.measured_on and (row.kpi_id not in dates or row.measured_on > dates[row.kpi_id]):
                dates[row.kpi_id] = row.measured_on
        else:
            annual[row.kpi_id] = Observation(row.value, None, row.measured_on)
    for kpi_id, months in monthly.items():
        if kpi_id not in annual:
            total = annual_total(months)
            annual[kpi_id] = Observation(total.value, total.months, dates.get(kpi_id))
    return annual


def thresholds_of(row: store.EvaluationSettings | None) -> Thresholds:
    """A plan's thresholds from its latest settings row (the documented defaults when it has none)."""
    if row is None:
        return DEFAULT_THRESHOLDS
    ratings = tuple((str(label), float(minimum)) for label, minimum in row.ratings)
    return Thresholds(
        mostly_achieved=row.mostly_achieved,
        ratings=ratings,
        score_cap=row.score_cap,
    )


def _nodes(projects: Sequence[ProjectRow], kpis_by_project: Mapping[int, Sequence[KpiRow]]) -> list[Node]:
    return [
        Node(
            p.id,
            p.name,
            p.budget_thousand_yen,
            p.parent_id,
            p.code,
            p.challenge,
            p.department_names,
            tuple([k.id for k in kpis_by_project.get(p.id, ())]),
            p.relisted,
            p.is_new,
        )
        for p in projects
        if p.kind != "administrative"
    ]


def _kpi_ids_of(plan_ids: Sequence[int]) -> Select[Any]:
    return select(m.Kpi.id).join(m.Project, m.Kpi.project_id == m.Project.id).where(m.Project.plan_id.in_(plan_ids))


def _value_rows(session: Session, plan_ids: Sequence[int], fiscal_year: int) -> list[store.ValueRow]:
    rows: list[store.ValueRow] = []
    for chunk in in_chunks(plan_ids):
        rows += store.current_value_rows(session, _kpi_ids_of(chunk), fiscal_year)
    return rows


class _RankKeys:
    """The matching keys of rank KPIs, each name normalised once (project names repeat across the years)."""

    def __init__(self) -> None:
        self._names: dict[str, str] = {}

    def name(self, text: str) -> str:
        key = self._names.get(text)
        if key is None:
            key = self._names[text] = match_key(normalize_text(text))
        return key

    def of(self, issuer: str, project: str, indicator: str) -> tuple[str, str, str]:
        return issuer, self.name(project), self.name(indicator)


def _previous_rank_values(
    session: Session, tree: PlanTree, specs: Mapping[int, KpiSpec], fiscal_year: int
) -> dict[int, Observation]:
    """Last year's actual of each rank KPI: the same issuer's, same project's, same indicator's KPI a year before."""
    rank = Comparator.MAINTAIN_OR_IMPROVE.value  # read once: an enum member's value is a property
    ranks = [k for k in tree.kpis if k.comparator == rank and k.project_id]
    if not ranks:
        return {}
    issuers = {p.id: p.issuer for p in tree.plans}
    projects = tree.project_by_id
    stmt = (
        select(m.Kpi.id, m.Plan.issuer, m.Project.name, m.Kpi.indicator)
        .join(m.Project, m.Kpi.project_id == m.Project.id)
        .join(m.Plan, m.Plan.id == m.Project.plan_id)
        .where(
            m.Plan.fiscal_year == fiscal_year - 1,
            m.Plan.is_current.is_(True),
            m.Plan.issuer.in_(sorted(set(issuers.values()))),
            m.Kpi.comparator == Comparator.MAINTAIN_OR_IMPROVE.value,
        )
    )
    keys = _RankKeys()
    earlier = {keys.of(issuer, name, indicator): kpi_id for kpi_id, issuer, name, indicator in session.execute(stmt)}
    wanted: dict[int, int] = {}
    for kpi in ranks:
        project = projects[kpi.project_id or 0]
        key = keys.of(issuers.get(project.plan_id, ""), project.name, kpi.indicator)
        if key in earlier:
            wanted[kpi.id] = earlier[key]
    if not wanted:
        return {}
    ids = sorted(wanted.values())
    rows: list[store.ValueRow] = []
    for chunk in in_chunks(ids):
        rows += store.current_value_rows(session, select(m.Kpi.id).where(m.Kpi.id.in_(chunk)), fiscal_year - 1)
    values = observations(rows, fiscal_year - 1)
    return {kpi_id: values[old] for kpi_id, old in wanted.items() if old in values}


def _specs(tree: PlanTree) -> dict[int, KpiSpec]:
    kpi_by_id = tree.kpi_by_id
    return {
        k.id: spec_from_row(k, kpi_by_id.get(k.relative_to_kpi_id) if k.relative_to_kpi_id else None) for k in tree.kpis
    }


def challenge_names(session: Session) -> dict[int, str]:
    """The current vision's challenges by number (1 → 「強みで貢献」)."""
    vision_id = select(m.Vision.id).where(m.Vision.is_current.is_(True)).scalar_subquery()
    rows = session.execute(select(m.Challenge.number, m.Challenge.name).where(m.Challenge.vision_id == vision_id))
    return {number: name for number, name in rows}


def _vision(session: Session, fiscal_year: int) -> tuple[VisionProgress, ...]:
    refs = vision_kpi_refs(session)
    if not refs:
        return ()
    rows = store.current_values(session, [r.id for r in refs], range(1990, fiscal_year + 1))
    by_kpi: dict[int, dict[int, float]] = defaultdict(dict)
    for row in rows:
        if not row.month:
            by_kpi[row.kpi_id][row.fiscal_year] = row.value
    return tuple(vision_progress(r.spec, by_kpi.get(r.id, {})) for r in refs)


def evaluate_in_session(
    session: Session,
    fiscal_year: int,
    *,
    issuer: str | None = None,
    with_comparison: bool = True,
    where: Sequence[ColumnElement[bool]] = (),
) -> list[PlanEvaluation]:
    """Evaluate the year's current plans in the caller's session (no writes).

    Everything is read first (a few bulk queries, however many plans), then each plan is evaluated once.
    ``where`` adds conditions on the plans evaluated and compared with (a viewer's plan filter).
    """
    with gc_paused():
        evaluations = _evaluate_in_session(
            session, fiscal_year, issuer=issuer, with_comparison=with_comparison, where=where
        )
        _age_young_objects()
        return evaluations


def _age_young_objects() -> None:
    """Move what the evaluation made to the collector's oldest generation, without scanning it.

    With the collector paused, a national year leaves over a million new objects (rows, specs, results,
    roll-ups) in the youngest generation; the first allocation after it resumes would scan them all
    (0.45 s), and the next generation's collection again.  They are long-lived, so they go straight to the
    oldest generation, where a full collection still looks at them.  Skipped when the process keeps objects
    frozen itself (``gc.freeze()`` before forking), which ``gc.unfreeze()`` would undo.
    """
    if gc.get_freeze_count() == 0:
        gc.freeze()
        gc.unfreeze()


def _evaluate_in_session(
    session: Session,
    fiscal_year: int,
    *,
    issuer: str | None,
    with_comparison: bool,
    where: Sequence[ColumnElement[bool]],
) -> list[PlanEvaluation]:
    plans = [plan_row(p) for p in current_plans(session, fiscal_year, issuer, where)]
    plan_ids = [p.id for p in plans]
    tree = load_plan_tree(session, plans)
    specs = _specs(tree)
    rows = _value_rows(session, plan_ids, fiscal_year)
    actuals = observations(rows, fiscal_year)
    previous = _previous_rank_values(session, tree, specs, fiscal_year)
    kpi_judgements: dict[int, Judgement] = {}
    node_judgements: dict[int, Judgement] = {}
    for row in store.current_judgements(session, fiscal_year, specs, tree.project_by_id):
        judgement = Judgement(Status(row.status), row.rationale, row.entered_by)
        if row.kpi_id is not None:
            kpi_judgements[row.kpi_id] = judgement
        elif row.project_id is not None:
            node_judgements[row.project_id] = judgement
    settings = store.current_settings(session, plan_ids)
    locked = periods.locked_plans(session, fiscal_year, plan_ids)
    names = challenge_names(session)
    vision = _vision(session, fiscal_year)
    comparisons = compare_by_issuer(session, fiscal_year, plans, tree, where) if with_comparison else {}

    projects_by_plan = tree.projects_by_plan()
    kpis_by_project = tree.kpis_by_project
    engine = session.get_bind()

    def load_values(kpi_ids: Sequence[int]) -> dict[int, list[store.ValueDetail]]:
        # Evidence and authorship are read only when a plan's lines are shown (in a session of their own).
        grouped: dict[int, list[store.ValueDetail]] = defaultdict(list)
        with read_session(engine) as details:
            for value in store.current_value_details(details, kpi_ids, fiscal_year):
                grouped[value.kpi_id].append(value)
        return grouped

    evaluations = []
    for plan in plans:
        projects = projects_by_plan.get(plan.id, [])
        data = EvaluationInput(
            fiscal_year=fiscal_year,
            nodes=_nodes(projects, kpis_by_project),
            kpis={k.id: specs[k.id] for p in projects for k in kpis_by_project.get(p.id, ())},
            actuals=actuals,
            previous_actuals=previous,
            judgements=kpi_judgements,
            node_judgements=node_judgements,
            thresholds=thresholds_of(settings.get(plan.id)),
            challenge_names=names,
            plan_label=plan.title or f"{fiscal_year}年度事業計画",
            final=plan.id in locked,
        )
        evaluations.append(
            build_plan_evaluation(
                plan,
                tree=tree,
                projects=projects,
                specs=specs,
                load_values=load_values,
                result=evaluate_plan(data),
                names=names,
                vision=vision,
                comparison=comparisons.get(plan.issuer),
            )
        )
    return evaluations


def evaluate_fiscal_year(
    fiscal_year: int,
    *,
    issuer: str | None = None,
    actor: Actor = PUBLIC,
    record: bool = False,
    with_comparison: bool = True,
    visible_to: Actor | None = None,
    engine: Engine | None = None,
) -> list[PlanEvaluation]:
    """Evaluate every current plan of a fiscal year; with ``record``, store the run (who, when, statuses).

    ``with_comparison`` adds the comparison with the latest earlier plan of the same issuer (for reports).
    ``visible_to`` keeps only the plans (evaluated and compared with) that this viewer may see; whether it may
    see each evaluation is the caller's question (see :mod:`keikaku.services.evaluations.reports`).
    """
    require(actor, Permission.VIEW)
    eng = ensure_schema(engine)
    where = visibility_for(visible_to).current_filter() if visible_to is not None else []
    if not record:
        with read_session(eng) as session:
            return evaluate_in_session(
                session, fiscal_year, issuer=issuer, with_comparison=with_comparison, where=where
            )
    user = actor_name(actor)
    with unit_of_work(eng) as session:
        evaluations = evaluate_in_session(
            session, fiscal_year, issuer=issuer, with_comparison=with_comparison, where=where
        )
        for evaluation in evaluations:
            session.add(
                store.EvaluationRun(
                    plan_id=evaluation.plan_id,
                    fiscal_year=fiscal_year,
                    settings=_settings_json(evaluation.thresholds),
                    summary=_summary(evaluation),
                    run_by=user,
                )
            )
        return evaluations


def current_thresholds(fiscal_year: int, *, issuer: str | None = None, engine: Engine | None = None) -> Thresholds:
    """The thresholds in force for the fiscal year's (first) plan: its latest settings, else the defaults."""
    eng = ensure_schema(engine)
    with read_session(eng) as session:
        plans = current_plans(session, fiscal_year, issuer)
        return thresholds_of(store.current_settings(session, [plans[0].id]).get(plans[0].id))


def evaluation_json(evaluation: PlanEvaluation) -> dict[str, object]:
    """The evaluation as JSON-ready values (the ``--format json`` of ``keikaku evaluate``)."""
    data = to_jsonable(evaluation)
    assert isinstance(data, dict)
    return data


def _settings_json(thresholds: Thresholds) -> dict[str, object]:
    return {
        "mostly_achieved": thresholds.mostly_achieved,
        "ratings": [list(r) for r in thresholds.ratings],
        "score_cap": thresholds.score_cap,
    }


def _summary(evaluation: PlanEvaluation) -> dict[str, object]:
    return {
        "plan": {
            "status": evaluation.plan.status.value,
            "rating": evaluation.plan.rating,
            "measured": evaluation.plan.measured,
            "kpi_count": evaluation.plan.kpi_count,
        },
        "projects": [
            {"id": p.node_id, "name": p.name, "status": p.rollup.status.value, "rating": p.rollup.rating}
            for p in evaluation.projects
        ],
        "kpis": {str(k.kpi_id): k.result.status.value for _, k in evaluation.all_kpis() if k.result is not None},
    }


def set_thresholds(
    fiscal_year: int,
    thresholds: Thresholds,
    *,
    actor: Actor,
    reason: str | None = None,
    issuer: str | None = None,
    engine: Engine | None = None,
) -> Thresholds:
    """Set a plan's evaluation thresholds (a new settings version; earlier ones stay readable)."""
    user = actor_name(actor)
    require(actor, Permission.RECORD_ACTUAL)
    eng = ensure_schema(engine)
    with unit_of_work(eng) as session:
        plans = current_plans(session, fiscal_year, issuer)
        for plan in plans:  # thresholds decide the ratings: a locked year (or plan) keeps its own
            periods.ensure_open(session, fiscal_year, plan.id)
        for plan in plans:
            latest = store.current_settings(session, [plan.id]).get(plan.id)
            audit.record(
                session,
                actor,
                AuditAction.EVALUATION_SETTINGS_SET,
                "plan",
                plan.id,
                _settings_json(thresholds_of(latest)) if latest else None,
                _settings_json(thresholds),
                reason,
            )
            session.add(
                store.EvaluationSettings(
                    plan_id=plan.id,
                    version=(latest.version + 1) if latest else 1,
                    mostly_achieved=thresholds.mostly_achieved,
                    ratings=[list(r) for r in thresholds.ratings],
                    score_cap=thresholds.score_cap,
                    # Kept for old rows only: what is not measured is never scored as 0 any more.
                    missing_as_zero=False,
                    reason=reason,
                    entered_by=user,
                )
            )
    return thresholds
