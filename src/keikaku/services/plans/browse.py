"""Reading the policy system: the tree from the vision down to KPIs, and a fiscal year's plan table."""

from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import ColumnElement, Engine, select
from sqlalchemy.orm import Session

from keikaku.domain import Kpi, PlanData, Vision
from keikaku.domain.plan import Project, ProjectKind
from keikaku.services.core.actors import Actor
from keikaku.services.core.db import ensure_schema
from keikaku.services.core.errors import NotFoundError
from keikaku.services.core.home_issuer import home_issuer
from keikaku.services.exchange.bundle import export_plan_data
from keikaku.services.publication.visibility import visibility_for
from keikaku.storage import models as m
from keikaku.storage.uow import read_session


@dataclass
class PlanRow:
    """One line of a plan's budget table."""

    code: str | None
    name: str
    challenge: int | None
    departments: list[str]
    budget_thousand_yen: int | None
    new: bool
    relisted: bool
    administrative: bool
    components: list["PlanRow"] = field(default_factory=list)
    kpi_count: int = 0


@dataclass
class SumCheck:
    """Whether listed amounts add up to the stated total."""

    label: str
    stated: int | None
    listed: int
    ok: bool

    @property
    def difference(self) -> int | None:
        """Stated minus listed, or None when nothing was stated."""
        return None if self.stated is None else self.stated - self.listed


@dataclass
class PlanOverview:
    """A fiscal year's plan: its projects with budgets, the sum checks and the plan's warnings."""

    fiscal_year: int
    issuer: str | None
    title: str | None
    revision: int
    total_budget_thousand_yen: int | None
    national_subsidy_thousand_yen: int | None
    rows: list[PlanRow]
    checks: list[SumCheck]
    warnings: list[tuple[str, str]]

    @property
    def consistent(self) -> bool:
        """True when every sum check holds."""
        return all(c.ok for c in self.checks)


@dataclass
class TreeChallenge:
    """A challenge with the projects of the plan that serve it."""

    number: int | None
    name: str
    aspiration: str | None
    projects: list[Project]


@dataclass
class PolicyTree:
    """Vision → challenges → projects (and components) → KPIs, for one fiscal year's plan."""

    vision: Vision | None
    fiscal_year: int | None
    challenges: list[TreeChallenge]


def _row(project: Project) -> PlanRow:
    return PlanRow(
        code=project.code,
        name=project.name,
        challenge=project.challenge,
        departments=list(project.departments),
        budget_thousand_yen=project.budget_thousand_yen,
        new=project.new,
        relisted=project.relisted,
        administrative=project.kind is ProjectKind.ADMINISTRATIVE,
        components=[
            PlanRow(
                code=None,
                name=c.name,
                challenge=project.challenge,
                departments=list(c.departments),
                budget_thousand_yen=c.budget_thousand_yen,
                new=c.new,
                relisted=c.relisted,
                administrative=False,
                kpi_count=len(c.kpis),
            )
            for c in project.components
        ],
        kpi_count=len(project.kpis),
    )


def sum_checks(projects: list[Project], stated_total: int | None) -> list[SumCheck]:
    """Projects against the plan total, and components against their project (re-listings excluded)."""
    listed = sum(p.budget_thousand_yen or 0 for p in projects if not p.relisted)
    checks = [SumCheck("事業計画の合計", stated_total, listed, stated_total is None or stated_total == listed)]
    for p in projects:
        budgets = [c.budget_thousand_yen for c in p.components if not c.relisted]
        if budgets and all(b is not None for b in budgets):
            comp_sum = sum(b for b in budgets if b is not None)
            checks.append(
                SumCheck(
                    f"{p.code or ''} {p.name} の内訳".strip(),
                    p.budget_thousand_yen,
                    comp_sum,
                    p.budget_thousand_yen == comp_sum,
                )
            )
    return checks


def list_fiscal_years(engine: Engine | None = None, *, viewer: Actor, issuer: str | None = None) -> list[int]:
    """Fiscal years that have a current plan ``viewer`` may see (of the issuer, default the home issuer),
    oldest first."""
    eng = ensure_schema(engine)
    where = visibility_for(viewer).plan_filter()
    with read_session(eng) as session:
        chosen = issuer or home_issuer(session)
        stmt = (
            select(m.Plan.fiscal_year)
            .where(m.Plan.is_current.is_(True), *where)
            .distinct()
            .order_by(m.Plan.fiscal_year)
        )
        if chosen:
            stmt = stmt.where(m.Plan.issuer == chosen)
        return list(session.scalars(stmt))


def _load(fiscal_year: int, engine: Engine | None, viewer: Actor, issuer: str | None = None) -> tuple[PlanData, int]:
    eng = ensure_schema(engine)
    where = visibility_for(viewer).plan_filter()
    with read_session(eng) as session:
        chosen = issuer or _issuer_for(session, fiscal_year, where)
        data = export_plan_data(session, fiscal_year, issuer=chosen, where=where)
        revision = session.scalar(
            select(m.Plan.revision).where(
                m.Plan.fiscal_year == fiscal_year, m.Plan.is_current.is_(True), m.Plan.issuer == chosen, *where
            )
        )
    if not data.plans:
        who = f"{issuer}の" if issuer else ""
        raise NotFoundError(f"{who}{fiscal_year}年度の事業計画は登録されていません", code="plan_not_found")
    return data, revision or 1


def _issuer_for(session: Session, fiscal_year: int, where: Sequence[ColumnElement[bool]]) -> str | None:
    """The home issuer if it has a plan that year, else the first issuer that has one."""
    home = home_issuer(session)
    issuers = list(
        session.scalars(
            select(m.Plan.issuer)
            .where(m.Plan.fiscal_year == fiscal_year, m.Plan.is_current.is_(True), *where)
            .order_by(m.Plan.region_code.is_not(None), m.Plan.id)
        )
    )
    if home in issuers:
        return home
    return issuers[0] if issuers else None


def get_plan_overview(
    fiscal_year: int, *, viewer: Actor, issuer: str | None = None, engine: Engine | None = None
) -> PlanOverview:
    """The budget table of a fiscal year's plan ``viewer`` may see (default: the home issuer's) with its sum
    checks and warnings."""
    data, revision = _load(fiscal_year, engine, viewer, issuer)
    plan = data.plans[0]
    return PlanOverview(
        fiscal_year=plan.fiscal_year,
        issuer=plan.issuer,
        title=plan.title,
        revision=revision,
        total_budget_thousand_yen=plan.total_budget_thousand_yen,
        national_subsidy_thousand_yen=plan.national_subsidy_thousand_yen,
        rows=[_row(p) for p in plan.projects],
        checks=sum_checks(plan.projects, plan.total_budget_thousand_yen),
        warnings=[(w.code, w.message) for w in plan.warnings],
    )


def get_policy_tree(fiscal_year: int | None = None, *, viewer: Actor, engine: Engine | None = None) -> PolicyTree:
    """The policy tree for a fiscal year's plan ``viewer`` may see (default: the latest loaded)."""
    years = list_fiscal_years(engine, viewer=viewer)
    if fiscal_year is None and years:
        fiscal_year = years[-1]
    if fiscal_year is None:
        eng = ensure_schema(engine)
        with read_session(eng) as session:
            data = export_plan_data(session, -1)
        return PolicyTree(vision=data.vision, fiscal_year=None, challenges=[])
    data, _revision = _load(fiscal_year, engine, viewer)
    vision = data.vision
    projects = data.plans[0].projects
    challenges: list[TreeChallenge] = []
    known = {c.number for c in vision.challenges} if vision else set()
    if vision:
        for ch in vision.challenges:
            challenges.append(
                TreeChallenge(ch.number, ch.name, ch.aspiration, [p for p in projects if p.challenge == ch.number])
            )
    rest = [p for p in projects if p.challenge not in known]
    if rest:
        challenges.append(TreeChallenge(None, "チャレンジ未設定", None, rest))
    return PolicyTree(vision=vision, fiscal_year=fiscal_year, challenges=challenges)


def kpi_label(kpi: Kpi) -> str:
    """A KPI in one short line, e.g. ``参加者数 ≥ 220人`` or ``マッチング件数 ≥ 参加企業数 × 6``."""
    symbols = {">=": "≥", ">": ">", "<=": "≤", "<": "<", "=": "="}
    if kpi.comparator.value == "maintain_or_improve":
        ref = (
            f"（基準 {kpi.reference.value:g}{kpi.reference.unit or ''}）"
            if kpi.reference and kpi.reference.value
            else ""
        )
        return f"{kpi.indicator}: 維持・向上{ref}"
    target = "" if kpi.target is None else f"{kpi.target:,.10g}"
    if kpi.relative_to:
        return f"{kpi.indicator} {symbols[kpi.comparator.value]} {kpi.relative_to} × {target}"
    approx = "約" if kpi.approximate else ""
    return f"{kpi.indicator} {symbols[kpi.comparator.value]} {approx}{target}{kpi.unit or ''}"
