"""``/api/v1/plans`` and ``/api/v1/projects``: plans, their tables, and projects with every detail."""

from __future__ import annotations

from fastapi import APIRouter, Response

from keikaku.api.deps import (
    ActorDep,
    EngineDep,
    FiscalYearQuery,
    Id,
    IssuerQuery,
    PageQuery,
    PerPageQuery,
    ProjectFiltersDep,
)
from keikaku.api.schemas.plans import PlanListPublic, PlanPagePublic, ProjectListPublic, ProjectPagePublic
from keikaku.api.serialise import json_of
from keikaku.services.plans.project import get_project_page
from keikaku.services.plans.project_list import list_projects
from keikaku.services.plans.read import get_plan_page, list_plans

router = APIRouter(tags=["事業計画"])


@router.get("/plans", response_model=PlanListPublic, summary="事業計画の一覧")
async def plans(
    *,
    engine: EngineDep,
    actor: ActorDep,
    fiscal_year: FiscalYearQuery = None,
    issuer: IssuerQuery = None,
    page: PageQuery = 1,
    per_page: PerPageQuery = 20,
) -> Response:
    """Current plans, newest year first (``issuer`` matches part of the name)."""
    return await json_of(
        PlanListPublic,
        lambda: list_plans(
            viewer=actor, fiscal_year=fiscal_year, issuer=issuer, page=page, per_page=per_page, engine=engine
        ),
        engine,
    )


@router.get("/plans/{plan_id}", response_model=PlanPagePublic, summary="事業計画")
async def plan(
    *,
    plan_id: Id,
    engine: EngineDep,
    actor: ActorDep,
    filters: ProjectFiltersDep,
    page: PageQuery = 1,
    per_page: PerPageQuery = 50,
) -> Response:
    """A plan's project table (filtered, paginated), the sum checks over the whole plan, and its warnings."""
    return await json_of(
        PlanPagePublic,
        lambda: get_plan_page(
            plan_id, viewer=actor, **filters.as_kwargs(), page=page, per_page=per_page, engine=engine
        ),
        engine,
    )


@router.get("/projects", response_model=ProjectListPublic, summary="事業の一覧")
def projects(
    *,
    engine: EngineDep,
    actor: ActorDep,
    filters: ProjectFiltersDep,
    fiscal_year: FiscalYearQuery = None,
    issuer: IssuerQuery = None,
    page: PageQuery = 1,
    per_page: PerPageQuery = 20,
) -> ProjectListPublic:
    """Projects of an issuer's plans (default: the union's), filtered by year, challenge, department, status."""
    result = list_projects(
        viewer=actor,
        issuer=issuer,
        fiscal_year=fiscal_year,
        **filters.as_kwargs(),
        page=page,
        per_page=per_page,
        engine=engine,
    )
    return ProjectListPublic.model_validate(result)


@router.get("/projects/{project_id}", response_model=ProjectPagePublic, summary="事業")
async def project(project_id: Id, engine: EngineDep, actor: ActorDep) -> Response:
    """A project or component: every field, components, events, KPIs with history and status, provenance."""
    return await json_of(ProjectPagePublic, lambda: get_project_page(project_id, viewer=actor, engine=engine), engine)
