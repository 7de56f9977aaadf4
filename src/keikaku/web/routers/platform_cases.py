"""The co-creation platform's staff pages: the case list and the opening form, a case with its dated log,
its changes (phase, status, outcome, handover), its needs with ranked seed suggestions, the decisions on them
and the interviews (面談); an interview; a seed with the needs ranked for it; binding the platform's KPIs.

Who may is the services' to decide (coordinators, ものづくり支援課's editors, administrators); what a service
refuses is its 403 page.  A rejected form comes back with the service's Japanese message naming the field
(422) and nothing stored; a change kept with a warning (a phase out of order) shows the page with it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, Response

from keikaku.api.deps import ActorDep, EngineDep, Id, PageQuery
from keikaku.api.routers.imports import read_upload
from keikaku.services.core.actors import Actor
from keikaku.services.core.errors import ServiceError, ValidationError
from keikaku.services.core.paging import Paged
from keikaku.services.exchange import exporters
from keikaku.services.platform.attachments import get_attachment
from keikaku.services.platform.cases import (
    CaseChange,
    CaseFilters,
    CaseForm,
    CasePublic,
    change_case,
    get_case,
    list_cases,
    log_activity,
    open_case,
)
from keikaku.services.platform.common import CHOICES
from keikaku.services.platform.coordinators import case_handlers
from keikaku.services.platform.interviews import (
    get_interview,
    get_seed,
    institutions,
    interviews_of_case,
    needs_of_case,
)
from keikaku.services.platform.matching import (
    add_need,
    decide,
    schedule_interview,
    set_interview_status,
    suggest_needs,
    suggest_seeds,
)
from keikaku.web.render import render
from keikaku.web.routers.form_posts import form_page, see_other, submit

router = APIRouter(include_in_schema=False)

Text = Annotated[str, Form(max_length=400)]
LongText = Annotated[str, Form(max_length=4000)]
Q = Annotated[str, Query(max_length=200)]
PER_PAGE = 50
T = TypeVar("T")


def _id(raw: str) -> int | None:
    text = raw.strip()
    return int(text) if text.isdigit() and len(text) < 10 else None


def _list_page(
    request: Request,
    actor: Actor,
    engine: Any,
    filters: CaseFilters,
    page: int,
    *,
    form: dict[str, str] | None = None,
    error: ServiceError | None = None,
) -> HTMLResponse:
    lines, total = list_cases(actor=actor, filters=filters, page=page, per_page=PER_PAGE, engine=engine)
    paged = Paged(lines, total, page, PER_PAGE)
    context = {
        "lines": lines,
        "paged": paged,
        "filters": filters,
        "institutions": institutions(engine=engine),
        "handlers": case_handlers(actor=actor, engine=engine),
        "form": form or {},
        **CHOICES,
    }
    return form_page(request, actor, "platform_cases.html", context, error)


@router.get("/platform/cases", response_class=HTMLResponse)
def cases_page(
    *,
    request: Request,
    engine: EngineDep,
    actor: ActorDep,
    status_group: Q = "",
    phase: Q = "",
    field: Q = "",
    institution_id: Q = "",
    fiscal_year: Q = "",
    coordinator: Q = "",
    page: PageQuery = 1,
) -> HTMLResponse:
    """The cases, filtered by status group, phase, field, institution, fiscal year and coordinator; paged."""
    year = _id(fiscal_year)
    filters = CaseFilters(status_group, phase, field, _id(institution_id), year, coordinator)
    return _list_page(request, actor, engine, filters, page)


@router.post("/platform/cases", response_class=HTMLResponse)
def case_open(
    *,
    request: Request,
    engine: EngineDep,
    actor: ActorDep,
    firm: Text = "",
    corporate_number: Text = "",
    topic: Text = "",
    field: Text = "",
    phase: Text = "",
    coordinator: Text = "",
    institution_id: Text = "",
    opened_on: Text = "",
    contact_email: Text = "",
    need: LongText = "",
) -> Response:
    """Open a case for a firm (its 法人番号 checked); then its page."""
    form = CaseForm(
        firm, corporate_number, topic, field, phase, coordinator, _id(institution_id), opened_on, need, contact_email
    )
    typed = {k: v for k, v in vars(form).items() if isinstance(v, str)}
    return submit(
        lambda: open_case(form, actor=actor, engine=engine),
        lambda case: see_other(f"/platform/cases/{case.id}"),
        lambda exc: _list_page(request, actor, engine, CaseFilters(), 1, form=typed, error=exc),
        shown=(ValidationError,),
    )


def _case_page(
    request: Request,
    actor: Actor,
    engine: Any,
    case: CasePublic,
    *,
    error: ServiceError | None = None,
) -> HTMLResponse:
    needs = needs_of_case(case.id, actor=actor, engine=engine)
    context = {
        "case": case,
        "needs": [(n, suggest_seeds(n.id, actor=actor, engine=engine)) for n in needs],
        "interviews": interviews_of_case(case.id, actor=actor, engine=engine),
        "institutions": institutions(engine=engine),
        "handlers": case_handlers(actor=actor, engine=engine),
        **CHOICES,
    }
    return form_page(request, actor, "platform_case.html", context, error)


def _case_form(  # noqa: PLR0917 - the page's request, viewer and engine, the case, the change and its answer
    request: Request, actor: Actor, engine: Any, case_id: int, work: Callable[[], T], done: Callable[[T], Response]
) -> Response:
    """A form of the case page: ``done(work())``; a rejected form shows the case page again with the reason
    (422)."""
    return submit(
        work,
        done,
        lambda exc: _case_page(request, actor, engine, get_case(case_id, actor=actor, engine=engine), error=exc),
        shown=(ValidationError,),
    )


@router.get("/platform/cases/{case_id}", response_class=HTMLResponse)
def case_page(*, case_id: Id, request: Request, engine: EngineDep, actor: ActorDep) -> HTMLResponse:
    """A case: its firm, log, needs with suggestions, interviews and forms; the view is an audit record."""
    return _case_page(request, actor, engine, get_case(case_id, actor=actor, engine=engine))


@router.post("/platform/cases/{case_id}/activities", response_class=HTMLResponse)
def case_activity(
    *,
    case_id: Id,
    request: Request,
    engine: EngineDep,
    actor: ActorDep,
    kind: Text = "",
    body: LongText = "",
    on: Text = "",
    attachment: Annotated[UploadFile | None, File()] = None,
) -> Response:
    """Add a dated line to the case's log, with an attachment (checked by the upload safety) if one is chosen."""

    def work() -> object:
        upload = None
        if attachment is not None and (attachment.filename or attachment.size):
            upload = read_upload(attachment)
        return log_activity(case_id, kind, body, on=on, attachment=upload, actor=actor, engine=engine)

    return _case_form(request, actor, engine, case_id, work, lambda _done: see_other(f"/platform/cases/{case_id}#log"))


@router.get("/platform/cases/{case_id}/attachments/{attachment_id}")
def case_attachment(*, case_id: Id, attachment_id: Id, engine: EngineDep, actor: ActorDep) -> Response:
    """Download an attachment of the case's log (as a file, never shown inline); an audit record."""
    name, content = get_attachment(case_id, attachment_id, actor=actor, engine=engine)
    headers = {
        "content-disposition": exporters.attachment(name),
        "x-content-type-options": "nosniff",
    }
    return Response(content, media_type="application/octet-stream", headers=headers)


@router.post("/platform/cases/{case_id}/change", response_class=HTMLResponse)
def case_change(
    *,
    case_id: Id,
    request: Request,
    engine: EngineDep,
    actor: ActorDep,
    status: Text = "",
    outcome: Text = "",
    phase: Text = "",
    coordinator: Text = "",
    note: LongText = "",
    on: Text = "",
) -> Response:
    """Change phase, status or outcome, or hand over; a phase out of order is kept and shown with a warning."""

    def done(case: CasePublic) -> Response:
        if case.warnings:
            return _case_page(request, actor, engine, case)  # the change's own view of the case, with its warning
        return see_other(f"/platform/cases/{case_id}")

    change = CaseChange(status, outcome, phase, coordinator, note, on)
    return _case_form(
        request, actor, engine, case_id, lambda: change_case(case_id, change, actor=actor, engine=engine), done
    )


@router.post("/platform/cases/{case_id}/needs", response_class=HTMLResponse)
def case_need(
    *,
    case_id: Id,
    request: Request,
    engine: EngineDep,
    actor: ActorDep,
    title: Text = "",
    description: LongText = "",
    field: Text = "",
    phase: Text = "",
) -> Response:
    """Write a need in the case (its suggestions follow on the case page)."""
    return _case_form(
        request,
        actor,
        engine,
        case_id,
        lambda: add_need(title, description, field=field, phase=phase, case_id=case_id, actor=actor, engine=engine),
        lambda _need: see_other(f"/platform/cases/{case_id}#needs"),
    )


@router.post("/platform/cases/{case_id}/decisions", response_class=HTMLResponse)
def case_decision(
    *,
    case_id: Id,
    request: Request,
    engine: EngineDep,
    actor: ActorDep,
    need_id: Text = "",
    seed_id: Text = "",
    decision: Text = "",
) -> Response:
    """Accept or reject a suggested seed for one of the case's needs (a rejected one is not suggested again)."""

    def work() -> None:
        need, seed = _pair_ids(need_id, seed_id)
        decide(need, seed, decision, actor=actor, engine=engine)

    return _case_form(
        request, actor, engine, case_id, work, lambda _done: see_other(f"/platform/cases/{case_id}#needs")
    )


def _pair_ids(need_id: str, seed_id: str) -> tuple[int, int]:
    need, seed = _id(need_id), _id(seed_id)
    if need is None or seed is None:
        raise ValidationError(
            "ニーズとシーズを選んでください", details={"fields": {"need_id": "ニーズ", "seed_id": "シーズ"}}
        )
    return need, seed


@router.post("/platform/cases/{case_id}/interviews", response_class=HTMLResponse)
def case_interview(
    *,
    case_id: Id,
    request: Request,
    engine: EngineDep,
    actor: ActorDep,
    need_id: Text = "",
    seed_id: Text = "",
    on: Text = "",
    firm_participants: Text = "",
    institution_participants: Text = "",
) -> Response:
    """Schedule an interview linking a need of the case and a seed (both required); then its page."""

    def work() -> int:
        return schedule_interview(
            _id(need_id),
            _id(seed_id),
            on,
            firm_participants=firm_participants,
            institution_participants=institution_participants,
            actor=actor,
            engine=engine,
        )

    return _case_form(
        request, actor, engine, case_id, work, lambda interview: see_other(f"/platform/interviews/{interview}")
    )


def _interview_page(
    request: Request, actor: Actor, engine: Any, interview_id: int, error: ServiceError | None = None
) -> HTMLResponse:
    context = {"interview": get_interview(interview_id, actor=actor, engine=engine), **CHOICES}
    return form_page(request, actor, "platform_interview.html", context, error)


@router.get("/platform/interviews/{interview_id}", response_class=HTMLResponse)
def interview_page(*, interview_id: Id, request: Request, engine: EngineDep, actor: ActorDep) -> HTMLResponse:
    """An interview with its status form (held, cancelled, no-show); the view is an audit record."""
    return _interview_page(request, actor, engine, interview_id)


@router.post("/platform/interviews/{interview_id}", response_class=HTMLResponse)
def interview_status(
    *,
    interview_id: Id,
    request: Request,
    engine: EngineDep,
    actor: ActorDep,
    status: Text = "",
    outcome: LongText = "",
) -> Response:
    """Mark the interview held (a line of its case's log), cancelled or no-show."""
    return submit(
        lambda: set_interview_status(interview_id, status, outcome=outcome, actor=actor, engine=engine),
        lambda _done: see_other(f"/platform/interviews/{interview_id}"),
        lambda exc: _interview_page(request, actor, engine, interview_id, exc),
        shown=(ValidationError,),
    )


@router.get("/platform/seeds/{seed_id}", response_class=HTMLResponse)
def seed_page(*, seed_id: Id, request: Request, engine: EngineDep, actor: ActorDep) -> HTMLResponse:
    """A seed with the needs ranked for it (the reverse suggestion), each with the shared terms."""
    seed = get_seed(seed_id, actor=actor, engine=engine)
    context = {"seed": seed, "suggestions": suggest_needs(seed_id, actor=actor, limit=10, engine=engine)}
    return render(request, actor, "platform_seed.html", context)
