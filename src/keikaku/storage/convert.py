"""Conversion between domain models (the interchange format) and table rows.

Builders add rows to a session but never flush or commit; readers turn rows back into domain models.
"""

from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from keikaku import domain as d
from keikaku.domain.plan import ProjectKind
from keikaku.storage import models as m


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
            indicator=kpi.indicator,
            comparator=kpi.comparator.value,
            target=kpi.target,
            unit=kpi.unit,
            relative_to=kpi.relative_to,
            reference=kpi.reference.model_dump(mode="json") if kpi.reference else None,
            derivation=kpi.derivation.model_dump(mode="json") if kpi.derivation else None,
            text=kpi.text,
            target_fiscal_year=kpi.target_fiscal_year,
            baseline_fiscal_year=kpi.baseline_fiscal_year,
            approximate=kpi.approximate,
            counted_monthly=kpi.counted_monthly,
        )
        self.provenance(row, kpi.provenance)
        return row

    # -- plans ----------------------------------------------------------
    def plan(self, plan: d.Plan, *, issuer: str, revision: int) -> m.Plan:
        """A plan row with its projects, components, KPIs, events, cooperative projects and warnings."""
        row = m.Plan(
            issuer=issuer,
            fiscal_year=plan.fiscal_year,
            revision=revision,
            is_current=True,
            title=plan.title,
            total_budget_thousand_yen=plan.total_budget_thousand_yen,
            national_subsidy_thousand_yen=plan.national_subsidy_thousand_yen,
        )
        self.provenance(row, plan.provenance)
        self.session.add(row)
        for pos, project in enumerate(plan.projects):
            row.projects.append(self.project(project, plan_row=row, position=pos))
        for pos, coop in enumerate(plan.cooperative_projects):
            crow = m.CooperativeProject(
                position=pos,
                name=coop.name,
                challenge=coop.challenge,
                field=coop.field,
                member_government=coop.member_government,
            )
            self.provenance(crow, coop.provenance)
            row.cooperative_projects.append(crow)
        for warning in plan.warnings:
            row.warnings.append(self.warning(warning))
        return row

    def warning(self, warning: d.Warning) -> m.PlanWarning:
        """A warning row."""
        wrow = m.PlanWarning(code=warning.code, message=warning.message, details=warning.details)
        self.provenance(wrow, warning.provenance)
        return wrow

    def project(self, project: d.Project | d.Component, *, plan_row: m.Plan, position: int) -> m.Project:
        """A project (or component) row with its departments, KPIs and events."""
        row = m.Project(
            plan=plan_row,
            position=position,
            name=project.name,
            budget_thousand_yen=project.budget_thousand_yen,
            is_new=project.new,
            relisted=project.relisted,
            summary=project.summary,
        )
        if isinstance(project, d.Project):
            row.code = project.code
            row.title = project.title
            row.national_subsidy_thousand_yen = project.national_subsidy_thousand_yen
            row.challenge = project.challenge
            row.field = project.field
            row.start_fiscal_year = project.start_fiscal_year
            row.year_count = project.year_count
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
            erow = m.Event(
                position=pos,
                name=event.name,
                start_date=event.start,
                end_date=event.end,
                venue=event.venue,
                theme=event.theme,
                note=event.note,
            )
            self.provenance(erow, event.provenance)
            row.events.append(erow)
        return row

    # -- vision, action plan, partners ------------------------------------
    def vision(self, vision: d.Vision) -> m.Vision:
        """A vision row with challenges, aims and numeric targets."""
        row = m.Vision(
            title=vision.title,
            issuer=vision.issuer,
            revision=vision.revision,
            horizon_fiscal_year=vision.horizon_fiscal_year,
            future_images=list(vision.future_images),
            economic_area=list(vision.economic_area),
            values=list(vision.values),
            is_current=True,
        )
        self.provenance(row, vision.provenance)
        for challenge in vision.challenges:
            crow = m.Challenge(
                number=challenge.number, name=challenge.name, aspiration=challenge.aspiration, goal=challenge.goal
            )
            self.provenance(crow, challenge.provenance)
            for aim in challenge.aims:
                arow = m.Aim(key=aim.key, text=aim.text)
                self.provenance(arow, aim.provenance)
                crow.aims.append(arow)
            row.challenges.append(crow)
        row.numeric_targets.extend(self.kpis(vision.numeric_targets))
        self.session.add(row)
        return row

    def action_plan(self, plan: d.ActionPlan) -> m.ActionPlan:
        """An action plan row with its themes and matrix entries."""
        row = m.ActionPlan(
            title=plan.title,
            issuer=plan.issuer,
            published=plan.published,
            start_fiscal_year=plan.start_fiscal_year,
            end_fiscal_year=plan.end_fiscal_year,
            is_current=True,
        )
        self.provenance(row, plan.provenance)
        for pos, theme in enumerate(plan.themes):
            trow = m.Theme(position=pos, name=theme.name, desired_state=theme.desired_state)
            self.provenance(trow, theme.provenance)
            for epos, entry in enumerate(theme.entries):
                erow = m.ThemeEntry(
                    position=epos,
                    period=entry.period,
                    actor=entry.actor.value,
                    theme_of_period=entry.theme_of_period,
                    actions=list(entry.actions),
                )
                self.provenance(erow, entry.provenance)
                trow.entries.append(erow)
            row.themes.append(trow)
        self.session.add(row)
        return row

    def partner(self, programme: d.PartnerPriorities) -> m.PartnerProgramme:
        """A partner programme row with its initiatives and their targets."""
        row = m.PartnerProgramme(
            issuer=programme.issuer,
            fiscal_year=programme.fiscal_year,
            title=programme.title,
            priority_areas=list(programme.priority_areas),
            is_current=True,
        )
        self.provenance(row, programme.provenance)
        for pos, initiative in enumerate(programme.initiatives):
            irow = m.Initiative(
                position=pos,
                name=initiative.name,
                code=initiative.code,
                parent_name=initiative.parent,
                priority_area=initiative.priority_area,
                department=initiative.department,
                phone=initiative.phone,
            )
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
        indicator=row.indicator,
        comparator=d.Comparator(row.comparator or d.Comparator.GE.value),
        target=row.target,
        unit=row.unit,
        relative_to=row.relative_to,
        reference=d.KpiReference.model_validate(row.reference) if row.reference else None,
        derivation=row.derivation and d.kpi.KpiDerivation.model_validate(row.derivation),
        text=row.text,
        target_fiscal_year=row.target_fiscal_year,
        baseline_fiscal_year=row.baseline_fiscal_year,
        approximate=row.approximate,
        counted_monthly=row.counted_monthly,
        provenance=read_provenance(row, keys),
    )


def target_kpis(rows: Iterable[m.Kpi], keys: dict[int, str]) -> list[d.Kpi]:
    """The KPIs with targets (supporting measures are rebuilt on import, so they are not exported)."""
    return [read_kpi(r, keys) for r in rows if r.role == "target"]


def read_events(row: m.Project, keys: dict[int, str]) -> list[d.Event]:
    """A project's events."""
    return [
        d.Event(
            name=e.name,
            start=e.start_date,
            end=e.end_date,
            venue=e.venue,
            theme=e.theme,
            note=e.note,
            provenance=read_provenance(e, keys),
        )
        for e in row.events
    ]


def read_component(row: m.Project, keys: dict[int, str]) -> d.Component:
    """A component row as a domain component."""
    return d.Component(
        name=row.name,
        budget_thousand_yen=row.budget_thousand_yen,
        departments=row.department_names,
        new=row.is_new,
        relisted=row.relisted,
        kpis=target_kpis(row.kpis, keys),
        events=read_events(row, keys),
        summary=row.summary,
        provenance=read_provenance(row, keys),
    )


def read_project(row: m.Project, keys: dict[int, str]) -> d.Project:
    """A project row, with its components, as a domain project."""
    return d.Project(
        code=row.code,
        name=row.name,
        title=row.title,
        budget_thousand_yen=row.budget_thousand_yen,
        national_subsidy_thousand_yen=row.national_subsidy_thousand_yen,
        departments=row.department_names,
        challenge=row.challenge,
        field=row.field,
        start_fiscal_year=row.start_fiscal_year,
        year_count=row.year_count,
        new=row.is_new,
        relisted=row.relisted,
        kind=ProjectKind(row.kind),
        summary=row.summary,
        components=[read_component(c, keys) for c in row.components],
        kpis=target_kpis(row.kpis, keys),
        events=read_events(row, keys),
        provenance=read_provenance(row, keys),
    )


def read_warning(row: m.PlanWarning, keys: dict[int, str]) -> d.Warning:
    """A warning row as a domain warning."""
    return d.Warning(code=row.code, message=row.message, details=row.details, provenance=read_provenance(row, keys))


def read_plan(row: m.Plan, keys: dict[int, str]) -> d.Plan:
    """A plan row as a domain plan."""
    return d.Plan(
        fiscal_year=row.fiscal_year,
        issuer=row.issuer,
        title=row.title,
        total_budget_thousand_yen=row.total_budget_thousand_yen,
        national_subsidy_thousand_yen=row.national_subsidy_thousand_yen,
        projects=[read_project(p, keys) for p in row.projects],
        cooperative_projects=[
            d.CooperativeProject(
                name=c.name,
                challenge=c.challenge,
                field=c.field,
                member_government=c.member_government,
                provenance=read_provenance(c, keys),
            )
            for c in row.cooperative_projects
        ],
        warnings=[read_warning(w, keys) for w in row.warnings],
        provenance=read_provenance(row, keys),
    )


def read_vision(row: m.Vision, keys: dict[int, str]) -> d.Vision:
    """A vision row as a domain vision."""
    return d.Vision(
        title=row.title,
        issuer=row.issuer,
        revision=row.revision,
        horizon_fiscal_year=row.horizon_fiscal_year,
        future_images=list(row.future_images or []),
        numeric_targets=target_kpis(row.numeric_targets, keys),
        economic_area=list(row.economic_area or []),
        challenges=[
            d.Challenge(
                number=c.number,
                name=c.name,
                aspiration=c.aspiration,
                goal=c.goal,
                aims=[d.Aim(key=a.key, text=a.text, provenance=read_provenance(a, keys)) for a in c.aims],
                provenance=read_provenance(c, keys),
            )
            for c in row.challenges
        ],
        values=list(row.values or []),
        provenance=read_provenance(row, keys),
    )


def read_action_plan(row: m.ActionPlan, keys: dict[int, str]) -> d.ActionPlan:
    """An action plan row as a domain action plan."""
    return d.ActionPlan(
        title=row.title,
        issuer=row.issuer,
        published=row.published,
        start_fiscal_year=row.start_fiscal_year,
        end_fiscal_year=row.end_fiscal_year,
        themes=[
            d.Theme(
                name=t.name,
                desired_state=t.desired_state,
                entries=[
                    d.ThemeEntry(
                        period=e.period,
                        actor=d.Actor(e.actor),
                        theme_of_period=e.theme_of_period,
                        actions=list(e.actions or []),
                        provenance=read_provenance(e, keys),
                    )
                    for e in t.entries
                ],
                provenance=read_provenance(t, keys),
            )
            for t in row.themes
        ],
        provenance=read_provenance(row, keys),
    )


def read_partner(row: m.PartnerProgramme, keys: dict[int, str]) -> d.PartnerPriorities:
    """A partner programme row as domain partner priorities."""
    return d.PartnerPriorities(
        issuer=row.issuer,
        fiscal_year=row.fiscal_year,
        title=row.title,
        priority_areas=list(row.priority_areas or []),
        initiatives=[
            d.Initiative(
                name=i.name,
                code=i.code,
                parent=i.parent_name,
                priority_area=i.priority_area,
                department=i.department,
                phone=i.phone,
                targets=target_kpis(i.targets, keys),
                provenance=read_provenance(i, keys),
            )
            for i in row.initiatives
        ],
        provenance=read_provenance(row, keys),
    )


def read_document(row: m.Document) -> d.DocumentRef:
    """A document row as a document reference."""
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
