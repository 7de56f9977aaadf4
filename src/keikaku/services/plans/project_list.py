"""Projects across an issuer's current plans, filtered by year, challenge, department and status."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from keikaku.normalize.text import normalize_text
from keikaku.services.core.actors import Actor
from keikaku.services.core.db import checked_engine
from keikaku.services.core.home_issuer import cached_home_issuer
from keikaku.services.core.paging import Paged, check_paging, paginate
from keikaku.services.evaluations.status_cache import PlanStatuses, plan_statuses
from keikaku.services.plans.kpis import display_code
from keikaku.services.plans.read import check_status
from keikaku.services.plans.rows import load_plan_tree
from keikaku.services.publication.visibility import Visibility, visibility_for
from keikaku.storage import models as m
from keikaku.storage.uow import read_session


@dataclass(frozen=True)
class ProjectListItem:
    """A project in a list across an issuer's plans."""

    id: int
    plan_id: int
    fiscal_year: int
    issuer: str
    code: str
    name: str
    challenge: int | None
    departments: list[str]
    budget_thousand_yen: int | None
    new: bool
    status: str | None
    evaluation_visible: bool = True


def list_projects(
    *,
    viewer: Actor,
    issuer: str | None = None,
    fiscal_year: int | None = None,
    challenge: int | None = None,
    department: str | None = None,
    status: str | None = None,
    page: int = 1,
    per_page: int = 20,
    engine: Engine | None = None,
) -> Paged[ProjectListItem]:
    """Projects of one issuer's current plans ``viewer`` may see (default: the home issuer), newest year first,
    filtered.

    Statuses are given when a fiscal year or a status filter is given (each plan's evaluation is needed), and
    only for plans whose evaluation is published to ``viewer`` (the others' items say ``evaluation_visible``
    False, and match no status filter).
    """
    page, per_page = check_paging(page, per_page)
    wanted_status = check_status(status)
    eng = checked_engine(engine)
    vis = visibility_for(viewer)
    with read_session(eng) as session:
        who = issuer or cached_home_issuer(session)
        plans = _issuer_plans(session, who, fiscal_year, vis)
        items: list[ProjectListItem] = []
        dept = normalize_text(department).strip() if department else None
        for plan in plans:
            shown = vis.evaluation_visible(session, plan.id, plan.fiscal_year)
            # Statuses cost an evaluation per plan: computed when filtered by them or for one year's plans.
            judged = (wanted_status is not None or fiscal_year is not None) and shown
            statuses = plan_statuses(session, plan.id, plan.fiscal_year, plan.issuer) if judged else PlanStatuses(None)
            tree = load_plan_tree(session, [plan])
            for p in tree.projects:
                if p.parent_id is not None or (challenge is not None and p.challenge != challenge):
                    continue
                if dept and dept not in p.department_names:
                    continue
                line_status = statuses.project_status(p.id)
                if wanted_status and line_status != wanted_status:
                    continue
                items.append(
                    ProjectListItem(
                        p.id,
                        plan.id,
                        plan.fiscal_year,
                        plan.issuer,
                        display_code(p.code),
                        p.name,
                        p.challenge,
                        list(p.department_names),
                        p.budget_thousand_yen,
                        p.is_new,
                        line_status,
                        shown,
                    )
                )
        return paginate(items, page, per_page)


def _issuer_plans(session: Session, issuer: str | None, fiscal_year: int | None, vis: Visibility) -> list[m.Plan]:
    if issuer is None:
        return []
    stmt = select(m.Plan).where(m.Plan.issuer == issuer, *vis.current_filter())
    if fiscal_year is not None:
        stmt = stmt.where(m.Plan.fiscal_year == fiscal_year)
    return list(session.scalars(stmt.order_by(m.Plan.fiscal_year.desc(), m.Plan.id)))
