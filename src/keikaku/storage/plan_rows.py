"""Fast, streaming reads of whole plans as interchange-format dicts (Core queries, no ORM objects).

Used by exports that must handle every plan of every municipality: rows are fetched per batch of plans
and assembled into the same dicts ``keikaku.domain.Plan.model_dump(mode="json")`` produces.
"""

from collections import defaultdict
from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import Connection, select

from keikaku.storage import models as m

Dict = dict[str, Any]

BATCH = 500


def _prov(
    doc_id: int | None, page: int | None, line: int | None, excerpt: str | None, keys: dict[int, str]
) -> Dict | None:
    if doc_id is None and line is None and excerpt is None:
        return None
    return {"document": keys.get(doc_id) if doc_id else None, "page": page, "line": line, "excerpt": excerpt}


def _number(value: float | None) -> float | int | None:
    """Whole floats as ints, so 450.0 is written 450."""
    if value is not None and float(value).is_integer():
        return int(value)
    return value


def _kpi(r: Any, keys: dict[int, str]) -> Dict:
    return {
        "indicator": r.indicator,
        "comparator": r.comparator,
        "target": _number(r.target),
        "unit": r.unit,
        "relative_to": r.relative_to,
        "reference": r.reference,
        "text": r.text,
        "target_fiscal_year": r.target_fiscal_year,
        "baseline_fiscal_year": r.baseline_fiscal_year,
        "approximate": r.approximate,
        "derivation": r.derivation,
        "counted_monthly": r.counted_monthly,
        "provenance": _prov(r.source_document_id, r.source_page, r.source_line, r.source_excerpt, keys),
    }


def _event(r: Any, keys: dict[int, str]) -> Dict:
    return {
        "name": r.name,
        "start": r.start_date.isoformat() if r.start_date else None,
        "end": r.end_date.isoformat() if r.end_date else None,
        "venue": r.venue,
        "note": r.note,
        "provenance": _prov(r.source_document_id, r.source_page, r.source_line, r.source_excerpt, keys),
    }


def iter_plan_dicts(conn: Connection, plan_ids: Sequence[int], keys: dict[int, str]) -> Iterator[Dict]:
    """Yield each plan (in the order given) as an interchange dict with projects, components, KPIs, events."""
    for start in range(0, len(plan_ids), BATCH):
        batch = list(plan_ids[start : start + BATCH])
        yield from _plan_batch(conn, batch, keys)


def _plan_batch(conn: Connection, plan_ids: list[int], keys: dict[int, str]) -> Iterator[Dict]:
    p, k, e, pd, dep = (
        m.Project.__table__,
        m.Kpi.__table__,
        m.Event.__table__,
        m.ProjectDepartment.__table__,
        m.Department.__table__,
    )
    plans = {r.id: r for r in conn.execute(select(m.Plan.__table__).where(m.Plan.__table__.c.id.in_(plan_ids)))}
    projects = conn.execute(
        select(p).where(p.c.plan_id.in_(plan_ids)).order_by(p.c.plan_id, p.c.parent_id.is_not(None), p.c.position)
    ).all()
    project_ids = [r.id for r in projects]
    kpis: dict[int, list[Dict]] = defaultdict(list)
    events: dict[int, list[Dict]] = defaultdict(list)
    departments: dict[int, list[str]] = defaultdict(list)
    for chunk in range(0, len(project_ids), 20000):
        ids = project_ids[chunk : chunk + 20000]
        for r in conn.execute(
            select(k).where(k.c.project_id.in_(ids), k.c.role == "target").order_by(k.c.project_id, k.c.position)
        ):
            kpis[r.project_id].append(_kpi(r, keys))
        for r in conn.execute(select(e).where(e.c.project_id.in_(ids)).order_by(e.c.project_id, e.c.position)):
            events[r.project_id].append(_event(r, keys))
        for r in conn.execute(
            select(pd.c.project_id, dep.c.name)
            .join(dep, dep.c.id == pd.c.department_id)
            .where(pd.c.project_id.in_(ids))
            .order_by(pd.c.project_id, pd.c.position)
        ):
            departments[r.project_id].append(r.name)
    top: dict[int, list[Dict]] = defaultdict(list)
    by_id: dict[int, Dict] = {}
    for r in projects:
        prov = _prov(r.source_document_id, r.source_page, r.source_line, r.source_excerpt, keys)
        if r.parent_id is None:
            item: Dict = {
                "code": r.code,
                "name": r.name,
                "title": r.title,
                "budget_thousand_yen": r.budget_thousand_yen,
                "national_subsidy_thousand_yen": r.national_subsidy_thousand_yen,
                "departments": departments.get(r.id, []),
                "challenge": r.challenge,
                "field": r.field,
                "start_fiscal_year": r.start_fiscal_year,
                "year_count": r.year_count,
                "new": r.is_new,
                "relisted": r.relisted,
                "kind": r.kind,
                "summary": r.summary,
                "components": [],
                "kpis": kpis.get(r.id, []),
                "events": events.get(r.id, []),
                "provenance": prov,
            }
            top[r.plan_id].append(item)
        else:
            item = {
                "name": r.name,
                "budget_thousand_yen": r.budget_thousand_yen,
                "departments": departments.get(r.id, []),
                "new": r.is_new,
                "relisted": r.relisted,
                "kpis": kpis.get(r.id, []),
                "events": events.get(r.id, []),
                "summary": r.summary,
                "provenance": prov,
            }
            by_id[r.parent_id]["components"].append(item)
        by_id[r.id] = item
    coops: dict[int, list[Dict]] = defaultdict(list)
    c = m.CooperativeProject.__table__
    for r in conn.execute(select(c).where(c.c.plan_id.in_(plan_ids)).order_by(c.c.plan_id, c.c.position)):
        coops[r.plan_id].append(
            {
                "name": r.name,
                "challenge": r.challenge,
                "field": r.field,
                "member_government": r.member_government,
                "provenance": _prov(r.source_document_id, r.source_page, r.source_line, r.source_excerpt, keys),
            }
        )
    warnings: dict[int, list[Dict]] = defaultdict(list)
    w = m.PlanWarning.__table__
    for r in conn.execute(select(w).where(w.c.plan_id.in_(plan_ids)).order_by(w.c.id)):
        warnings[r.plan_id].append(
            {
                "code": r.code,
                "message": r.message,
                "provenance": _prov(r.source_document_id, r.source_page, r.source_line, r.source_excerpt, keys),
                "details": r.details,
            }
        )
    for pid in plan_ids:
        plan = plans[pid]
        yield {
            "fiscal_year": plan.fiscal_year,
            "issuer": plan.issuer,
            "title": plan.title,
            "total_budget_thousand_yen": plan.total_budget_thousand_yen,
            "national_subsidy_thousand_yen": plan.national_subsidy_thousand_yen,
            "projects": top.get(pid, []),
            "cooperative_projects": coops.get(pid, []),
            "warnings": warnings.get(pid, []),
            "provenance": _prov(plan.source_document_id, plan.source_page, plan.source_line, plan.source_excerpt, keys),
        }


def current_plan_ids(conn: Connection, fiscal_year: int | None = None) -> list[int]:
    """Ids of the current plans, by fiscal year then issuer."""
    t = m.Plan.__table__
    stmt = select(t.c.id).where(t.c.is_current.is_(True)).order_by(t.c.fiscal_year, t.c.issuer, t.c.id)
    if fiscal_year is not None:
        stmt = stmt.where(t.c.fiscal_year == fiscal_year)
    return list(conn.scalars(stmt))
