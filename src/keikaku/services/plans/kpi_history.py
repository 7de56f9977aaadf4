"""A KPI's recorded values and its values over the years, as the project page and the KPI page show them.

:func:`history_of` lists every recorded version of an actual value (corrections keep the earlier ones) as
the viewer may see it; :func:`kpi_series` follows a KPI through the same issuer's plans of other years (the
project of the same name, the KPI of the same indicator), with each year's target and, where its
evaluation is visible, its actual.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import Row, bindparam, select
from sqlalchemy.orm import Session

from keikaku.evaluation.achievement import format_value
from keikaku.services.core.actors import Actor
from keikaku.services.evaluations.run import observations
from keikaku.services.plans.kpis import KpiRef
from keikaku.services.publication.visibility import Visibility, current_revision
from keikaku.storage import actuals as store
from keikaku.storage import models as m
from keikaku.storage.in_lists import in_chunks
from keikaku.storage.prepared import Prepared


@dataclass(frozen=True)
class HistoryEntry:
    """One recorded version of an actual value."""

    version: int
    fiscal_year: int
    month: int | None
    value: float
    display: str
    entered_by: str | None  # who entered it: for signed-in staff only, never on a public page
    entered_at: dt.datetime
    channel: str
    reason: str | None
    note: str | None
    measured_on: dt.date | None
    evidence_text: str | None
    evidence_url: str | None


@dataclass(frozen=True)
class SeriesPoint:
    """A KPI's target and actual in one fiscal year."""

    fiscal_year: int
    actual: float | None
    target: float | None


def history_of(rows: Sequence[store.ActualValue | Row[Any]], unit: str | None, viewer: Actor) -> list[HistoryEntry]:
    """The versions as shown to ``viewer``: the public sees what was entered and when, not by whom."""
    names = not viewer.is_public
    return [
        HistoryEntry(
            r.version,
            r.fiscal_year,
            r.month or None,
            r.value,
            format_value(r.value, unit),
            r.entered_by if names else None,
            r.entered_at,
            r.channel,
            r.reason,
            r.note,
            r.measured_on,
            r.evidence_text,
            r.evidence_url,
        )
        for r in rows
    ]


@dataclass(frozen=True)
class SeriesRow:
    """A KPI of one of the issuer's plans that may continue the KPI shown."""

    id: int
    indicator: str
    target: float | None
    relative_to: str | None
    name: str
    fiscal_year: int
    plan_id: int


def visible_history(
    session: Session, vis: Visibility, plan_id: int, rows: Sequence[store.ActualValue | Row[Any]]
) -> list[store.ActualValue | Row[Any]]:
    """The recorded values of the years whose evaluation of ``plan_id`` the viewer may see."""
    return [r for r in rows if vis.evaluation_visible(session, plan_id, r.fiscal_year)]


def kpi_series_reads(
    issuer: str, names: set[str], refs: Sequence[KpiRef], vis: Visibility
) -> list[tuple[Prepared, dict[str, Any]]]:
    """The first read :func:`kpi_series` makes (the KPIs of the same names), to be read ahead with a page's
    others."""
    if not refs:
        return []
    return [(_series_statement(vis.draft_plans), {"issuer": issuer, "names": sorted(names)})]


def kpi_series(
    session: Session, issuer: str, names: set[str], refs: Sequence[KpiRef], vis: Visibility
) -> dict[int, list[SeriesPoint]]:
    """For each KPI: target and actual in every fiscal year of the issuer's projects of the same name.

    Only the plans the viewer may see count, and a year's actual only when its evaluation is visible.
    """
    if not refs:
        return {}
    # One statement for the KPIs of the same names in the issuer's plans (with the plans' years), one for
    # their values: plain rows, the highest version of each period kept here.
    rows = [
        SeriesRow(r.id, r.indicator, r.target, r.relative_to, r.name, r.fiscal_year, r.plan_id)
        for r in _series_statement(vis.draft_plans).rows(session, issuer=issuer, names=sorted(names))
    ]
    years = {r.fiscal_year for r in rows}
    vis.load_evaluations(session, {(r.plan_id, r.fiscal_year) for r in rows})
    values = _current_value_rows(session, [r.id for r in rows], years)
    by_year: dict[int, dict[int, float]] = {}
    for year in years:
        by_year[year] = {kpi_id: obs.value for kpi_id, obs in observations(values, year).items()}
    shown = {(r.plan_id, r.fiscal_year) for r in rows if vis.evaluation_visible(session, r.plan_id, r.fiscal_year)}
    out: dict[int, list[SeriesPoint]] = {}
    for ref in refs:
        name = ref.component_name or ref.project_name
        points = [
            # A relative target (参加企業数×6倍) is a factor, not a level: it is not drawn.
            SeriesPoint(
                r.fiscal_year,
                by_year.get(r.fiscal_year, {}).get(r.id) if (r.plan_id, r.fiscal_year) in shown else None,
                None if r.relative_to else r.target,
            )
            for r in rows
            if r.name == name and r.indicator == ref.indicator
        ]
        out[ref.id] = sorted(points, key=lambda p: p.fiscal_year)
    return out


@cache
def _series_statement(draft_plans: bool) -> Prepared:
    """The target KPIs of the issuer's projects of some names in the years' plans the viewer reads (with the
    plans' years): built once per kind of viewer."""
    current = current_revision(draft_plans)
    return Prepared(
        select(m.Kpi.id, m.Kpi.indicator, m.Kpi.target, m.Kpi.relative_to, m.Project.name, m.Project.plan_id)
        .add_columns(m.Plan.fiscal_year)
        .join(m.Project, m.Project.id == m.Kpi.project_id)
        .join(m.Plan, m.Plan.id == m.Project.plan_id)
        .where(
            m.Plan.issuer == bindparam("issuer"),
            current,
            m.Project.name.in_(bindparam("names", expanding=True)),
            m.Kpi.role == "target",
        )
    )


_av = store.ActualValue
#: Built once and run on the driver (a select costs more to build than to run here).
#: The KPIs' values of every year, the years chosen in Python: a KPI has values for a year or two, and with the
#: years in the statement too SQLite searched the (year, KPI) index once per pair (twice the time).
_VALUE_ROWS = Prepared(
    select(_av.kpi_id, _av.fiscal_year, _av.month, _av.version, _av.value, _av.measured_on).where(
        _av.kpi_id.in_(bindparam("ids", expanding=True))
    )
)


def _current_value_rows(session: Session, kpi_ids: Sequence[int], years: set[int]) -> list[store.ValueRow]:
    """The current version of each actual value (year and months) of ``kpi_ids`` in ``years``: every version
    read as a plain row (most periods have one) and the highest kept."""
    latest: dict[tuple[int, int, int], store.ValueRow] = {}
    if not kpi_ids or not years:
        return []
    for chunk in in_chunks(kpi_ids):
        for values in _VALUE_ROWS.rows(session, ids=chunk):
            row = store.ValueRow(*values)
            if row.fiscal_year not in years:
                continue
            key = (row.kpi_id, row.fiscal_year, row.month)
            kept = latest.get(key)
            if kept is None or row.version > kept.version:
                latest[key] = row
    return list(latest.values())
