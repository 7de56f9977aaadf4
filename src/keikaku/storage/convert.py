"""Conversion between domain models (the interchange format) and table rows.

Builders add rows to a session but never flush or commit; readers turn rows back into domain models.
"""

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import Row, select
from sqlalchemy.orm import Session

from keikaku import domain as d
from keikaku.domain.plan import ProjectKind
from keikaku.storage import models as m


def _same(*names: str) -> dict[str, str]:
    return {name: name for name in names}


# What each entity copies as it is, both ways: domain field → column.  The builders write these columns
# from the fields and the readers read the fields back from them; what is converted (enums, JSON, lists)
# is written out beside them.
_KPI_FIELDS = _same(
    "indicator",
    "target",
    "unit",
    "relative_to",
    "text",
    "target_fiscal_year",
    "baseline_fiscal_year",
    "approximate",
    "counted_monthly",
)
_PLAN_FIELDS = _same("fiscal_year", "title", "total_budget_thousand_yen", "national_subsidy_thousand_yen")
_COOPERATIVE_FIELDS = _same("name", "challenge", "field", "member_government")
_WARNING_FIELDS = _same("code", "message", "details")
#: Of a project and a component alike.
_PART_FIELDS = _same("name", "budget_thousand_yen", "relisted", "summary") | {"new": "is_new"}
#: Of a project only.
_PROJECT_FIELDS = _same(
    "code", "title", "national_subsidy_thousand_yen", "challenge", "field", "start_fiscal_year", "year_count"
)
_EVENT_FIELDS = _same("name", "venue", "theme", "note") | {"start": "start_date", "end": "end_date"}
_VISION_FIELDS = _same("title", "issuer", "revision", "horizon_fiscal_year")
_VISION_LISTS = ("future_images", "economic_area", "values")
_CHALLENGE_FIELDS = _same("number", "name", "aspiration", "goal")
_AIM_FIELDS = _same("key", "text")
_ACTION_PLAN_FIELDS = _same("title", "issuer", "published", "start_fiscal_year", "end_fiscal_year")
_THEME_FIELDS = _same("name", "desired_state")
_ENTRY_FIELDS = _same("period", "theme_of_period")
_PARTNER_FIELDS = _same("issuer", "fiscal_year", "title")
_INITIATIVE_FIELDS = _same("name", "code", "priority_area", "department", "phone") | {"parent": "parent_name"}


def columns(value: Any, fields: Mapping[str, str]) -> dict[str, Any]:
    """A row's columns from a domain value's fields (``fields``: field → column)."""
    return {column: getattr(value, name) for name, column in fields.items()}


def attributes(row: Any, fields: Mapping[str, str]) -> dict[str, Any]:
    """A domain value's fields from a row's columns (``fields``: field → column)."""
    return {name: getattr(row, column) for name, column in fields.items()}


class RowBuilder:
    """Builds rows for one import: resolves document keys and departments once, per session."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._documents: dict[str, m.Document] = {}
        self._departments: dict[str, m.Department] = {}

    # -- shared lookups -------------------------------------------------
    def document(self, key: str) -> m.Document:
        """The document row for a provenance key, created as kind ``other`` if nothing declared it."""
        row = self._documents.get(key)
        if row is None:
            row = self.session.scalar(select(m.Document).where(m.Document.key == key))
            if row is None:
                row = m.Document(key=key, kind=d.DocumentKind.OTHER.value)
                self.session.add(row)
            self._documents[key] = row
        return row

    def register_document(self, row: m.Document) -> None:
        """Make a freshly added document row known under its key."""
        self._documents[row.key] = row

    def department(self, name: str) -> m.Department:
        """The department row of that name, created on first use."""
        row = self._departments.get(name)
        if row is None:
            row = self.session.scalar(select(m.Department).where(m.Department.name == name))
            if row is None:
                row = m.Department(name=name)
                self.session.add(row)
            self._departments[name] = row
        return row

    def provenance(self, row: Any, prov: d.Provenance | None) -> None:
        """Copy a provenance record onto a row with ProvenanceMixin columns."""
        if prov is None:
            return
        if prov.document:
            row.source_document = self.document(prov.document)
        row.source_page = prov.page
        row.source_line = prov.line
        row.source_excerpt = prov.excerpt

    # -- KPIs -----------------------------------------------------------
    def kpis(self, kpis: Iterable[d.Kpi]) -> list[m.Kpi]:
        """KPI rows for a list of KPIs, with a supporting measure for each relative target."""
        rows: list[m.Kpi] = []
        measures: dict[str, m.Kpi] = {}
        for kpi in kpis:
            row = self.kpi(kpi)
            row.position = len(rows)
            rows.append(row)
        for row in list(rows):
            if row.relative_to:
                measure = measures.get(row.relative_to) or next(
                    (r for r in rows if r.indicator == row.relative_to and r is not row), None
                )
                if measure is None:
                    measure = m.Kpi(
                        role="measure",
                        indicator=row.relative_to,
                        comparator=None,
                        target_fiscal_year=row.target_fiscal_year,
                        position=len(rows),
                        source_document_id=row.source_document_id,
                        source_line=row.source_line,
                        source_page=row.source_page,
                        source_excerpt=row.source_excerpt,
                    )
                    rows.append(measure)
                    measures[row.relative_to] = measure
                row.relative_to_kpi = measure
        return rows

    def kpi(self, kpi: d.Kpi) -> m.Kpi:
        """One KPI row."""
        row = m.Kpi(
            role="target",
            comparator=kpi.comparator.value,
            reference=kpi.reference.model_dump(mode="json") if kpi.reference else None,
            derivation=kpi.derivation.model_dump(mode="json") if kpi.derivation else None,
            **columns(kpi, _KPI_FIELDS),
        )
        self.provenance(row, kpi.provenance)
        return row

    # -- plans ----------------------------------------------------------
    def plan(self, plan: d.Plan, *, issuer: str, revision: int) -> m.Plan:
        """A plan row with its projects, components, KPIs, events, cooperative projects and warnings."""
        row = m.Plan(issuer=issuer, revision=revision, is_current=True, **columns(plan, _PLAN_FIELDS))
        self.provenance(row, plan.provenance)
        self.session.add(row)
        for pos, project in enumerate(plan.projects):
            row.projects.append(self.project(project, plan_row=row, position=pos))
        for pos, coop in enumerate(plan.cooperative_projects):
            crow = m.CooperativeProject(position=pos, **columns(coop, _COOPERATIVE_FIELDS))
            self.provenance(crow, coop.provenance)
            row.cooperative_projects.append(crow)
        for warning in plan.warnings:
            row.warnings.append(self.warning(warning))
        return row

    def warning(self, warning: d.Warning) -> m.PlanWarning:
        """A warning row."""
        wrow = m.PlanWarning(**columns(warning, _WARNING_FIELDS))
        self.provenance(wrow, warning.provenance)
        return wrow

    def project(self, project: d.Project | d.Component, *, plan_row: m.Plan, position: int) -> m.Project:
        """A project (or component) row with its departments, KPIs and events."""
        row = m.Project(plan=plan_row, position=position, **columns(project, _PART_FIELDS))
        if isinstance(project, d.Project):
            for column, value in columns(project, _PROJECT_FIELDS).items():
                setattr(row, column, value)
            row.kind = project.kind.value
            for pos, component in enumerate(project.components):
                row.components.append(self.project(component, plan_row=plan_row, position=pos))
        else:
            row.kind = ProjectKind.BUDGET.value
        self.provenance(row, project.provenance)
        for pos, name in enumerate(project.departments):
            row.department_links.append(m.ProjectDepartment(department=self.department(name), position=pos))
        row.kpis.extend(self.kpis(project.kpis))
        for pos, event in enumerate(project.events):
            erow = m.Event(position=pos, **columns(event, _EVENT_FIELDS))
            self.provenance(erow, event.provenance)
            row.events.append(erow)
        return row

    # -- vision, action plan, partners ------------------------------------
    def vision(self, vision: d.Vision) -> m.Vision:
        """A vision row with challenges, aims and numeric targets."""
        row = m.Vision(
            is_current=True,
            **columns(vision, _VISION_FIELDS),
            **{name: list(getattr(vision, name)) for name in _VISION_LISTS},
        )
        self.provenance(row, vision.provenance)
        for challenge in vision.challenges:
            crow = m.Challenge(**columns(challenge, _CHALLENGE_FIELDS))
            self.provenance(crow, challenge.provenance)
            for aim in challenge.aims:
                arow = m.Aim(**columns(aim, _AIM_FIELDS))
                self.provenance(arow, aim.provenance)
                crow.aims.append(arow)
            row.challenges.append(crow)
        row.numeric_targets.extend(self.kpis(vision.numeric_targets))
        self.session.add(row)
        return row

    def action_plan(self, plan: d.ActionPlan) -> m.ActionPlan:
        """An action plan row with its themes and matrix entries."""
        row = m.ActionPlan(is_current=True, **columns(plan, _ACTION_PLAN_FIELDS))
        self.provenance(row, plan.provenance)
        for pos, theme in enumerate(plan.themes):
            trow = m.Theme(position=pos, **columns(theme, _THEME_FIELDS))
            self.provenance(trow, theme.provenance)
            for epos, entry in enumerate(theme.entries):
                erow = m.ThemeEntry(
                    position=epos, actor=entry.actor.value, actions=list(entry.actions), **columns(entry, _ENTRY_FIELDS)
                )
                self.provenance(erow, entry.provenance)
                trow.entries.append(erow)
            row.themes.append(trow)
        self.session.add(row)
        return row

    def partner(self, programme: d.PartnerPriorities) -> m.PartnerProgramme:
        """A partner programme row with its initiatives and their targets."""
        row = m.PartnerProgramme(
            priority_areas=list(programme.priority_areas), is_current=True, **columns(programme, _PARTNER_FIELDS)
        )
        self.provenance(row, programme.provenance)
        for pos, initiative in enumerate(programme.initiatives):
            irow = m.Initiative(position=pos, **columns(initiative, _INITIATIVE_FIELDS))
            self.provenance(irow, initiative.provenance)
            irow.targets.extend(self.kpis(initiative.targets))
            row.initiatives.append(irow)
        self.session.add(row)
        return row


# -- readers ---------------------------------------------------------------
def read_provenance(row: Any, keys: dict[int, str]) -> d.Provenance | None:
    """The provenance of a row, with the document's key."""
    if row.source_document_id is None and row.source_line is None and row.source_excerpt is None:
        return None
    return d.Provenance(
        document=keys.get(row.source_document_id) if row.source_document_id else None,
        page=row.source_page,
        line=row.source_line,
        excerpt=row.source_excerpt,
    )


def read_kpi(row: m.Kpi, keys: dict[int, str]) -> d.Kpi:
    """A KPI row as a domain KPI."""
    return d.Kpi(
        comparator=d.Comparator(row.comparator or d.Comparator.GE.value),
        reference=d.KpiReference.model_validate(row.reference) if row.reference else None,
        derivation=row.derivation and d.kpi.KpiDerivation.model_validate(row.derivation),
        provenance=read_provenance(row, keys),
        **attributes(row, _KPI_FIELDS),
    )


def target_kpis(rows: Iterable[m.Kpi], keys: dict[int, str]) -> list[d.Kpi]:
    """The KPIs with targets (supporting measures are rebuilt on import, so they are not exported)."""
    return [read_kpi(r, keys) for r in rows if r.role == "target"]


def read_events(row: m.Project, keys: dict[int, str]) -> list[d.Event]:
    """A project's events."""
    return [d.Event(provenance=read_provenance(e, keys), **attributes(e, _EVENT_FIELDS)) for e in row.events]


def read_component(row: m.Project, keys: dict[int, str]) -> d.Component:
    """A component row as a domain component."""
    return d.Component(
        departments=row.department_names,
        kpis=target_kpis(row.kpis, keys),
        events=read_events(row, keys),
        provenance=read_provenance(row, keys),
        **attributes(row, _PART_FIELDS),
    )


def read_project(row: m.Project, keys: dict[int, str]) -> d.Project:
    """A project row, with its components, as a domain project."""
    return d.Project(
        departments=row.department_names,
        kind=ProjectKind(row.kind),
        components=[read_component(c, keys) for c in row.components],
        kpis=target_kpis(row.kpis, keys),
        events=read_events(row, keys),
        provenance=read_provenance(row, keys),
        **attributes(row, _PART_FIELDS),
        **attributes(row, _PROJECT_FIELDS),
    )


def read_warning(row: m.PlanWarning, keys: dict[int, str]) -> d.Warning:
    """A warning row as a domain warning."""
    return d.Warning(provenance=read_provenance(row, keys), **attributes(row, _WARNING_FIELDS))


def read_plan(row: m.Plan, keys: dict[int, str]) -> d.Plan:
    """A plan row as a domain plan."""
    return d.Plan(
        issuer=row.issuer,
        projects=[read_project(p, keys) for p in row.projects],
        cooperative_projects=[
            d.CooperativeProject(provenance=read_provenance(c, keys), **attributes(c, _COOPERATIVE_FIELDS))
            for c in row.cooperative_projects
        ],
        warnings=[read_warning(w, keys) for w in row.warnings],
        provenance=read_provenance(row, keys),
        **attributes(row, _PLAN_FIELDS),
    )


def read_vision(row: m.Vision, keys: dict[int, str]) -> d.Vision:
    """A vision row as a domain vision."""
    return d.Vision(
        numeric_targets=target_kpis(row.numeric_targets, keys),
        challenges=[
            d.Challenge(
                aims=[d.Aim(provenance=read_provenance(a, keys), **attributes(a, _AIM_FIELDS)) for a in c.aims],
                provenance=read_provenance(c, keys),
                **attributes(c, _CHALLENGE_FIELDS),
            )
            for c in row.challenges
        ],
        provenance=read_provenance(row, keys),
        **attributes(row, _VISION_FIELDS),
        **{name: list(getattr(row, name) or []) for name in _VISION_LISTS},
    )


def read_action_plan(row: m.ActionPlan, keys: dict[int, str]) -> d.ActionPlan:
    """An action plan row as a domain action plan."""
    return d.ActionPlan(
        themes=[
            d.Theme(
                entries=[
                    d.ThemeEntry(
                        actor=d.Actor(e.actor),
                        actions=list(e.actions or []),
                        provenance=read_provenance(e, keys),
                        **attributes(e, _ENTRY_FIELDS),
                    )
                    for e in t.entries
                ],
                provenance=read_provenance(t, keys),
                **attributes(t, _THEME_FIELDS),
            )
            for t in row.themes
        ],
        provenance=read_provenance(row, keys),
        **attributes(row, _ACTION_PLAN_FIELDS),
    )


def read_partner(row: m.PartnerProgramme, keys: dict[int, str]) -> d.PartnerPriorities:
    """A partner programme row as domain partner priorities."""
    return d.PartnerPriorities(
        priority_areas=list(row.priority_areas or []),
        initiatives=[
            d.Initiative(
                targets=target_kpis(i.targets, keys),
                provenance=read_provenance(i, keys),
                **attributes(i, _INITIATIVE_FIELDS),
            )
            for i in row.initiatives
        ],
        provenance=read_provenance(row, keys),
        **attributes(row, _PARTNER_FIELDS),
    )


def read_document(row: m.Document | Row[Any]) -> d.DocumentRef:
    """A document row (mapped, or a row of the table's columns) as a document reference."""
    return d.DocumentRef(
        id=row.key,
        title=row.title,
        issuer=row.issuer,
        kind=d.DocumentKind(row.kind),
        fiscal_year=row.fiscal_year,
        published=row.published,
        sha256=row.sha256,
        path=row.path,
        pages=row.pages,
        lines=row.lines,
    )
