"""The yearly cycle as JSON: calls for actuals (``/cycle/calls``), the status board (the twin of
``/admin/cycle/{fiscal_year}``), a department's checklist (the twin of ``/cycle/{fiscal_year}/checklist``) and
its submission.  Who may do what is the services' decision."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, status

from keikaku.api.deps import MAX_YEAR, MIN_YEAR, ActorDep, EngineDep, PageQuery, PerPageQuery
from keikaku.api.schemas.common import ErrorPublic
from keikaku.api.schemas.cycle import (
    CallCreate,
    CallListPublic,
    CallPublic,
    ChecklistItemPublic,
    ChecklistPublic,
    StatusBoardPublic,
    SubmissionCreate,
    SubmissionPublic,
)
from keikaku.services.cycle.board import status_board
from keikaku.services.cycle.calls import list_calls, open_call
from keikaku.services.cycle.checklist import department_checklist
from keikaku.services.cycle.submissions import submit_part

router = APIRouter(tags=["実績照会"])

Year = Annotated[int, Path(ge=MIN_YEAR, le=MAX_YEAR, description="年度（西暦）")]
Department = Annotated[str, Query(min_length=1, max_length=200, description="担当課")]
RESPONSES: dict[int | str, dict[str, object]] = {
    403: {"model": ErrorPublic, "description": "権限がない"},
    404: {"model": ErrorPublic, "description": "その年度の実績照会がない、またはその担当課に KPI がない"},
}
WRITE_RESPONSES: dict[int | str, dict[str, object]] = {
    **RESPONSES,
    409: {"model": ErrorPublic, "description": "既に開始・提出済み、または年度が確定済み"},
    422: {"model": ErrorPublic, "description": "入力値が不正、または未測定の KPI があり確認されていない"},
}


@router.get("/cycle/calls", response_model=CallListPublic, summary="実績照会の一覧", responses=RESPONSES)
def calls(engine: EngineDep, actor: ActorDep) -> CallListPublic:
    """Every call for actuals, newest year first (staff)."""
    return CallListPublic(items=[CallPublic.model_validate(c) for c in list_calls(actor=actor, engine=engine)])


@router.post(
    "/cycle/calls",
    response_model=CallPublic,
    status_code=status.HTTP_201_CREATED,
    summary="実績照会を開始する",
    responses=WRITE_RESPONSES,
)
def create_call(body: CallCreate, engine: EngineDep, actor: ActorDep) -> CallPublic:
    """Open the call for actuals of a fiscal year with its due date and reminder days (administrators)."""
    call = open_call(
        actor,
        body.fiscal_year,
        body.due_date,
        remind_before_days=body.remind_before_days,
        remind_after_days=body.remind_after_days,
        note=body.note,
        engine=engine,
    )
    return CallPublic.model_validate(call)


@router.get("/cycle/{fiscal_year}/board", response_model=StatusBoardPublic, summary="提出状況", responses=RESPONSES)
def board(fiscal_year: Year, engine: EngineDep, actor: ActorDep, page: PageQuery = 1) -> StatusBoardPublic:
    """Every department: submitted, in progress or overdue, and how many of its KPIs are measured
    (administrators).  The counts cover every department; the rows come 100 departments a page."""
    return StatusBoardPublic.model_validate(status_board(fiscal_year, actor=actor, engine=engine, page=page))


@router.get(
    "/cycle/{fiscal_year}/checklist",
    response_model=ChecklistPublic,
    summary="担当課のチェックリスト",
    responses=RESPONSES,
)
def checklist(
    *,
    fiscal_year: Year,
    department: Department,
    engine: EngineDep,
    actor: ActorDep,
    only_unmeasured: bool = False,
    page: PageQuery = 1,
    per_page: PerPageQuery = 50,
) -> ChecklistPublic:
    """A department's KPIs to fill, measured or not, with its progress and submission (its editors and
    administrators)."""
    result = department_checklist(
        fiscal_year,
        department,
        actor=actor,
        only_unmeasured=only_unmeasured,
        page=page,
        per_page=per_page,
        engine=engine,
    )
    return ChecklistPublic(
        call=CallPublic.model_validate(result.call),
        department=result.department,
        measured=result.progress.measured,
        total=result.progress.total,
        state=result.state,
        submission=SubmissionPublic.model_validate(result.submission) if result.submission else None,
        items=[ChecklistItemPublic.model_validate(i) for i in result.items.items],
        items_total=result.items.total,
        page=result.items.page,
        per_page=result.items.per_page,
        only_unmeasured=result.only_unmeasured,
    )


@router.post(
    "/cycle/{fiscal_year}/submissions",
    response_model=SubmissionPublic,
    status_code=status.HTTP_201_CREATED,
    summary="担当課の実績を提出する",
    responses=WRITE_RESPONSES,
)
def submit(fiscal_year: Year, body: SubmissionCreate, engine: EngineDep, actor: ActorDep) -> SubmissionPublic:
    """Mark a department's part 提出 (its editors and administrators); with KPIs unmeasured,
    ``confirm_incomplete`` must be true (else 422 ``submission_incomplete``)."""
    result = submit_part(
        fiscal_year, body.department, actor=actor, confirm_incomplete=body.confirm_incomplete, engine=engine
    )
    return SubmissionPublic.model_validate(result)
