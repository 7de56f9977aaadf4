"""Running the year through the API: council comments, the audit trail, publication, and fiscal-year locks.

Who may do what is the services' decision: a refusal is 403 with the service's message; invalid input is 422
with ``details.fields``.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, status

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
from keikaku.api.responses import FORBIDDEN, INVALID, STALE
from keikaku.api.schemas.edits import (
    AuditEntryPublic,
    AuditPagePublic,
    CommentCreate,
    CommentListPublic,
    CommentPublic,
    EvaluationCoveragePublic,
    PeriodLockCreate,
    PeriodLockPublic,
    PeriodReopenCreate,
    PublicationCreate,
    PublicationStatePublic,
)
from keikaku.services.actuals.periods import lock_period, reopen_period
from keikaku.services.core.paging import page_count
from keikaku.services.evaluations.publishing import evaluation_coverage, set_publication
from keikaku.services.governance.audit import list_audit
from keikaku.services.publication import state as publication

router = APIRouter(tags=["編集・管理"])


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
        pages=page_count(result.total, per_page),
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
