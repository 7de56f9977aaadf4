"""Read models of the overview pages: the dashboard and the policy tree (vision → challenges → projects → KPIs).

Both speak for one issuer (the home issuer unless another is named) and one fiscal year (its newest plan
unless another is named).  They return plain dataclasses; statuses come from the evaluation service
through :mod:`keikaku.services.evaluations.status_cache`.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from functools import cache

from sqlalchemy import Engine, bindparam, func, select
from sqlalchemy.orm import Session

from keikaku.domain.budget import Tally, plan_verdict
from keikaku.evaluation.types import KPI_STATUSES
from keikaku.evaluation.yoy import Comparison
from keikaku.services.context.vision import VisionSummary, vision_summary
from keikaku.services.core.actors import Actor
from keikaku.services.core.db import checked_engine
from keikaku.services.core.errors import NotFoundError, ValidationError
from keikaku.services.core.home_issuer import cached_home_issuer
from keikaku.services.core.provenance import SourceRef, document_keys, source_of
from keikaku.services.evaluations.status_cache import PlanStatuses, current_plan_of, plan_statuses
from keikaku.services.plans.compare import compare_fiscal_years
from keikaku.services.plans.context_cache import ContextReads
from keikaku.services.plans.kpis import display_code, plan_kpi_refs
from keikaku.services.plans.rows import PLAN_ROW_COLUMNS, load_plan_tree
from keikaku.services.publication.visibility import (
    Visibility,
    current_revision,
    evaluation_published,
    visibility_for,
)
from keikaku.storage import models as m
from keikaku.storage.aggregates import PlanAggregate
from keikaku.storage.prepared import Prepared
from keikaku.storage.uow import read_session


@dataclass(frozen=True)
class ChallengeBudget:
    """The budget of the projects serving one challenge (``number`` None: none given; ``administrative``: 管理費)."""

    number: int | None
    name: str | None
    budget_thousand_yen: int
    share: float
    administrative: bool = False


@dataclass(frozen=True)
class StatusCount:
    """How many KPIs have a status."""

    status: str
    count: int


@dataclass(frozen=True)
class YearBudget:
    """One fiscal year's plan total: as stated, as listed (re-listings excluded), and whether every sum check of
    the plan holds (its total and its projects' components: :mod:`keikaku.domain.budget`)."""

    fiscal_year: int
    plan_id: int
    stated_total: int | None
    listed_total: int
    consistent: bool


@dataclass
class Dashboard:
    """The dashboard of an issuer's fiscal year."""

    issuer: str | None
    fiscal_year: int | None
    fiscal_years: list[int]
    plan_id: int | None
    plan_title: str | None
    total_budget_thousand_yen: int | None
    national_subsidy_thousand_yen: int | None
    vision: VisionSummary | None
    budget_by_challenge: list[ChallengeBudget] = field(default_factory=list)
    kpi_statuses: list[StatusCount] = field(default_factory=list)
    kpi_count: int = 0
    plan_status: str | None = None
    plan_rating: str | None = None
    plan_score: float | None = None
    plan_measured: int | None = None
    plan_kpi_total: int | None = None
    budgets: list[YearBudget] = field(default_factory=list)
    warning_count: int = 0
    evaluation_visible: bool = True
    evaluation_years: list[int] = field(default_factory=list)


def _issuer_years(session: Session, issuer: str | None, vis: Visibility) -> list[int]:
    if issuer is None:
        return []
    stmt = select(m.Plan.fiscal_year).where(m.Plan.issuer == issuer, *vis.current_filter()).distinct()
    return sorted(session.scalars(stmt))


# The dashboard's statements, built once (per kind of viewer where it matters) and run on the driver
# (keikaku.storage.prepared).
_BY_CHALLENGE = Prepared(
    select(m.Project.challenge, m.Project.kind, func.coalesce(func.sum(m.Project.budget_thousand_yen), 0))
    .where(m.Project.plan_id == bindparam("plan_id"), m.Project.parent_id.is_(None), m.Project.relisted.is_(False))
    .group_by(m.Project.challenge, m.Project.kind)
)
_PLAN = Prepared(select(*PLAN_ROW_COLUMNS).where(m.Plan.id == bindparam("plan_id")))
_WARNING_COUNT = Prepared(
    select(func.count()).select_from(m.PlanWarning).where(m.PlanWarning.plan_id == bindparam("plan_id"))
)


@cache
def _issuer_plans_statement(draft_plans: bool) -> Prepared:
    """The issuer's plans a viewer reads, with their stored aggregates (see :func:`_issuer_plans`)."""
    agg = PlanAggregate
    current = current_revision(draft_plans)
    return Prepared(
        select(
            m.Plan.id,
            m.Plan.fiscal_year,
            m.Plan.total_budget_thousand_yen,
            agg.listed_total,
            agg.listed_known,
            agg.listed_counted,
            agg.components_ok,
            evaluation_published(m.Plan.id, m.Plan.fiscal_year).label("evaluation_published"),
        )
        .outerjoin(agg, agg.plan_id == m.Plan.id)
        .where(m.Plan.issuer == bindparam("issuer"), current)
        .order_by(m.Plan.fiscal_year, m.Plan.id)
    )


def _by_challenge(session: Session, plan_id: int, labels: dict[int, str]) -> list[ChallengeBudget]:
    rows = _BY_CHALLENGE.rows(session, plan_id=plan_id)
    sums: dict[tuple[int | None, bool], int] = defaultdict(int)
    for challenge, kind, total in rows:
        admin = kind == "administrative"
        sums[(None if admin else challenge, admin)] += int(total or 0)
    grand = sum(sums.values()) or 1
    keys = sorted(sums, key=lambda k: (k[1], k[0] is None, k[0] or 0))
    return [
        ChallengeBudget(
            number, labels.get(number) if number else None, sums[(number, admin)], sums[(number, admin)] / grand, admin
        )
        for number, admin in keys
    ]


def _status_counts(statuses: PlanStatuses) -> tuple[list[StatusCount], int]:
    counts: dict[str, int] = defaultdict(int)
    for line in statuses.kpis.values():
        if line.is_measure or line.result is None:
            continue
        counts[line.result.status.value] += 1
    ordered = [StatusCount(s.value, counts.get(s.value, 0)) for s in KPI_STATUSES]
    return ordered, sum(counts.values())


@dataclass(frozen=True)
class _IssuerPlan:
    """One of the issuer's plans the viewer reads as its year's plan, with its stored aggregates."""

    id: int
    fiscal_year: int
    budget: YearBudget
    evaluation_published: bool


def _issuer_plans(session: Session, issuer: str, vis: Visibility) -> list[_IssuerPlan]:
    """The issuer's plans the viewer reads (:meth:`Visibility.current_filter`), oldest year first, each with
    its year's budget check from the stored aggregates and whether its evaluation is published: one
    statement gives the dashboard its years, its evaluated years and its budgets over the years."""
    rows = _issuer_plans_statement(vis.draft_plans).rows(session, issuer=issuer)
    out = []
    for row in rows:
        tally = Tally(row.listed_total or 0, row.listed_known or 0, row.listed_counted or 0)
        verdict = plan_verdict(row.total_budget_thousand_yen, tally)
        consistent = verdict.ok and row.components_ok is not False
        budget = YearBudget(row.fiscal_year, row.id, verdict.stated, verdict.listed, consistent)
        out.append(_IssuerPlan(row.id, row.fiscal_year, budget, bool(row.evaluation_published)))
    return out


def get_dashboard(
    fiscal_year: int | None = None, *, viewer: Actor, issuer: str | None = None, engine: Engine | None = None
) -> Dashboard:
    """The dashboard: vision targets and progress, the year's budget by challenge, KPI statuses, budgets by year.

    Only the plans ``viewer`` may see count; KPI statuses and the plan's rating are left out (with
    ``evaluation_visible`` False) when the year's evaluation is not published to ``viewer``.
    """
    eng = checked_engine(engine)
    vis = visibility_for(viewer)
    with read_session(eng) as session:
        who = issuer or cached_home_issuer(session)
        plans = _issuer_plans(session, who, vis) if who is not None else []
        years = sorted({p.fiscal_year for p in plans})
        if issuer is not None and not years:
            raise NotFoundError(f"発行者「{issuer}」の事業計画はありません", code="issuer_not_found")
        if fiscal_year is not None and fiscal_year not in years:
            listed = "、".join(f"{y}年度" for y in years) or "なし"
            raise NotFoundError(
                f"{fiscal_year}年度の事業計画はありません（登録済みの年度: {listed}）", code="plan_not_found"
            )
        year = fiscal_year if fiscal_year is not None else (years[-1] if years else None)
        context = ContextReads(session)
        vision = context.vision_summary(year or 2100)
        board = Dashboard(who, year, years, None, None, None, None, vision)
        if who is None or year is None:
            return board
        # The year's plan: of the revisions read (one per year), the newest id, as current_plan_of chooses.
        chosen = max((p for p in plans if p.fiscal_year == year), key=lambda p: p.id)
        plan = _PLAN.first(session, plan_id=chosen.id)
        if plan is None:  # pragma: no cover - the id was just read
            return board
        board.plan_id, board.plan_title = plan.id, plan.title
        board.total_budget_thousand_yen = plan.total_budget_thousand_yen
        board.national_subsidy_thousand_yen = plan.national_subsidy_thousand_yen
        board.budget_by_challenge = _by_challenge(session, plan.id, context.challenge_labels())
        statuses = plan_statuses(session, plan.id, plan.fiscal_year, plan.issuer)
        counts, board.kpi_count = _status_counts(statuses)
        board.evaluation_visible = vis.draft_evaluations or chosen.evaluation_published
        if board.evaluation_visible:
            board.kpi_statuses = counts
            if statuses.evaluation is not None:
                board.plan_status = statuses.evaluation.plan.status.value
                board.plan_rating = statuses.evaluation.plan.rating
                board.plan_score = statuses.evaluation.plan.unweighted
                board.plan_measured = statuses.evaluation.plan.measured
                board.plan_kpi_total = statuses.evaluation.plan.kpi_count
        board.evaluation_years = sorted(
            {p.fiscal_year for p in plans if vis.draft_evaluations or p.evaluation_published}
        )
        board.budgets = [p.budget for p in plans]
        board.warning_count = _WARNING_COUNT.scalar(session, plan_id=plan.id) or 0
        return board


# -- the policy tree ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TreeKpi:
    """A KPI in the tree: its indicator, its target as the plan states it, and its status."""

    id: int
    indicator: str
    target_text: str
    status: str | None
    is_measure: bool


@dataclass
class TreeNode:
    """A project or component in the tree."""

    id: int
    code: str
    name: str
    budget_thousand_yen: int | None
    new: bool
    relisted: bool
    administrative: bool
    status: str | None
    challenge: int | None = None
    kpis: list[TreeKpi] = field(default_factory=list)
    components: list[TreeNode] = field(default_factory=list)


@dataclass(frozen=True)
class AimView:
    """A challenge's aim, keyed A or B."""

    key: str
    text: str


@dataclass
class TreeChallenge:
    """A challenge with its aspiration, aims and the projects that serve it (``number`` None: unassigned)."""

    number: int | None
    name: str | None
    aspiration: str | None
    goal: str | None
    aims: list[AimView]
    projects: list[TreeNode]
    source: SourceRef | None = None


@dataclass
class PolicyTree:
    """Vision → challenges → projects and components → KPIs, for an issuer's fiscal year."""

    issuer: str | None
    fiscal_year: int | None
    fiscal_years: list[int]
    plan_id: int | None
    vision: VisionSummary | None
    challenges: list[TreeChallenge] = field(default_factory=list)
    evaluation_visible: bool = True


def _tree_nodes(session: Session, plan: m.Plan, statuses: PlanStatuses) -> list[TreeNode]:
    tree = load_plan_tree(session, [plan])
    refs = plan_kpi_refs(session, [plan], tree=tree)
    kpis: dict[int, list[TreeKpi]] = defaultdict(list)
    for ref in refs:
        if ref.project_id is not None:
            kpis[ref.project_id].append(
                TreeKpi(ref.id, ref.indicator, ref.target_text, statuses.kpi_status(ref.id), ref.spec.is_measure)
            )
    nodes: dict[int, TreeNode] = {}
    top: list[TreeNode] = []
    for p in tree.projects:
        node = TreeNode(
            id=p.id,
            code=display_code(p.code) if p.parent_id is None else "",
            name=p.name,
            budget_thousand_yen=p.budget_thousand_yen,
            new=p.is_new,
            relisted=p.relisted,
            administrative=p.kind == "administrative",
            status=statuses.project_status(p.id),
            challenge=p.challenge,
            kpis=kpis.get(p.id, []),
        )
        nodes[p.id] = node
        if p.parent_id is None:
            top.append(node)
        elif p.parent_id in nodes:
            nodes[p.parent_id].components.append(node)
    return top


def get_policy_tree(
    fiscal_year: int | None = None, *, viewer: Actor, issuer: str | None = None, engine: Engine | None = None
) -> PolicyTree:
    """The policy tree of an issuer's fiscal year (default: the home issuer's newest plan ``viewer`` may see).

    Statuses are left out (``evaluation_visible`` False) when the year's evaluation is not published to
    ``viewer``.
    """
    eng = checked_engine(engine)
    vis = visibility_for(viewer)
    with read_session(eng) as session:
        who = issuer or cached_home_issuer(session)
        years = _issuer_years(session, who, vis)
        if fiscal_year is not None and fiscal_year not in years:
            raise NotFoundError(f"{fiscal_year}年度の事業計画はありません", code="plan_not_found")
        year = fiscal_year if fiscal_year is not None else (years[-1] if years else None)
        keys = document_keys(session)
        result = PolicyTree(who, year, years, None, vision_summary(session, keys, year or 2100))
        vision = session.scalar(select(m.Vision).where(m.Vision.is_current.is_(True)).order_by(m.Vision.id.desc()))
        challenges = list(vision.challenges) if vision else []
        plan = current_plan_of(session, year, who, vis.current_filter()) if who and year else None
        nodes: list[TreeNode] = []
        if plan is not None:
            result.plan_id = plan.id
            result.evaluation_visible = vis.evaluation_visible(session, plan.id, plan.fiscal_year)
            statuses = (
                plan_statuses(session, plan.id, plan.fiscal_year, plan.issuer)
                if result.evaluation_visible
                else PlanStatuses(None)
            )
            nodes = _tree_nodes(session, plan, statuses)
        by_challenge: dict[int | None, list[TreeNode]] = defaultdict(list)
        for node in nodes:
            by_challenge[None if node.administrative else node.challenge].append(node)
        known = set()
        for ch in challenges:
            known.add(ch.number)
            result.challenges.append(
                TreeChallenge(
                    ch.number,
                    ch.name,
                    ch.aspiration,
                    ch.goal,
                    [AimView(a.key, a.text) for a in ch.aims],
                    by_challenge.get(ch.number, []),
                    source_of(ch, keys),
                )
            )
        rest = [n for number, group in by_challenge.items() if number not in known for n in group]
        if rest:
            result.challenges.append(TreeChallenge(None, None, None, None, [], rest))
        return result


# -- comparing two fiscal years -------------------------------------------------------------------------------


@dataclass
class CompareView:
    """Two of an issuer's fiscal years compared (by default its two newest), and the years it has."""

    issuer: str | None
    fiscal_years: list[int]
    before: int | None
    after: int | None
    comparison: Comparison | None


def get_comparison(
    before: int | None = None,
    after: int | None = None,
    *,
    viewer: Actor,
    issuer: str | None = None,
    engine: Engine | None = None,
) -> CompareView:
    """Compare two of an issuer's fiscal years (default: the home issuer's two newest plans ``viewer`` may see)."""
    eng = checked_engine(engine)
    with read_session(eng) as session:
        who = issuer or cached_home_issuer(session)
        years = _issuer_years(session, who, visibility_for(viewer))
    if (before is None) != (after is None):
        raise ValidationError("比較する 2 つの年度を両方指定してください", code="both_years_required")
    if before is None or after is None:
        if len(years) < 2:
            return CompareView(who, years, None, None, None)
        before, after = years[-2], years[-1]
    comparison = compare_fiscal_years(before, after, viewer=viewer, issuer=who, engine=eng)
    return CompareView(who, years, comparison.before_year, comparison.after_year, comparison)
