"""Read models of a project (or component) page, and the KPI views it shares with the KPI page
(:mod:`keikaku.services.plans.kpi_page`).

A project page has every field of the project with its source, its components, events and KPIs; each KPI
with its target, its actual, every recorded version (corrections keep the earlier values), its status from
the evaluation, and its values over the years (the same issuer's project of the same name in other years'
plans, KPI of the same indicator).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from sqlalchemy import Boolean, Engine, Row, bindparam, or_, select, type_coerce
from sqlalchemy.orm import Session

from keikaku.evaluation.achievement import format_value
from keikaku.evaluation.views import KpiLine
from keikaku.services.context.partner_links import refresh_suggestions
from keikaku.services.core.actors import Actor
from keikaku.services.core.db import checked_engine
from keikaku.services.core.errors import NotFoundError
from keikaku.services.core.home_issuer import cached_home_issuer
from keikaku.services.core.provenance import DocumentLabel, SourceRef, source_of
from keikaku.services.evaluations.status_cache import PlanStatuses, plan_statuses
from keikaku.services.plans.context_cache import ContextReads
from keikaku.services.plans.kpi_history import (
    HistoryEntry,
    SeriesPoint,
    history_of,
    kpi_series,
    kpi_series_reads,
    visible_history,
)
from keikaku.services.plans.kpis import KpiRef, display_code, refs_for_projects
from keikaku.services.plans.rows import PLAN_ROW_COLUMNS, ProjectRow, family_tree_reads, load_family_tree, plan_row
from keikaku.services.publication.visibility import (
    Visibility,
    current_revision,
    visibility_for,
    visible_plans,
)
from keikaku.storage import actuals as store
from keikaku.storage import models as m
from keikaku.storage import web_models as w
from keikaku.storage.prepared import Prepared, read_ahead
from keikaku.storage.uow import read_session


@dataclass
class KpiView:
    """A KPI with its target, actual, status, history and values over the years."""

    id: int
    indicator: str
    target_text: str
    unit: str | None
    kind: str
    is_measure: bool
    text: str | None
    counted_monthly: bool
    fiscal_year: int | None
    actual: float | None
    actual_display: str | None
    status: str | None
    status_reason: str | None
    achievement: float | None
    effective_target: float | None
    monthly: dict[int, float] = field(default_factory=dict)
    history: list[HistoryEntry] = field(default_factory=list)
    series: list[SeriesPoint] = field(default_factory=list)
    source: SourceRef | None = None
    evaluation_visible: bool = True


@dataclass(frozen=True)
class EventView:
    """An event of a project: name, dates, venue, note and its theme (テーマ) when the plan gives one."""

    name: str
    start: dt.date | None
    end: dt.date | None
    venue: str | None
    note: str | None
    source: SourceRef | None
    theme: str | None = None


@dataclass(frozen=True)
class LinkView:
    """A partner initiative linked to this project (suggested or confirmed)."""

    link_id: int
    initiative_id: int
    initiative_name: str
    issuer: str
    state: str
    score: float
    shared_terms: list[str]


@dataclass
class ProjectPage:
    """Everything about one project or component."""

    id: int
    plan_id: int
    fiscal_year: int
    issuer: str
    plan_title: str | None
    plan_current: bool
    code: str
    name: str
    title: str | None
    budget_thousand_yen: int | None
    national_subsidy_thousand_yen: int | None
    departments: list[str]
    challenge: int | None
    challenge_name: str | None
    field: str | None
    start_fiscal_year: int | None
    year_count: int | None
    new: bool
    relisted: bool
    administrative: bool
    summary: str | None
    status: str | None
    rating: str | None
    status_reason: str | None
    #: The score over the measured (judged) KPIs, and how many of the KPIs are measured: never 未測定 as 0.
    score: float | None = None
    measured: int | None = None
    kpi_total: int | None = None
    source: SourceRef | None = None
    evaluation_visible: bool = True
    parent_id: int | None = None
    parent_name: str | None = None
    components: list[ProjectPage] = dataclasses.field(default_factory=list)
    kpis: list[KpiView] = dataclasses.field(default_factory=list)
    events: list[EventView] = dataclasses.field(default_factory=list)
    links: list[LinkView] = dataclasses.field(default_factory=list)


_av = store.ActualValue
#: Statements of a project page built once (a select costs more to build than to run here).
# Plain rows, not ORM objects: a page reads their fields once (attribute names are the column names).
_VERSIONS = Prepared(
    select(*_av.__table__.c)
    .where(_av.kpi_id.in_(bindparam("ids", expanding=True)))
    .order_by(_av.kpi_id, _av.fiscal_year, _av.month, _av.version)
)
_MEMBERS = Prepared(
    select(*m.Project.__table__.c)
    .where(or_(m.Project.id == bindparam("project_id"), m.Project.parent_id == bindparam("project_id")))
    .order_by(m.Project.position, m.Project.id)
)
_MEMBER_KPIS = Prepared(
    select(
        m.Kpi.id, m.Kpi.project_id, m.Kpi.source_document_id, m.Kpi.source_line, m.Kpi.source_page, m.Kpi.source_excerpt
    )
    .where(m.Kpi.project_id.in_(bindparam("ids", expanding=True)))
    .order_by(m.Kpi.position, m.Kpi.id)
)
_MEMBER_EVENTS = Prepared(
    select(*m.Event.__table__.c)
    .where(m.Event.project_id.in_(bindparam("ids", expanding=True)))
    .order_by(m.Event.position, m.Event.id)
)
_LINKS = Prepared(
    select(
        w.PartnerLink.id,
        w.PartnerLink.initiative_id,
        w.PartnerLink.state,
        w.PartnerLink.score,
        w.PartnerLink.shared_terms,
        m.Initiative.name,
        m.PartnerProgramme.issuer,
    )
    .join(m.Initiative, m.Initiative.id == w.PartnerLink.initiative_id)
    .join(m.PartnerProgramme, m.PartnerProgramme.id == m.Initiative.programme_id)
    .where(
        w.PartnerLink.project_id == bindparam("project_id"),
        w.PartnerLink.state.in_(bindparam("states", expanding=True)),
    )
    .order_by(w.PartnerLink.state, w.PartnerLink.score.desc())
)


def kpi_view(
    ref: KpiRef,
    line: KpiLine | None,
    history: list[HistoryEntry],
    series: list[SeriesPoint],
    source: SourceRef | None,
    *,
    evaluation_visible: bool = True,
) -> KpiView:
    """A KPI's view from its reference, its evaluated line (if any), its history and series.

    With ``evaluation_visible`` False the line is not shown: no actual, status or monthly values.
    """
    line = line if evaluation_visible else None
    result = line.result if line else None
    actual = line.actual if line else None
    return KpiView(
        id=ref.id,
        indicator=ref.indicator,
        target_text=ref.target_text,
        unit=ref.unit,
        kind=ref.kind.value,
        is_measure=ref.spec.is_measure,
        text=ref.text,
        counted_monthly=ref.spec.counted_monthly,
        fiscal_year=ref.fiscal_year,
        actual=actual,
        actual_display=format_value(actual, ref.unit) if actual is not None else None,
        status=result.status.value if result and not ref.spec.is_measure else None,
        status_reason=result.reason if result and not ref.spec.is_measure else None,
        achievement=result.achievement if result else None,
        effective_target=result.effective_target if result else None,
        monthly=dict(line.monthly) if line else {},
        history=history,
        series=series,
        source=source,
        evaluation_visible=evaluation_visible,
    )


def _link_states(viewer: Actor) -> list[str]:
    """The states of the partner links ``viewer`` sees: confirmed ones for the public; staff also see the
    suggestions (候補) that wait for a curator."""
    return ["confirmed"] if viewer.is_public else ["confirmed", "suggested"]


def _links(session: Session, project_id: int, viewer: Actor) -> list[LinkView]:
    """The project's partner links (see :func:`_link_states`)."""
    return [
        LinkView(
            link.id, link.initiative_id, link.name, link.issuer, link.state, link.score, list(link.shared_terms or [])
        )
        for link in _LINKS.rows(session, project_id=project_id, states=_link_states(viewer))
    ]


@dataclass
class _Family:
    """What a project page reads of a project and its components (or of a component), by project id: its
    row in the plan's tree (departments, parent), its KPIs and events as ORM rows (their sources)."""

    rows: dict[int, ProjectRow]
    kpis: dict[int, list[Any]]
    events: dict[int, list[Row[Any]]]
    refs: dict[int, list[KpiRef]] = field(default_factory=lambda: defaultdict(list))


def _page(
    project: Row[Any],
    plan: Any,
    family: _Family,
    statuses: PlanStatuses,
    extras: tuple[dict[int, list[Row[Any]]], dict[int, list[SeriesPoint]], dict[int, DocumentLabel], dict[int, str]],
    *,
    evaluation_visible: bool,
    viewer: Actor,
) -> ProjectPage:
    history, series, keys, labels = extras
    line = statuses.projects.get(project.id) if evaluation_visible else None
    parent = family.rows.get(project.parent_id) if project.parent_id else None
    challenge = parent.challenge if parent else project.challenge
    kpi_sources = {k.id: source_of(k, keys) for k in family.kpis.get(project.id, [])}
    own = family.rows[project.id].department_names
    page = ProjectPage(
        id=project.id,
        plan_id=plan.id,
        fiscal_year=plan.fiscal_year,
        issuer=plan.issuer,
        plan_title=plan.title,
        plan_current=plan.is_current,
        code=display_code(project.code) if parent is None else "",
        name=project.name,
        title=project.title,
        budget_thousand_yen=project.budget_thousand_yen,
        national_subsidy_thousand_yen=project.national_subsidy_thousand_yen,
        departments=list(own or (parent.department_names if parent else ())),
        challenge=challenge,
        challenge_name=labels.get(challenge) if challenge else None,
        field=project.field,
        start_fiscal_year=project.start_fiscal_year,
        year_count=project.year_count,
        new=project.is_new,
        relisted=project.relisted,
        administrative=project.kind == "administrative",
        summary=project.summary,
        status=line.rollup.status.value if line else None,
        rating=line.rollup.rating if line else None,
        status_reason=line.rollup.reason if line else None,
        source=source_of(project, keys),
        evaluation_visible=evaluation_visible,
        score=line.rollup.unweighted if line else None,
        measured=line.rollup.measured if line else None,
        kpi_total=line.rollup.kpi_count if line else None,
        parent_id=parent.id if parent else None,
        parent_name=parent.name if parent else None,
    )
    for ref in family.refs.get(project.id, []):
        page.kpis.append(
            kpi_view(
                ref,
                statuses.kpis.get(ref.id),
                history_of(history.get(ref.id, []), ref.unit, viewer),
                series.get(ref.id, []),
                kpi_sources.get(ref.id),
                evaluation_visible=evaluation_visible,
            )
        )
    page.events = [
        EventView(e.name, e.start_date, e.end_date, e.venue, e.note, source_of(e, keys), e.theme)
        for e in family.events.get(project.id, [])
    ]
    return page


def get_project_page(project_id: int, *, viewer: Actor, engine: Engine | None = None) -> ProjectPage:
    """The page of a project or component: fields, components, events, KPIs with statuses, history, series.

    A project of a plan hidden from ``viewer`` is not found; statuses, actuals and their history are left out
    (``evaluation_visible`` False) when the plan's evaluation is not published to ``viewer``.
    """
    eng = checked_engine(engine)
    vis = visibility_for(viewer)
    with read_session(eng) as session:
        plan = _visible_plan_of(session, vis, project_id)
        if plan.issuer != cached_home_issuer(session):
            return _project_page(session, vis, viewer, project_id, plan)
    # The home issuer's projects show partner links, suggested from the index first if it changed.
    refresh_suggestions(engine=eng)
    with read_session(eng) as session:
        return _project_page(session, vis, viewer, project_id, plan)


@cache
def _visible_plan_statement(draft_plans: bool) -> Prepared:
    """The facts of a project's plan if the viewer may see it, and whether it is the revision the viewer reads
    as its year's plan (whether the viewer sees drafts decides both)."""
    visible = visible_plans(draft_plans)
    current = current_revision(draft_plans)
    return Prepared(
        select(*PLAN_ROW_COLUMNS, m.Plan.is_current, type_coerce(current, Boolean).label("read_as_current"))
        .join(m.Project, m.Project.plan_id == m.Plan.id)
        .where(m.Project.id == bindparam("project_id"), *visible)
    )


def _visible_plan_of(session: Session, vis: Visibility, project_id: int) -> Any:
    """The facts of the project's plan (:data:`PLAN_ROW_COLUMNS`, ``is_current``, ``read_as_current``), or the
    NotFoundError of a missing project when it does not exist or its plan is hidden from the viewer (one
    statement, which also answers :meth:`Visibility.reads_as_current` for the plan)."""
    row = _visible_plan_statement(vis.draft_plans).first(session, project_id=project_id)
    if row is None:
        raise NotFoundError(f"事業（ID {project_id}）はありません", code="project_not_found")
    vis.remember_current(row.id, bool(row.read_as_current))
    return row


def _project_page(session: Session, vis: Visibility, viewer: Actor, project_id: int, plan: Any) -> ProjectPage:
    # The project and its components in one statement, then their KPIs and events in one each (no chain of
    # relationship loads); departments and the parent come from the family's part of the plan's tree.  The
    # reads that wait on nothing but what is known are asked together (one round trip each on PostgreSQL).
    connection = session.connection()
    read_ahead(
        connection,
        [
            (_MEMBERS, {"project_id": project_id}),
            (_LINKS, {"project_id": project_id, "states": _link_states(viewer)}),
            *vis.evaluation_reads(plan.id, plan.fiscal_year),
            *ContextReads.reads(session),
        ],
    )
    members = _MEMBERS.rows(connection, project_id=project_id)
    project = next((p for p in members if p.id == project_id), None)
    if project is None:
        raise NotFoundError(f"事業（ID {project_id}）はありません", code="project_not_found")
    components = [p for p in members if p.id != project_id]
    shown = vis.evaluation_visible(session, plan.id, plan.fiscal_year)
    statuses = (
        plan_statuses(session, plan.id, plan.fiscal_year, plan.issuer)
        if shown and vis.reads_as_current(session, plan.id)
        else PlanStatuses(None)
    )
    ids = [p.id for p in members]
    family_ids = ids + ([project.parent_id] if project.parent_id else [])
    read_ahead(
        connection,
        [*family_tree_reads(plan.id, family_ids), (_MEMBER_KPIS, {"ids": ids}), (_MEMBER_EVENTS, {"ids": ids})],
    )
    tree = load_family_tree(session, plan_row(plan), family_ids)
    family = _Family(tree.project_by_id, defaultdict(list), defaultdict(list))
    for kpi in _MEMBER_KPIS.rows(connection, ids=ids):
        family.kpis[kpi.project_id or 0].append(kpi)
    for ev in _MEMBER_EVENTS.rows(connection, ids=ids):
        family.events[ev.project_id].append(ev)
    for ref in refs_for_projects(tree, [r for r in tree.projects if r.id in set(ids)]):
        family.refs[ref.project_id or 0].append(ref)
    all_refs = [r for group in family.refs.values() for r in group]
    measured = [r for r in all_refs if not r.spec.is_measure]
    names = {p.name for p in members}
    kpi_ids = [r.id for r in all_refs]
    read_ahead(connection, [(_VERSIONS, {"ids": kpi_ids}), *kpi_series_reads(plan.issuer, names, measured, vis)])
    versions: dict[int, list[Any]] = defaultdict(list)
    for row in _VERSIONS.rows(connection, ids=kpi_ids):
        versions[row.kpi_id].append(row)
    vis.load_evaluations(session, {(plan.id, r.fiscal_year) for rows in versions.values() for r in rows})
    for kpi_id, rows in versions.items():
        versions[kpi_id] = visible_history(session, vis, plan.id, rows)
    series = kpi_series(session, plan.issuer, names, measured, vis)
    context = ContextReads(session)
    extras = (versions, series, context.document_keys(), context.challenge_labels())
    page = _page(project, plan, family, statuses, extras, evaluation_visible=shown, viewer=viewer)
    page.components = [
        _page(c, plan, family, statuses, extras, evaluation_visible=shown, viewer=viewer) for c in components
    ]
    # "Superseded" is said of what the viewer reads: the public's 第1版 is current while 第2版 is a draft.
    current = vis.reads_as_current(session, plan.id)
    for shown_page in (page, *page.components):
        shown_page.plan_current = current
    page.links = _links(session, project.id, viewer)
    return page
