"""Editing through the API: a project's facts and its KPIs' targets, cooperative projects, council comments,
the audit trail, publication and fiscal-year locks.

Who may do what is the services' decision: a refusal is 403 with the service's message.  Edits carry the
state token the client was shown (``GET .../edit``, or the ``state`` of a listed or edited object); when the
object changed meanwhile nothing is written and the answer is 409 with the current token in
``details.state``.  Invalid input is 422 with ``details.fields``.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response, status

from keikaku.api.deps import (
    MAX_YEAR,
    MIN_YEAR,
    ActorDep,
    EngineDep,
    FiscalYearQuery,
    Id,
    PageQuery,
    PerPageQuery,
)
from keikaku.api.schemas.common import ErrorPublic
from keikaku.api.schemas.edits import (
    AuditEntryPublic,
    AuditPagePublic,
    CommentCreate,
    CommentListPublic,
    CommentPublic,
    CooperativeProjectCreate,
    CooperativeProjectListPublic,
    CooperativeProjectPublic,
    CooperativeProjectUpdate,
    EditResultPublic,
    EvaluationCoveragePublic,
    KpiTargetStatePublic,
    KpiTargetUpdate,
    PeriodLockCreate,
    PeriodLockPublic,
    PeriodReopenCreate,
    ProjectEditPublic,
    ProjectUpdate,
    PublicationCreate,
    PublicationStatePublic,
)
from keikaku.services.actuals.periods import lock_period, reopen_period
from keikaku.services.core.actors import Permission, require
from keikaku.services.evaluations.publishing import evaluation_coverage, set_publication
from keikaku.services.governance.audit import list_audit
from keikaku.services.plans.cooperative import (
    CooperativeInput,
    add_cooperative_project,
    list_cooperative_projects,
    remove_cooperative_project,
    update_cooperative_project,
)
from keikaku.services.plans.edit import ProjectChanges, kpi_state, project_state, update_kpi_target, update_project
from keikaku.services.plans.project import get_project_page
from keikaku.services.publication import state as publication

router = APIRouter(tags=["編集・管理"])

FORBIDDEN: dict[int | str, dict[str, object]] = {
    403: {"model": ErrorPublic, "description": "権限がない、またはフォームの確認用トークン（CSRF）がない"}
}
STALE: dict[int | str, dict[str, object]] = {
    409: {
        "model": ErrorPublic,
        "description": "表示後にほかの人が変更した（state が古い。details.state に現在のトークン）、または年度が確定済み",
    }
}
INVALID: dict[int | str, dict[str, object]] = {
    422: {"model": ErrorPublic, "description": "入力値が不正（details.fields に項目ごとの理由）、理由がない"}
}
EDIT_RESPONSES = {**FORBIDDEN, **STALE, **INVALID}
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


# -- comments --------------------------------------------------------------------------------------------


@router.get(
    "/plans/{plan_id}/comments",
    response_model=CommentListPublic,
    summary="評価へのコメント",
    responses=FORBIDDEN,
)
def comments(
    plan_id: Id,
    engine: EngineDep,
    actor: ActorDep,
    fiscal_year: FiscalYearQuery = None,
    project_id: Annotated[int | None, Query(ge=1, le=2**31 - 1, description="対象の事業")] = None,
) -> CommentListPublic:
    """Council members' comments on a plan's evaluations, oldest first: never for the public (403)."""
    rows = publication.list_comments(actor, plan_id, fiscal_year, project_id=project_id, engine=engine)
    return CommentListPublic(
        plan_id=plan_id, fiscal_year=fiscal_year, items=[CommentPublic.model_validate(row) for row in rows]
    )


@router.post(
    "/plans/{plan_id}/comments",
    response_model=CommentPublic,
    status_code=status.HTTP_201_CREATED,
    summary="評価にコメントする",
    responses={**FORBIDDEN, **INVALID},
)
def add_comment(plan_id: Id, body: CommentCreate, engine: EngineDep, actor: ActorDep) -> CommentPublic:
    """Comment on the evaluation of a plan's year, or of one of its projects (council members, administrators)."""
    row = publication.add_comment(
        actor, plan_id, body.fiscal_year, body.body, project_id=body.project_id, engine=engine
    )
    return CommentPublic.model_validate(row)


# -- the audit trail -------------------------------------------------------------------------------------


@router.get("/audit", response_model=AuditPagePublic, summary="監査記録", responses=FORBIDDEN)
def audit(
    *,
    engine: EngineDep,
    actor: ActorDep,
    object_type: Annotated[str | None, Query(max_length=50, description="対象の種類（project, kpi …）")] = None,
    object_id: Annotated[str | None, Query(max_length=200, description="対象ID")] = None,
    actor_name: Annotated[str | None, Query(alias="actor", max_length=200, description="実行者")] = None,
    action: Annotated[str | None, Query(max_length=100, description="操作（project.update …）")] = None,
    page: PageQuery = 1,
    per_page: PerPageQuery = 50,
) -> AuditPagePublic:
    """The audit trail, newest first, filtered by object, actor or action (administrators and council members)."""
    result = list_audit(
        actor,
        object_type=object_type,
        object_id=object_id,
        actor=actor_name,
        action=action,
        limit=per_page,
        offset=(page - 1) * per_page,
        engine=engine,
    )
    return AuditPagePublic(
        total=result.total,
        page=page,
        per_page=per_page,
        pages=max(1, -(-result.total // per_page)),
        items=[AuditEntryPublic.model_validate(entry) for entry in result.entries],
    )


# -- publication and fiscal-year locks -------------------------------------------------------------------


@router.post(
    "/plans/{plan_id}/publication",
    response_model=PublicationStatePublic,
    summary="計画・評価を公開する、公開を取り下げる",
    responses={**FORBIDDEN, **INVALID},
)
def change_publication(
    plan_id: Id, body: PublicationCreate, engine: EngineDep, actor: ActorDep
) -> PublicationStatePublic:
    """Publish a plan or its evaluation of a fiscal year, or withdraw it with a reason (administrators)."""
    result = set_publication(
        actor,
        body.target,
        plan_id,
        body.state,
        fiscal_year=body.fiscal_year,
        reason=body.reason,
        confirm_incomplete=body.confirm_incomplete,
        engine=engine,
    )
    return PublicationStatePublic.model_validate(result)


@router.get(
    "/plans/{plan_id}/evaluation/coverage",
    response_model=EvaluationCoveragePublic,
    summary="評価の測定状況（公表の前に確認する）",
    responses=FORBIDDEN,
)
def coverage(
    plan_id: Id, engine: EngineDep, actor: ActorDep, fiscal_year: FiscalYearQuery = None
) -> EvaluationCoveragePublic:
    """How many of the evaluation's KPIs are measured, and whether the year is locked (administrators).
    Publishing while it is incomplete needs a reason and ``confirm_incomplete``."""
    result = evaluation_coverage(plan_id, fiscal_year, actor=actor, engine=engine)
    return EvaluationCoveragePublic(
        plan_id=result.plan_id,
        fiscal_year=result.fiscal_year,
        measured=result.measured,
        total=result.total,
        complete=result.complete,
        locked=result.locked,
        text=result.text,
    )


Year = Annotated[int, Path(ge=MIN_YEAR, le=MAX_YEAR, description="年度（西暦）")]


@router.post(
    "/periods/{fiscal_year}/lock",
    response_model=PeriodLockPublic,
    status_code=status.HTTP_201_CREATED,
    summary="年度を確定する",
    responses={**FORBIDDEN, **STALE, **INVALID},
)
def lock(fiscal_year: Year, body: PeriodLockCreate, engine: EngineDep, actor: ActorDep) -> PeriodLockPublic:
    """Lock a fiscal year (or one plan's year): its actuals, judgements and targets cannot change (administrators).
    Already locked: 409."""
    result = lock_period(actor, fiscal_year, plan_id=body.plan_id, reason=body.reason, engine=engine)
    return PeriodLockPublic.model_validate(result)


@router.post(
    "/periods/{fiscal_year}/reopen",
    response_model=PeriodLockPublic,
    summary="確定済みの年度を再開する",
    responses={**FORBIDDEN, **STALE, **INVALID},
)
def reopen(fiscal_year: Year, body: PeriodReopenCreate, engine: EngineDep, actor: ActorDep) -> PeriodLockPublic:
    """Reopen a locked fiscal year (or one plan's year) with a reason (administrators).  Not locked: 409."""
    result = reopen_period(actor, fiscal_year, body.reason, plan_id=body.plan_id, engine=engine)
    return PeriodLockPublic.model_validate(result)
