"""Read models of plans: the list of plans and one plan's project table (projects across an issuer's plans:
:mod:`keikaku.services.plans.project_list`).

A plan's table adds up: the listed budgets (re-listings 再掲 excluded) are checked against the stated total
and each project's components against the project, and the plan's warnings come with it.  Tables are
paginated and filtered by challenge, department and status; the sums are always over the whole plan, with
the sum of the rows shown given separately.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Protocol

from sqlalchemy import ColumnElement, Engine, bindparam, func, select
from sqlalchemy.orm import Session

from keikaku.domain.budget import Tally, components_verdict, plan_verdict
from keikaku.evaluation.types import Status
from keikaku.normalize.text import normalize_text
from keikaku.services.core.actors import Actor
from keikaku.services.core.db import checked_engine
from keikaku.services.core.errors import NotFoundError, ValidationError
from keikaku.services.core.home_issuer import cached_home_issuer
from keikaku.services.core.paging import MAX_PER_PAGE, Paged, check_paging, paginate
from keikaku.services.core.provenance import SourceRef, document_keys, document_reads, source_of
from keikaku.services.evaluations.status_cache import PlanStatuses, plan_statuses
from keikaku.services.plans.kpis import display_code
from keikaku.services.plans.rows import ProjectRow, load_plan_tree, plan_row, plan_tree_reads
from keikaku.services.publication.visibility import (
    Visibility,
    current_revision,
    plan_published,
    visibility_for,
    visible_plans,
)
from keikaku.storage import models as m
from keikaku.storage.aggregates import PlanAggregate
from keikaku.storage.prepared import Prepared, read_ahead
from keikaku.storage.uow import read_session

STATUSES = tuple(s.value for s in Status)
#: The statuses' codes in English, accepted wherever a status is (the API's clients use them).
STATUS_CODES = {
    "achieved": Status.ACHIEVED.value,
    "mostly_achieved": Status.MOSTLY_ACHIEVED.value,
    "not_achieved": Status.NOT_ACHIEVED.value,
    "not_measured": Status.NOT_MEASURED.value,
    "undeterminable": Status.UNDETERMINABLE.value,
    "evaluating": Status.EVALUATING.value,
}


@dataclass(frozen=True)
class RevisionLabel:
    """A revision of the same issuer's fiscal year, for staff: 第2版（下書き） beside 第1版（公開中）."""

    id: int
    revision: int
    published: bool


@dataclass(frozen=True)
class PlanSummary:
    """A plan in a list: its year, issuer, title, stated total and the number of projects."""

    id: int
    fiscal_year: int
    issuer: str
    title: str | None
    revision: int
    region_code: str | None
    total_budget_thousand_yen: int | None
    national_subsidy_thousand_yen: int | None
    project_count: int
    #: Every revision of the issuer's year, newest first, with its state — for staff only, and only when
    #: there are several (the public is never told a draft exists).
    revisions: tuple[RevisionLabel, ...] = ()


@dataclass
class PlanRowView:
    """A project (or component) line of a plan's table."""

    id: int
    code: str
    name: str
    challenge: int | None
    departments: list[str]
    budget_thousand_yen: int | None
    new: bool
    relisted: bool
    administrative: bool
    status: str | None
    rating: str | None
    kpi_count: int
    components: list[PlanRowView] = field(default_factory=list)
    #: The score over the measured (judged) KPIs and the coverage (measured of all, components included).
    score: float | None = None
    measured: int | None = None
    kpi_total: int | None = None


@dataclass(frozen=True)
class SumCheckView:
    """Whether listed amounts add up to a stated total (``difference`` = stated − listed)."""

    label: str
    project_id: int | None
    stated: int | None
    listed: int
    ok: bool
    #: False when some counted components have no budget: only "not more than the project" was checked.
    complete: bool = True

    @property
    def difference(self) -> int | None:
        """Stated minus listed, None when nothing was stated."""
        return None if self.stated is None else self.stated - self.listed


@dataclass(frozen=True)
class WarningView:
    """A consistency warning of the plan, with its stable code."""

    code: str
    message: str
    source: SourceRef | None


@dataclass
class PlanPage:
    """A plan with one page of its project table, the sum checks over the whole plan and its warnings."""

    plan: PlanSummary
    rows: Paged[PlanRowView]
    listed_total: int
    shown_total: int
    checks: list[SumCheckView]
    warnings: list[WarningView]
    challenges: list[int]
    departments: list[str]
    statuses: list[str]
    filters: dict[str, str | int | None]
    source: SourceRef | None
    evaluation_visible: bool = True

    @property
    def consistent(self) -> bool:
        """True when every sum check holds."""
        return all(c.ok for c in self.checks)


class _PlanFacts(Protocol):
    """What a plan's summary reads: an ORM plan, or a row of :data:`_SUMMARY_COLUMNS`."""

    id: int
    fiscal_year: int
    issuer: str
    title: str | None
    revision: int
    region_code: str | None
    total_budget_thousand_yen: int | None
    national_subsidy_thousand_yen: int | None


_SUMMARY_COLUMNS = (
    m.Plan.id,
    m.Plan.fiscal_year,
    m.Plan.issuer,
    m.Plan.title,
    m.Plan.revision,
    m.Plan.region_code,
    m.Plan.total_budget_thousand_yen,
    m.Plan.national_subsidy_thousand_yen,
)


def _revision_labels(
    session: Session, plans: Sequence[_PlanFacts], vis: Visibility
) -> dict[tuple[str, int], tuple[RevisionLabel, ...]]:
    """The revisions of the listed plans' years, for staff, where a year has more than one."""
    keys = {(p.issuer, p.fiscal_year) for p in plans}
    if not vis.draft_plans or not keys:
        return {}
    rows = session.execute(
        select(m.Plan.id, m.Plan.issuer, m.Plan.fiscal_year, m.Plan.revision, plan_published().label("published"))
        .where(
            m.Plan.issuer.in_(sorted({issuer for issuer, _year in keys})),
            m.Plan.fiscal_year.in_(sorted({year for _issuer, year in keys})),
        )
        .order_by(m.Plan.revision.desc())
    ).all()
    labels: dict[tuple[str, int], list[RevisionLabel]] = defaultdict(list)
    for row in rows:
        if (row.issuer, row.fiscal_year) in keys:
            labels[(row.issuer, row.fiscal_year)].append(RevisionLabel(row.id, row.revision, bool(row.published)))
    return {key: tuple(found) for key, found in labels.items() if len(found) > 1}


def _summary(
    plan: _PlanFacts, project_count: int, revisions: dict[tuple[str, int], tuple[RevisionLabel, ...]] | None = None
) -> PlanSummary:
    return PlanSummary(
        plan.id,
        plan.fiscal_year,
        plan.issuer,
        plan.title,
        plan.revision,
        plan.region_code,
        plan.total_budget_thousand_yen,
        plan.national_subsidy_thousand_yen,
        project_count,
        (revisions or {}).get((plan.issuer, plan.fiscal_year), ()),
    )


def _contains_pattern(text: str) -> str:
    """A LIKE pattern matching ``text`` anywhere, its ``%``, ``_`` and ``/`` taken literally (escape ``/``)."""
    return "%" + text.replace("/", "//").replace("%", "/%").replace("_", "/_") + "%"


@cache
def _plan_list_statements(draft_plans: bool, by_year: bool, by_issuer: bool) -> tuple[Prepared, Prepared]:
    """The plans list's page and its count, per kind of viewer and filters given (see :func:`list_plans`).

    One statement gives the page with the number of plans matched (a window over the same rows, so the
    filter is evaluated once), and the project counts from the plans' stored aggregates
    (keikaku.storage.aggregates), not a count of their projects per request."""
    where: list[ColumnElement[bool]] = [current_revision(draft_plans)]
    if by_year:
        where.append(m.Plan.fiscal_year == bindparam("fiscal_year"))
    if by_issuer:
        where.append(m.Plan.issuer.like(bindparam("pattern"), escape="/"))
    home_first = (m.Plan.issuer == bindparam("home")).desc()
    listing = (
        select(*_SUMMARY_COLUMNS, PlanAggregate.project_count, func.count().over().label("matched"))
        .outerjoin(PlanAggregate, PlanAggregate.plan_id == m.Plan.id)
        .where(*where)
        .order_by(m.Plan.fiscal_year.desc(), home_first, m.Plan.issuer, m.Plan.id)
        .offset(bindparam("offset"))
        .limit(bindparam("limit"))
    )
    return Prepared(listing), Prepared(select(func.count()).select_from(m.Plan).where(*where))


def list_plans(
    *,
    viewer: Actor,
    fiscal_year: int | None = None,
    issuer: str | None = None,
    page: int = 1,
    per_page: int = 20,
    engine: Engine | None = None,
) -> Paged[PlanSummary]:
    """Current plans ``viewer`` may see, newest year first, the home issuer's first; ``issuer`` matches part of
    the name."""
    page, per_page = check_paging(page, per_page)
    eng = checked_engine(engine)
    vis = visibility_for(viewer)
    with read_session(eng) as session:
        home = cached_home_issuer(session)
        pattern = _contains_pattern(normalize_text(issuer).strip()) if issuer else None
        listing, counting = _plan_list_statements(vis.draft_plans, fiscal_year is not None, pattern is not None)
        params = {k: v for k, v in (("fiscal_year", fiscal_year), ("pattern", pattern)) if v is not None}
        found = listing.rows(session, home=home or "", offset=(page - 1) * per_page, limit=per_page, **params)
        # A page past the end has no row to carry the count: the count alone.
        total = int(found[0].matched) if found else int(counting.scalar(session, **params) or 0)
        labels = _revision_labels(session, found, vis)
        return Paged([_summary(row, row.project_count or 0, labels) for row in found], total, page, per_page)


def _checks(projects: Sequence[ProjectRow], stated: int | None) -> tuple[list[SumCheckView], int]:
    """The sum checks of :mod:`keikaku.domain.budget` over a plan's rows: the plan's, then each project's."""
    top = [p for p in projects if p.parent_id is None]
    plan = plan_verdict(stated, Tally.of((p.budget_thousand_yen, p.relisted) for p in top))
    checks = [SumCheckView("事業計画の合計", None, plan.stated, plan.listed, plan.ok, plan.complete)]
    parts: dict[int, list[tuple[int | None, bool]]] = defaultdict(list)
    for row in projects:
        if row.parent_id is not None:
            parts[row.parent_id].append((row.budget_thousand_yen, row.relisted))
    for project in top:
        verdict = components_verdict(project.budget_thousand_yen, Tally.of(parts.get(project.id, [])))
        if verdict is not None:
            label = f"{display_code(project.code)} {project.name} の内訳".strip()
            checks.append(SumCheckView(label, project.id, verdict.stated, verdict.listed, verdict.ok, verdict.complete))
    return checks, plan.listed


def _rows(projects: Sequence[ProjectRow], kpi_counts: dict[int, int], statuses: PlanStatuses) -> list[PlanRowView]:
    rows: dict[int, PlanRowView] = {}
    top: list[PlanRowView] = []
    for p in projects:
        line = statuses.projects.get(p.id)
        row = PlanRowView(
            id=p.id,
            code=display_code(p.code) if p.parent_id is None else "",
            name=p.name,
            challenge=p.challenge if p.parent_id is None else None,
            departments=list(p.department_names),
            budget_thousand_yen=p.budget_thousand_yen,
            new=p.is_new,
            relisted=p.relisted,
            administrative=p.kind == "administrative",
            status=line.rollup.status.value if line else None,
            rating=line.rollup.rating if line else None,
            kpi_count=kpi_counts.get(p.id, 0),
            score=line.rollup.unweighted if line else None,
            measured=line.rollup.measured if line else None,
            kpi_total=line.rollup.kpi_count if line else None,
        )
        rows[p.id] = row
        if p.parent_id is None:
            top.append(row)
        elif p.parent_id in rows:
            rows[p.parent_id].components.append(row)
    return top


def check_status(status: str | None) -> str | None:
    """A status filter value (達成, 概ね達成, 未達, 未測定, 判定不能, or its English code) or ValidationError."""
    if status is None or status == "":
        return None
    cleaned = normalize_text(status).strip()
    cleaned = STATUS_CODES.get(cleaned.lower(), cleaned)
    if cleaned not in STATUSES:
        raise ValidationError(f"状態は {'、'.join(STATUSES)} のいずれかです（{status}）", code="invalid_status")
    return cleaned


def _matches(row: PlanRowView, challenge: int | None, department: str | None, status: str | None) -> bool:
    if challenge is not None and row.challenge != challenge:
        return False
    if (
        department is not None
        and department not in row.departments
        and not any(department in c.departments for c in row.components)
    ):
        return False
    return status is None or row.status == status


# The plan page's statements, built once (per kind of viewer where it matters) and run on the driver
# (keikaku.storage.prepared).
_PLAN_PAGE_COLUMNS = (
    *_SUMMARY_COLUMNS,
    m.Plan.source_document_id,
    m.Plan.source_line,
    m.Plan.source_page,
    m.Plan.source_excerpt,
)
_KPI_COUNTS = Prepared(
    select(m.Kpi.project_id, func.count())
    .join(m.Project, m.Project.id == m.Kpi.project_id)
    .where(m.Project.plan_id == bindparam("plan_id"), m.Kpi.role == "target")
    .group_by(m.Kpi.project_id)
)
_WARNINGS = Prepared(
    select(*m.PlanWarning.__table__.c).where(m.PlanWarning.plan_id == bindparam("plan_id")).order_by(m.PlanWarning.id)
)


@cache
def _plan_statement(draft_plans: bool) -> Prepared:
    """A plan's facts if the viewer may see it (whether the viewer sees drafts decides which)."""
    where = visible_plans(draft_plans)
    return Prepared(select(*_PLAN_PAGE_COLUMNS).where(m.Plan.id == bindparam("plan_id"), *where))


def get_plan_page(
    plan_id: int,
    *,
    viewer: Actor,
    challenge: int | None = None,
    department: str | None = None,
    status: str | None = None,
    page: int = 1,
    per_page: int = 50,
    engine: Engine | None = None,
) -> PlanPage:
    """One plan's table (filtered, one page), its sum checks over the whole plan, and its warnings.

    A plan hidden from ``viewer`` is not found; statuses are left out (``evaluation_visible`` False) when the
    plan's evaluation is not published to ``viewer``.
    """
    check_paging(page, per_page)
    wanted_status = check_status(status)
    dept = normalize_text(department).strip() or None if department else None
    eng = checked_engine(engine)
    vis = visibility_for(viewer)
    with read_session(eng) as session:
        # What needs only the plan's id is asked at once (one round trip on PostgreSQL).
        read_ahead(
            session,
            [
                (_plan_statement(vis.draft_plans), {"plan_id": plan_id}),
                *plan_tree_reads(plan_id, kpis=False),
                (_KPI_COUNTS, {"plan_id": plan_id}),
                (_WARNINGS, {"plan_id": plan_id}),
                *document_reads(),
            ],
        )
        plan = _plan_statement(vis.draft_plans).first(session, plan_id=plan_id)
        if plan is None:  # missing, or hidden from the viewer: the same answer
            raise NotFoundError(f"事業計画（ID {plan_id}）はありません", code="plan_not_found")
        tree = load_plan_tree(session, [plan_row(plan)], kpis=False)
        # The table shows how many targets each row has: counted in the database, not loaded.
        counted = _KPI_COUNTS.rows(session, plan_id=plan.id)
        kpi_counts: dict[int, int] = {int(pid): int(n) for pid, n in counted if pid is not None}
        shown = vis.evaluation_visible(session, plan.id, plan.fiscal_year)
        statuses = (
            plan_statuses(session, plan.id, plan.fiscal_year, plan.issuer)
            if shown and vis.reads_as_current(session, plan.id)
            else PlanStatuses(None)
        )
        all_rows = _rows(tree.projects, kpi_counts, statuses)
        checks, listed = _checks(tree.projects, plan.total_budget_thousand_yen)
        chosen = [r for r in all_rows if _matches(r, challenge, dept, wanted_status)]
        paged = paginate(chosen, page, per_page)
        keys = document_keys(session)
        warnings = [
            WarningView(w.code, w.message, source_of(w, keys)) for w in _WARNINGS.rows(session, plan_id=plan.id)
        ]
        departments = sorted({d for p in tree.projects for d in p.department_names})
        return PlanPage(
            plan=_summary(plan, len(all_rows), _revision_labels(session, [plan], vis)),
            rows=paged,
            listed_total=listed,
            shown_total=sum(r.budget_thousand_yen or 0 for r in paged.items if not r.relisted),
            checks=checks,
            warnings=warnings,
            challenges=sorted({r.challenge for r in all_rows if r.challenge is not None}),
            departments=departments,
            statuses=list(STATUSES),
            filters={"challenge": challenge, "department": dept, "status": wanted_status},
            source=source_of(plan, keys),
            evaluation_visible=shown,
        )


def find_plan_id(fiscal_year: int, *, viewer: Actor, issuer: str | None = None, engine: Engine | None = None) -> int:
    """The id of a fiscal year's current plan ``viewer`` may see: the issuer's, else the home issuer's, else
    the first issuer's that has one (the command line's ``show plan N``)."""
    vis = visibility_for(viewer)
    with read_session(checked_engine(engine)) as session:
        stmt = select(m.Plan.id, m.Plan.issuer).where(m.Plan.fiscal_year == fiscal_year, *vis.current_filter())
        if issuer:
            stmt = stmt.where(m.Plan.issuer == issuer)
        found = session.execute(stmt.order_by(m.Plan.region_code.is_not(None), m.Plan.id)).all()
        home = cached_home_issuer(session)
    chosen = next((row.id for row in found if row.issuer == home), found[0].id if found else None)
    if chosen is None:
        who = f"{issuer}の" if issuer else ""
        raise NotFoundError(f"{who}{fiscal_year}年度の事業計画は登録されていません", code="plan_not_found")
    return int(chosen)


def get_whole_plan(plan_id: int, *, viewer: Actor, engine: Engine | None = None) -> PlanPage:
    """A plan's page with every row on it (the command line prints the whole table)."""
    first = get_plan_page(plan_id, viewer=viewer, per_page=MAX_PER_PAGE, engine=engine)
    rows = list(first.rows.items)
    for page in range(2, first.rows.pages + 1):
        rows.extend(get_plan_page(plan_id, viewer=viewer, page=page, per_page=MAX_PER_PAGE, engine=engine).rows.items)
    first.rows = Paged(rows, len(rows), 1, max(1, len(rows)))
    return first
