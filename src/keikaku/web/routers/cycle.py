"""The yearly cycle's pages: the calls for actuals and the form to open one (``/admin/cycle``), a call's
status board with its settings, the withdrawal of submissions, the 「今すぐ督促を送る」 button and the way on to
確定 and 公表 (``/admin/cycle/{fiscal_year}``), and a department's checklist with its 提出 button
(``/cycle/{fiscal_year}/checklist``).

How the forms behave (422 with the input kept, 409 with the message, 303 after saving) is said once, in
:mod:`keikaku.web.forms`; who may do what is the services' decision.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import Engine

from keikaku.api.deps import MAX_YEAR, MIN_YEAR, ActorDep, EngineDep, PageQuery
from keikaku.normalize.dates import parse_date
from keikaku.normalize.errors import NormalizeError
from keikaku.services.actuals.periods import lock_in_force, lock_notice
from keikaku.services.core.actors import Actor, require_admin
from keikaku.services.core.errors import ConflictError, NotFoundError, ValidationError
from keikaku.services.cycle.board import status_board
from keikaku.services.cycle.calls import (
    DEFAULT_AFTER,
    DEFAULT_BEFORE,
    change_call,
    get_call,
    list_calls,
    open_call,
)
from keikaku.services.cycle.checklist import department_checklist
from keikaku.services.cycle.reminders import ReminderRun, send_due_reminders
from keikaku.services.cycle.submissions import submit_part, withdraw_submission
from keikaku.services.plans.read import list_plans
from keikaku.web.forms import Errors, Field_, FieldError, check_texts, service_errors
from keikaku.web.routers.form_posts import errors_page

router = APIRouter(include_in_schema=False)

Year = Annotated[int, Path(ge=MIN_YEAR, le=MAX_YEAR)]
YearField = Annotated[int, Form(ge=MIN_YEAR, le=MAX_YEAR)]
Days = Annotated[str, Form(max_length=3)]
DepartmentField = Annotated[str, Form(min_length=1, max_length=200)]
DepartmentQuery = Annotated[str | None, Query(max_length=200)]


def _day(raw: str, key: str, errors: Errors) -> dt.date | None:
    """A date as typed (ISO, 和暦, 2027年5月31日 …), or a message beside the field."""
    try:
        return parse_date(raw).date if raw.strip() else None
    except NormalizeError as exc:
        errors[key] = FieldError(exc.message_ja)
        return None


def _days(raw: str, key: str, errors: Errors) -> int | None:
    text = raw.strip()
    if not text:
        return None
    if not text.isdigit():
        errors[key] = FieldError("日数は 0 以上の整数で入力してください")
        return None
    return int(text)


# -- the calls ----------------------------------------------------------------------------------------------


def _calls_page(
    request: Request, actor: Actor, engine: Engine | None, *, typed: Mapping[str, str] | None = None, **extra: Any
) -> HTMLResponse:
    require_admin(actor, "実績照会の管理画面")
    calls = list_calls(actor=actor, engine=engine)
    opened = {c.fiscal_year for c in calls}
    years = sorted({p.fiscal_year for p in list_plans(per_page=100, viewer=actor, engine=engine).items} - opened)
    defaults = {"remind_before_days": str(DEFAULT_BEFORE), "remind_after_days": str(DEFAULT_AFTER)}
    context = {"calls": calls, "years": years, "typed": {**defaults, **(typed or {})}}
    return errors_page(request, actor, "cycle_calls.html", context, json_url="/api/v1/cycle/calls", **extra)


@router.get("/admin/cycle", response_class=HTMLResponse)
def calls_page(request: Request, engine: EngineDep, actor: ActorDep) -> HTMLResponse:
    """Every call for actuals with its due date, and the form to open one (the services decide who may)."""
    return _calls_page(request, actor, engine)


@router.post("/admin/cycle", response_class=HTMLResponse)
def open_call_form(
    *,
    request: Request,
    engine: EngineDep,
    actor: ActorDep,
    fiscal_year: YearField,
    due_date: Field_ = "",
    remind_before_days: Days = "",
    remind_after_days: Days = "",
    note: Field_ = "",
) -> Response:
    """Open the call for actuals of a fiscal year (administrators)."""
    typed = {
        "fiscal_year": str(fiscal_year),
        "due_date": due_date,
        "remind_before_days": remind_before_days,
        "remind_after_days": remind_after_days,
        "note": note,
    }
    errors = check_texts(request, {"due_date": due_date, "note": note}, "call-")
    due = _day(due_date, "call-due_date", errors)
    if due is None and "call-due_date" not in errors:
        errors["call-due_date"] = FieldError("提出期限を入力してください")
    before = _days(remind_before_days, "call-remind_before_days", errors)
    after = _days(remind_after_days, "call-remind_after_days", errors)
    if errors or due is None:
        return _calls_page(request, actor, engine, typed=typed, errors=errors, status=422)
    try:
        open_call(
            actor,
            fiscal_year,
            due,
            remind_before_days=DEFAULT_BEFORE if before is None else before,
            remind_after_days=DEFAULT_AFTER if after is None else after,
            note=note or None,
            engine=engine,
        )
    except ValidationError as exc:
        errors = service_errors(exc, "call-")
        return _calls_page(request, actor, engine, typed=typed, errors=errors, message=exc.message, status=422)
    except (ConflictError, NotFoundError) as exc:
        return _calls_page(request, actor, engine, typed=typed, message=exc.message, status=exc.http_status)
    return RedirectResponse(f"/admin/cycle/{fiscal_year}?done=opened", status_code=303)


# -- the status board ---------------------------------------------------------------------------------------


def _board_page(
    request: Request,
    actor: Actor,
    engine: Engine | None,
    fiscal_year: int,
    *,
    typed: Mapping[str, str] | None = None,
    reminded: ReminderRun | None = None,
    page: int = 1,
    **extra: Any,
) -> HTMLResponse:
    board = status_board(fiscal_year, actor=actor, engine=engine, page=page)
    lock = lock_in_force(fiscal_year, engine=engine)
    call = board.call
    current = {
        "due_date": call.due_date.isoformat(),
        "remind_before_days": str(call.remind_before_days),
        "remind_after_days": str(call.remind_after_days),
        "note": call.note or "",
    }
    context = {
        "board": board,
        "typed": {**current, **(typed or {})},
        "reminded": reminded,
        "lock_notice": lock_notice(lock) if lock else None,
    }
    url = f"/api/v1/cycle/{fiscal_year}/board"
    return errors_page(request, actor, "cycle_board.html", context, json_url=url, **extra)


@router.get("/admin/cycle/{fiscal_year}", response_class=HTMLResponse)
def board_page(
    fiscal_year: Year, request: Request, engine: EngineDep, actor: ActorDep, page: PageQuery = 1
) -> HTMLResponse:
    """The status board: every department submitted, in progress or overdue, with its KPIs measured; the
    counts cover every department, the rows come a page (100 departments) at a time."""
    return _board_page(request, actor, engine, fiscal_year, page=page)


@router.post("/admin/cycle/{fiscal_year}", response_class=HTMLResponse)
def change_call_form(
    *,
    fiscal_year: Year,
    request: Request,
    engine: EngineDep,
    actor: ActorDep,
    due_date: Field_ = "",
    remind_before_days: Days = "",
    remind_after_days: Days = "",
    note: Field_ = "",
    reason: Field_ = "",
) -> Response:
    """Change the call's due date, reminder days or note (administrators)."""
    typed = {
        "due_date": due_date,
        "remind_before_days": remind_before_days,
        "remind_after_days": remind_after_days,
        "note": note,
        "reason": reason,
    }
    errors = check_texts(request, {"due_date": due_date, "note": note, "reason": reason}, "call-")
    due = _day(due_date, "call-due_date", errors)
    before = _days(remind_before_days, "call-remind_before_days", errors)
    after = _days(remind_after_days, "call-remind_after_days", errors)
    if errors:
        return _board_page(request, actor, engine, fiscal_year, typed=typed, errors=errors, status=422)
    try:
        change_call(
            actor,
            fiscal_year,
            due_date=due,
            remind_before_days=before,
            remind_after_days=after,
            note=note,
            reason=reason or None,
            engine=engine,
        )
    except ValidationError as exc:
        errors = service_errors(exc, "call-")
        return _board_page(
            request, actor, engine, fiscal_year, typed=typed, errors=errors, message=exc.message, status=422
        )
    return RedirectResponse(f"/admin/cycle/{fiscal_year}?done=changed", status_code=303)


@router.post("/admin/cycle/{fiscal_year}/withdraw", response_class=HTMLResponse)
def withdraw_form(
    *,
    fiscal_year: Year,
    request: Request,
    engine: EngineDep,
    actor: ActorDep,
    department: DepartmentField,
    row: Annotated[int, Form(ge=1, le=100_000)] = 1,
    reason: Field_ = "",
) -> Response:
    """Withdraw a department's submission with a reason (administrators), so that it can submit again
    (``row`` is the board's row of the form, to show a message beside the right field)."""
    key = f"withdraw{row}"
    typed = {"withdraw_key": key, "withdraw_reason": reason}
    errors = check_texts(request, {"reason": reason}, f"{key}-")
    if errors:
        return _board_page(request, actor, engine, fiscal_year, typed=typed, errors=errors, status=422)
    try:
        withdraw_submission(fiscal_year, department, reason, actor=actor, engine=engine)
    except ValidationError as exc:
        errors = {f"{key}-reason": FieldError(exc.message)}
        return _board_page(
            request, actor, engine, fiscal_year, typed=typed, errors=errors, message=exc.message, status=422
        )
    except ConflictError as exc:
        return _board_page(request, actor, engine, fiscal_year, message=exc.message, status=409)
    return RedirectResponse(f"/admin/cycle/{fiscal_year}?done=withdrawn", status_code=303)


@router.post("/admin/cycle/{fiscal_year}/remind", response_class=HTMLResponse)
def remind_form(*, fiscal_year: Year, request: Request, engine: EngineDep, actor: ActorDep) -> Response:
    """Send now the reminders whose day has come and that have not gone yet, then deliver the outbox: what
    the server's scheduled job does on its own (administrators; each reminder goes once, and is audited with
    the administrator who pressed the button).  The board comes back with what was sent."""
    require_admin(actor, "督促メールの送信")
    get_call(fiscal_year, actor=actor, engine=engine)  # a year without a call is 404, and nothing is sent
    run = send_due_reminders(actor=actor, engine=engine)
    return _board_page(request, actor, engine, fiscal_year, reminded=run)


# -- a department's checklist -------------------------------------------------------------------------------


def _checklist_page(
    request: Request,
    actor: Actor,
    engine: Engine | None,
    fiscal_year: int,
    department: str | None,
    *,
    only_unmeasured: bool = False,
    page: int = 1,
    **extra: Any,
) -> HTMLResponse:
    departments = sorted(actor.departments)
    chosen = department or (departments[0] if departments else "")
    if not chosen:
        raise NotFoundError("担当課を指定してください（department）", code="department_missing")
    checklist = department_checklist(
        fiscal_year, chosen, actor=actor, only_unmeasured=only_unmeasured, page=page, engine=engine
    )
    context = {
        "checklist": checklist,
        "paged": checklist.items,
        "departments": departments,
        "department_query": quote(chosen),
    }
    url = f"/api/v1/cycle/{fiscal_year}/checklist?department={quote(chosen)}"
    return errors_page(request, actor, "cycle_checklist.html", context, json_url=url, **extra)


@router.get("/cycle/{fiscal_year}/checklist", response_class=HTMLResponse)
def checklist_page(
    *,
    fiscal_year: Year,
    request: Request,
    engine: EngineDep,
    actor: ActorDep,
    department: DepartmentQuery = None,
    unmeasured: Annotated[bool, Query()] = False,
    page: PageQuery = 1,
) -> HTMLResponse:
    """A department's KPIs to fill (the signed-in editor's own department unless one is named), its progress
    and the 提出 button."""
    return _checklist_page(request, actor, engine, fiscal_year, department, only_unmeasured=unmeasured, page=page)


@router.post("/cycle/{fiscal_year}/checklist", response_class=HTMLResponse)
def submit_form(
    *,
    fiscal_year: Year,
    request: Request,
    engine: EngineDep,
    actor: ActorDep,
    department: DepartmentField,
    confirm_incomplete: Field_ = "",
) -> Response:
    """Mark the department's part 提出; with KPIs still unmeasured, only with the confirmation box ticked."""
    try:
        submit_part(fiscal_year, department, actor=actor, confirm_incomplete=confirm_incomplete == "yes", engine=engine)
    except ValidationError as exc:
        errors = {"submit-confirm_incomplete": FieldError(exc.message)}
        return _checklist_page(
            request, actor, engine, fiscal_year, department, errors=errors, message=exc.message, status=422
        )
    except ConflictError as exc:
        return _checklist_page(request, actor, engine, fiscal_year, department, message=exc.message, status=409)
    return RedirectResponse(
        f"/cycle/{fiscal_year}/checklist?department={quote(department)}&done=submitted", status_code=303
    )


@router.get("/cycle")
def my_checklist(engine: EngineDep, actor: ActorDep) -> RedirectResponse:
    """The signed-in editor's checklist of the newest call."""
    calls = list_calls(actor=actor, engine=engine)
    if not calls:
        raise NotFoundError("実績照会はまだ開始されていません", code="call_not_found")
    return RedirectResponse(f"/cycle/{calls[0].fiscal_year}/checklist", status_code=303)
