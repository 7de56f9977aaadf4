"""Comparing two fiscal years' plans: projects continued, added and dropped, budgets and KPI targets."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import ColumnElement, Engine, select
from sqlalchemy.orm import Session

from keikaku.evaluation.yoy import Comparison, KpiTarget, PlanItem, compare_plans
from keikaku.normalize.text import normalize_text
from keikaku.services.core.actors import Actor
from keikaku.services.core.db import ensure_schema
from keikaku.services.core.errors import NotFoundError, ValidationError
from keikaku.services.plans.kpis import current_plans, display_code, plan_kpi_refs
from keikaku.services.plans.rows import PlanRow, PlanTree, load_plan_tree, plan_row
from keikaku.services.publication.visibility import visibility_for
from keikaku.storage import models as m
from keikaku.storage.uow import read_session


def earlier_fiscal_year(session: Session, fiscal_year: int, where: Sequence[ColumnElement[bool]] = ()) -> int | None:
    """The latest fiscal year before this one that has a current plan (None if there is none; ``where`` chooses
    the revisions, as in :func:`~keikaku.services.plans.kpis.current_plans`)."""
    chosen = list(where) if where else [m.Plan.is_current.is_(True)]
    years = session.scalars(select(m.Plan.fiscal_year).where(m.Plan.fiscal_year < fiscal_year, *chosen)).all()
    return max(years) if years else None


def plan_items(session: Session, plans: Sequence[m.Plan | PlanRow], tree: PlanTree | None = None) -> list[PlanItem]:
    """The projects and components of the plans (administrative cost left out), with their KPI targets."""
    tree = tree or load_plan_tree(session, plans)
    refs = plan_kpi_refs(session, plans, tree=tree)
    targets: dict[int, list[KpiTarget]] = {}
    for ref in refs:
        if ref.spec.is_measure or ref.project_id is None:
            continue
        comparator = ref.spec.comparator.value if ref.spec.comparator else None
        targets.setdefault(ref.project_id, []).append(
            KpiTarget(
                indicator=normalize_text(ref.indicator),
                comparator=comparator,
                target=ref.spec.target if ref.spec.target is not None else ref.spec.reference,
                unit=ref.unit,
                text=ref.text,
                kpi_id=ref.id,
                target_text=ref.target_text,
            )
        )
    skipped = {p.id for p in tree.projects if p.kind == "administrative"}
    return [
        PlanItem(
            key=p.id,
            name=normalize_text(p.name),
            title=normalize_text(p.title) if p.title else None,
            budget_thousand_yen=p.budget_thousand_yen,
            parent_key=p.parent_id,
            code=display_code(p.code),
            field=p.field,
            start_fiscal_year=p.start_fiscal_year,
            is_new=p.is_new,
            challenge=p.challenge,
            kpis=tuple(targets.get(p.id, ())),
        )
        for p in tree.projects
        if p.id not in skipped and p.parent_id not in skipped
    ]


def _total(plans: Sequence[m.Plan | PlanRow]) -> int | None:
    totals = [p.total_budget_thousand_yen for p in plans]
    return None if any(t is None for t in totals) else sum(t or 0 for t in totals)


def compare_in_session(
    session: Session,
    before: int,
    after: int,
    *,
    issuer: str | None = None,
    required: bool = True,
    where: Sequence[ColumnElement[bool]] = (),
) -> Comparison | None:
    """Compare two years in the caller's session; with ``required`` False a missing year gives None.

    ``where`` chooses the plans compared (a viewer's current filter: the revision each viewer reads).
    """
    try:
        before_plans = current_plans(session, before, issuer, where)
        after_plans = current_plans(session, after, issuer, where)
    except NotFoundError:
        if required:
            raise
        return None
    return compare_plans(
        before,
        plan_items(session, before_plans),
        after,
        plan_items(session, after_plans),
        before_total=_total(before_plans),
        after_total=_total(after_plans),
    )


def compare_by_issuer(
    session: Session,
    fiscal_year: int,
    plans: Sequence[PlanRow],
    tree: PlanTree,
    where: Sequence[ColumnElement[bool]] = (),
) -> dict[str, Comparison]:
    """Each plan's comparison with the same issuer's plan of the latest earlier year that has plans
    (``where``: conditions on the earlier plans, a viewer's plan filter)."""
    earlier = earlier_fiscal_year(session, fiscal_year, where)
    if earlier is None:
        return {}
    before_plans = [
        plan_row(p)
        for p in session.scalars(
            select(m.Plan).where(
                m.Plan.fiscal_year == earlier, *(list(where) if where else [m.Plan.is_current.is_(True)])
            )
        )
    ]
    wanted = {p.issuer for p in plans}
    before_plans = [p for p in before_plans if p.issuer in wanted]
    if not before_plans:
        return {}
    before_items = _items_by_plan(
        plan_items(session, before_plans), before_plans, load_plan_tree(session, before_plans)
    )
    after_items = _items_by_plan(plan_items(session, plans, tree), plans, tree)
    comparisons: dict[str, Comparison] = {}
    for issuer in wanted:
        befores = [p for p in before_plans if p.issuer == issuer]
        afters = [p for p in plans if p.issuer == issuer]
        if not befores:
            continue
        comparisons[issuer] = compare_plans(
            earlier,
            [i for p in befores for i in before_items.get(p.id, [])],
            fiscal_year,
            [i for p in afters for i in after_items.get(p.id, [])],
            before_total=_total(befores),
            after_total=_total(afters),
        )
    return comparisons


def _items_by_plan(items: Sequence[PlanItem], plans: Sequence[PlanRow], tree: PlanTree) -> dict[int, list[PlanItem]]:
    plan_of = {p.id: p.plan_id for p in tree.projects}
    grouped: dict[int, list[PlanItem]] = {}
    for item in items:
        grouped.setdefault(plan_of[item.key], []).append(item)
    return grouped


def compare_fiscal_years(
    before: int, after: int, *, viewer: Actor, issuer: str | None = None, engine: Engine | None = None
) -> Comparison:
    """Compare the plans of two fiscal years (any two loaded years, taken in calendar order) that ``viewer``
    may see: a year whose plans are all hidden from ``viewer`` is a year without plans."""
    if before == after:
        raise ValidationError("比較する 2 つの年度が同じです", code="same_fiscal_year")
    before, after = min(before, after), max(before, after)
    eng = ensure_schema(engine)
    where = visibility_for(viewer).current_filter()
    with read_session(eng) as session:
        comparison = compare_in_session(session, before, after, issuer=issuer, where=where)
    if comparison is None:  # pragma: no cover - required=True raises instead
        raise NotFoundError(f"{before}年度と{after}年度を比較できません")
    return comparison
