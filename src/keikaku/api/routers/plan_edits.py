"""Editing plans through the API: a project's facts, its KPIs' targets, and cooperative projects.

Who may do what is the services' decision: a refusal is 403 with the service's message.  Edits carry the
state token the client was shown (``GET .../edit``, or the ``state`` of a listed or edited object); when the
object changed meanwhile nothing is written and the answer is 409 with the current token in
``details.state``.  Invalid input is 422 with ``details.fields``.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from keikaku.api.deps import (
    ActorDep,
    EngineDep,
    Id,
)
from keikaku.api.responses import EDIT_RESPONSES, FORBIDDEN, INVALID
from keikaku.api.schemas.edits import (
    CooperativeProjectCreate,
    CooperativeProjectListPublic,
    CooperativeProjectPublic,
    CooperativeProjectUpdate,
    EditResultPublic,
    KpiTargetStatePublic,
    KpiTargetUpdate,
    ProjectEditPublic,
    ProjectUpdate,
)
from keikaku.services.core.actors import Permission, require
from keikaku.services.plans.cooperative import (
    CooperativeInput,
    add_cooperative_project,
    list_cooperative_projects,
    remove_cooperative_project,
    update_cooperative_project,
)
from keikaku.services.plans.edit import ProjectChanges, kpi_state, project_state, update_kpi_target, update_project
from keikaku.services.plans.project import get_project_page

router = APIRouter(tags=["編集・管理"])

PROJECT_BODY_FIELDS = (
    "name",
    "title",
    "summary",
    "field",
    "budget_thousand_yen",
    "national_subsidy_thousand_yen",
)


# -- projects and KPI targets ----------------------------------------------------------------------------


@router.get(
    "/projects/{project_id}/edit",
    response_model=ProjectEditPublic,
    summary="事業の編集用データ（状態トークン付き）",
    responses=FORBIDDEN,
)
def project_edit(project_id: Id, engine: EngineDep, actor: ActorDep) -> ProjectEditPublic:
    """A project's editable facts and its KPIs' targets with the state tokens to send back with an edit
    (for those who may edit the project)."""
    state = project_state(project_id, engine=engine)  # before the values: a change in between gives a 409
    page = get_project_page(project_id, viewer=actor, engine=engine)
    require(actor, Permission.EDIT_PROJECT, departments=page.departments)
    kpis = [
        KpiTargetStatePublic(
            id=k.id,
            indicator=k.indicator,
            text=k.text or f"{k.indicator}:{k.target_text}",
            target_text=k.target_text,
            state=kpi_state(k.id, engine=engine),
        )
        for k in page.kpis
        if not k.is_measure
    ]
    return ProjectEditPublic(
        id=page.id,
        plan_id=page.plan_id,
        name=page.name,
        title=page.title,
        summary=page.summary,
        field=page.field,
        budget_thousand_yen=page.budget_thousand_yen,
        national_subsidy_thousand_yen=page.national_subsidy_thousand_yen,
        departments=page.departments,
        state=state,
        kpis=kpis,
    )


@router.patch(
    "/projects/{project_id}",
    response_model=EditResultPublic,
    summary="事業の内容を変更する",
    responses=EDIT_RESPONSES,
)
def patch_project(project_id: Id, body: ProjectUpdate, engine: EngineDep, actor: ActorDep) -> EditResultPublic:
    """Change the fields sent (null clears one) with a reason; answers what changed and the new state token.

    A department editor may change their own departments' projects, an administrator any."""
    changes = ProjectChanges(
        **{name: getattr(body, name) for name in PROJECT_BODY_FIELDS if name in body.model_fields_set}
    )
    result = update_project(
        project_id, changes, actor=actor, reason=body.reason, expected_state=body.state, engine=engine
    )
    return EditResultPublic.model_validate(result)


@router.put(
    "/kpis/{kpi_id}/target",
    response_model=EditResultPublic,
    summary="KPI の目標を変更する",
    responses=EDIT_RESPONSES,
)
def put_kpi_target(kpi_id: Id, body: KpiTargetUpdate, engine: EngineDep, actor: ActorDep) -> EditResultPublic:
    """Set a KPI's target as the plan writes it; a text that gives no target is 422, a locked year 409."""
    result = update_kpi_target(
        kpi_id, body.text, actor=actor, reason=body.reason, expected_state=body.state, engine=engine
    )
    return EditResultPublic.model_validate(result)


# -- cooperative projects --------------------------------------------------------------------------------


@router.get(
    "/plans/{plan_id}/cooperative-projects",
    response_model=CooperativeProjectListPublic,
    summary="計画の協調事業",
)
def cooperative_projects(plan_id: Id, engine: EngineDep, actor: ActorDep) -> CooperativeProjectListPublic:
    """A plan's cooperative projects (協調事業) in the plan's order, each with its state token."""
    rows = list_cooperative_projects(plan_id, viewer=actor, engine=engine)
    return CooperativeProjectListPublic(
        plan_id=plan_id, items=[CooperativeProjectPublic.model_validate(row) for row in rows]
    )


@router.post(
    "/plans/{plan_id}/cooperative-projects",
    response_model=CooperativeProjectPublic,
    status_code=status.HTTP_201_CREATED,
    summary="協調事業を追加する",
    responses={**FORBIDDEN, **INVALID},
)
def add_cooperative(
    plan_id: Id, body: CooperativeProjectCreate, engine: EngineDep, actor: ActorDep
) -> CooperativeProjectPublic:
    """Add a cooperative project (a member-government contributor for their own government only)."""
    data = CooperativeInput(body.name, body.member_government, challenge=body.challenge, field=body.field)
    row = add_cooperative_project(plan_id, data, actor=actor, reason=body.reason, engine=engine)
    return CooperativeProjectPublic.model_validate(row)


@router.patch(
    "/cooperative-projects/{cooperative_id}",
    response_model=CooperativeProjectPublic,
    summary="協調事業を変更する",
    responses=EDIT_RESPONSES,
)
def patch_cooperative(
    cooperative_id: Id, body: CooperativeProjectUpdate, engine: EngineDep, actor: ActorDep
) -> CooperativeProjectPublic:
    """Change a cooperative project (every field is sent); a contributor may neither change another
    government's nor hand theirs over."""
    data = CooperativeInput(body.name, body.member_government, challenge=body.challenge, field=body.field)
    row = update_cooperative_project(
        cooperative_id, data, actor=actor, reason=body.reason, expected_state=body.state, engine=engine
    )
    return CooperativeProjectPublic.model_validate(row)


@router.delete(
    "/cooperative-projects/{cooperative_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    summary="協調事業を削除する",
    responses=EDIT_RESPONSES,
)
def delete_cooperative(
    cooperative_id: Id,
    engine: EngineDep,
    actor: ActorDep,
    reason: Annotated[str, Query(max_length=1000, description="削除の理由（必須）")],
    state: Annotated[str, Query(min_length=1, max_length=64, description="楽観的ロック: 表示したときの状態トークン")],
) -> Response:
    """Remove a cooperative project; its last state stays in the audit trail with the reason."""
    remove_cooperative_project(cooperative_id, actor=actor, reason=reason, expected_state=state, engine=engine)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
