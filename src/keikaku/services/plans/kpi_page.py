"""Read model of a KPI's page (where its actual values are entered): the KPI with its target, status, every
recorded version and its values over the years, and where it belongs (project, plan, or the vision)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine, select

from keikaku.evaluation.achievement import format_value
from keikaku.services.core.actors import Actor
from keikaku.services.core.db import checked_engine
from keikaku.services.core.errors import NotFoundError
from keikaku.services.core.provenance import document_keys, source_of
from keikaku.services.evaluations.run import observations
from keikaku.services.evaluations.status_cache import PlanStatuses, plan_statuses
from keikaku.services.plans.kpi_history import SeriesPoint, history_of, kpi_series, visible_history
from keikaku.services.plans.kpis import plan_kpi_refs, vision_kpi_refs
from keikaku.services.plans.project import KpiView, kpi_view
from keikaku.services.publication.visibility import visibility_for
from keikaku.storage import actuals as store
from keikaku.storage import models as m
from keikaku.storage.uow import read_session


@dataclass
class KpiEntryPage:
    """A KPI's actual-entry page: the KPI (with every version of its values) and where it belongs."""

    kpi: KpiView
    fiscal_year: int | None
    project_id: int | None
    project_name: str | None
    component_name: str | None
    plan_id: int | None
    departments: list[str]
    vision: bool
    monthly_allowed: bool
    horizon_fiscal_year: int | None = None


def get_kpi_entry_page(kpi_id: int, *, viewer: Actor, engine: Engine | None = None) -> KpiEntryPage:
    """The KPI with its target, status, every recorded version and its values over the years.

    A KPI of a plan hidden from ``viewer`` is not found; its actuals, status and history are left out
    (``evaluation_visible`` False) when the plan's evaluation is not published to ``viewer``.  A vision
    target is always shown.
    """
    eng = checked_engine(engine)
    vis = visibility_for(viewer)
    with read_session(eng) as session:
        row = session.get(m.Kpi, kpi_id)
        if row is None or row.initiative_id is not None:
            raise NotFoundError(f"KPI（ID {kpi_id}）はありません", code="kpi_not_found")
        vis.ensure_kpi_visible(session, kpi_id)
        keys = document_keys(session)
        versions = list(
            session.scalars(
                select(store.ActualValue)
                .where(store.ActualValue.kpi_id == kpi_id)
                .order_by(store.ActualValue.fiscal_year, store.ActualValue.month, store.ActualValue.version)
            )
        )
        if row.vision_id is not None:
            current = row.vision is not None and row.vision.is_current
            ref = next((r for r in vision_kpi_refs(session) if r.id == kpi_id), None) if current else None
            if ref is None:
                raise NotFoundError(f"KPI（ID {kpi_id}）は現行のビジョンの目標ではありません", code="kpi_not_found")
            years = sorted({v.fiscal_year for v in versions})
            series = [
                SeriesPoint(y, obs.value, ref.spec.target)
                for y in years
                for obs in [observations(versions, y).get(kpi_id)]
                if obs is not None
            ]
            view = kpi_view(ref, None, history_of(versions, ref.unit, viewer), series, source_of(row, keys))
            if series:
                view.actual, view.fiscal_year = series[-1].actual, series[-1].fiscal_year
                view.actual_display = format_value(view.actual, ref.unit) if view.actual is not None else None
            return KpiEntryPage(
                view, None, None, None, None, None, [], True, False, horizon_fiscal_year=ref.spec.target_fiscal_year
            )
        project = row.project
        assert project is not None  # one owner: not the vision, not an initiative
        plan = project.plan
        ref = next(r for r in plan_kpi_refs(session, [plan]) if r.id == kpi_id)
        shown = vis.evaluation_visible(session, plan.id, plan.fiscal_year)
        statuses = (
            plan_statuses(session, plan.id, plan.fiscal_year, plan.issuer)
            if shown and vis.reads_as_current(session, plan.id)
            else PlanStatuses(None)
        )
        series = kpi_series(session, plan.issuer, {project.name}, [ref], vis).get(kpi_id, [])
        history = history_of(visible_history(session, vis, plan.id, versions), ref.unit, viewer)
        view = kpi_view(ref, statuses.kpis.get(kpi_id), history, series, source_of(row, keys), evaluation_visible=shown)
        return KpiEntryPage(
            kpi=view,
            fiscal_year=plan.fiscal_year,
            project_id=project.parent_id or project.id,
            project_name=ref.project_name,
            component_name=ref.component_name,
            plan_id=plan.id,
            departments=list(ref.departments),
            vision=False,
            monthly_allowed=ref.kind.value == "count",
        )
