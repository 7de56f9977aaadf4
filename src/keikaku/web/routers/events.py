"""Event pages: the public registration page and confirmation (no JavaScript needed), the staff list with
check-in marks; the public survey link; a KPI's computed actual with its drill-down; the staff uploads of
events run elsewhere (participant lists, meeting lists, Google Forms / Microsoft Forms exports)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Annotated

import segno
from fastapi import APIRouter, Depends, File, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import FormData

from keikaku.api.deps import ActorDep, EngineDep, Id
from keikaku.api.routers.imports import read_upload
from keikaku.services.actuals.upload_safety import max_upload_mb_text
from keikaku.services.core.actors import PUBLIC
from keikaku.services.core.errors import ConflictError, PermissionDeniedError, ValidationError
from keikaku.services.events.checkin import attendance, check_in
from keikaku.services.events.imports import ImportReport, check_may_import
from keikaku.services.events.imports_meetings import import_meetings
from keikaku.services.events.imports_participants import import_participants
from keikaku.services.events.manage import get_event
from keikaku.services.events.meetings import list_meetings, meeting_counts
from keikaku.services.events.participants import list_participants
from keikaku.services.events.registrations import (
    PersonForm,
    RegistrationForm,
    accept_offer,
    cancel_registration,
    register,
)
from keikaku.services.events.tickets import ticket
from keikaku.services.measures.compute import drill_down
from keikaku.services.measures.definitions import measure_kpi
from keikaku.services.surveys.bank import STANDARD
from keikaku.services.surveys.forms_import import SurveyImportReport, import_form_responses
from keikaku.services.surveys.forms_mapping import SOURCE_LABELS, save_import_mapping, saved_mappings
from keikaku.services.surveys.responses import get_survey, submit_public_response, survey_by_token, surveys_of_event
from keikaku.web.charts import Bar, column_chart
from keikaku.web.forms import Field_
from keikaku.web.rate_limit import limit
from keikaku.web.render import render
from keikaku.web.routers.form_posts import errors_page, submit

router = APIRouter(include_in_schema=False)


def _base(request: Request) -> str:
    return str(request.base_url).rstrip("/")


def _register_page(
    request: Request,
    actor: ActorDep,
    event_id: int,
    engine: EngineDep,
    *,
    values: Mapping[str, str] | None = None,
    message: str | None = None,
    status: int = 200,
) -> HTMLResponse:
    event = get_event(event_id, viewer=PUBLIC, engine=engine)
    context = {"event": event, "values": values or {}}
    return errors_page(request, actor, "event_register.html", context, message=message, status=status)


@router.get("/events/{event_id}/register", response_class=HTMLResponse)
def register_page(request: Request, event_id: Id, engine: EngineDep, actor: ActorDep) -> HTMLResponse:
    """The public registration form of a published event, with how personal data is used."""
    return _register_page(request, actor, event_id, engine)


@router.post("/events/{event_id}/register", response_class=HTMLResponse, dependencies=[Depends(limit("register"))])
def register_post(
    *,
    request: Request,
    event_id: Id,
    engine: EngineDep,
    actor: ActorDep,
    name: Field_ = "",
    kana: Field_ = "",
    email: Field_ = "",
    organisation: Field_ = "",
    corporate_number: Field_ = "",
    consent: Field_ = "",
) -> Response:
    """Register (then the confirmation page), or the form again with the reason."""
    values = {
        "name": name,
        "kana": kana,
        "email": email,
        "organisation": organisation,
        "corporate_number": corporate_number,
    }
    if consent != "yes":
        return _register_page(
            request,
            actor,
            event_id,
            engine,
            values=values,
            status=422,
            message="個人情報の取扱いに同意いただく必要があります",
        )
    form = RegistrationForm(PersonForm(name, kana, email), organisation, corporate_number)
    try:
        result = register(event_id, form, actor=PUBLIC, link_base=_base(request), engine=engine)
    except (ValidationError, ConflictError) as exc:
        return _register_page(
            request, actor, event_id, engine, values=values, message=exc.message, status=exc.http_status
        )
    return RedirectResponse(f"/r/{result.token}", status_code=303)


@router.get("/r/{token}", response_class=HTMLResponse)
def confirmation(request: Request, token: str, engine: EngineDep, actor: ActorDep) -> HTMLResponse:
    """The registrant's ticket: status, QR code for check-in, cancellation."""
    found = ticket(token[:64], engine=engine)
    qr = segno.make(found.token, error="m").svg_data_uri(scale=4)
    return render(request, actor, "event_ticket.html", {"ticket": found, "qr": qr})


@router.post("/r/{token}/cancel", dependencies=[Depends(limit("ticket"))])
def cancel(request: Request, token: str, engine: EngineDep) -> Response:
    """Cancel the registration of this ticket (the freed seat goes to the waitlist)."""
    cancel_registration(token[:64], actor=PUBLIC, link_base=_base(request), engine=engine)
    return RedirectResponse(f"/r/{token[:64]}", status_code=303)


@router.post("/r/{token}/accept", dependencies=[Depends(limit("ticket"))])
def accept(request: Request, token: str, engine: EngineDep) -> Response:
    """Accept the seat offered from the waitlist (before its reply deadline)."""
    accept_offer(token[:64], actor=PUBLIC, link_base=_base(request), engine=engine)
    return RedirectResponse(f"/r/{token[:64]}", status_code=303)


@router.get("/events/{event_id}/participants", response_class=HTMLResponse)
def participants(request: Request, event_id: Id, engine: EngineDep, actor: ActorDep) -> HTMLResponse:
    """The participant list with names and check-in marks (the owning department and administrators)."""
    rows = list_participants(event_id, actor=actor, engine=engine)
    event = get_event(event_id, viewer=actor, engine=engine)
    counts = attendance(event_id, engine=engine)
    context = {
        "event": event,
        "rows": rows,
        "counts": counts,
        "surveys": surveys_of_event(event_id, engine=engine),
        "bank": [(code, text) for code, text, _kind, _options in STANDARD],
        "error_message": request.query_params.get("error"),
    }
    return render(request, actor, "event_participants.html", context)


@router.post("/events/{event_id}/checkins")
def mark(
    *, event_id: Id, engine: EngineDep, actor: ActorDep, token: Field_ = "", day: Field_ = "", method: Field_ = "list"
) -> Response:
    """Mark a participant present (ticking the list, or a scanner typing the ticket's code)."""
    import datetime as dt

    try:
        when = dt.date.fromisoformat(day) if day else None
    except ValueError as exc:
        raise ValidationError("受付日は 2026-10-07 の形で入力してください") from exc
    check_in(
        event_id,
        token=token,
        day=when,
        method=method if method in ("list", "scan") else "list",
        actor=actor,
        engine=engine,
    )
    return RedirectResponse(f"/events/{event_id}/participants", status_code=303)


@router.get("/s/{token}", response_class=HTMLResponse)
def survey_page(request: Request, token: str, engine: EngineDep, actor: ActorDep) -> HTMLResponse:
    """The public questionnaire of an event."""
    survey = survey_by_token(token[:64], engine=engine)
    invitation = request.query_params.get("i", "")[:64]
    return render(request, actor, "survey.html", {"survey": survey, "invitation": invitation, "error_message": None})


def _answers(form: FormData) -> dict[int, list[str]]:
    answers: dict[int, list[str]] = {}
    for key, value in form.multi_items():
        if key.startswith("q") and key[1:].isdigit() and isinstance(value, str):
            answers.setdefault(int(key[1:]), []).append(value[:4000])
    return answers


@router.post("/s/{token}", response_class=HTMLResponse, dependencies=[Depends(limit("survey"))])
async def survey_post(request: Request, token: str, engine: EngineDep, actor: ActorDep) -> HTMLResponse:
    """Store a response from the public link."""
    from starlette.concurrency import run_in_threadpool

    form = await request.form()
    invitation = str(form.get("invitation") or "")[:64] or None
    survey = await run_in_threadpool(survey_by_token, token[:64], engine=engine)
    try:
        await run_in_threadpool(
            submit_public_response, token[:64], _answers(form), invitation=invitation, engine=engine
        )
    except (ValidationError, ConflictError) as exc:
        context = {"survey": survey, "invitation": invitation or "", "error_message": exc.message}
        return render(request, actor, "survey.html", context, status=exc.http_status)
    return render(request, actor, "survey_thanks.html", {"survey": survey})


@router.get("/kpis/{kpi_id}/measure", response_class=HTMLResponse)
def measure(request: Request, kpi_id: Id, engine: EngineDep, actor: ActorDep) -> HTMLResponse:
    """A KPI's computed actual beside the recorded one, and the records behind it (names for staff only)."""
    d = drill_down(kpi_id, viewer=actor, engine=engine)
    bars = [Bar(label, n, f"{n:,}") for label, n in d.counts]
    chart = column_chart(
        bars, title=d.indicator, desc="、".join(f"{b.label}: {b.text}" for b in bars), axis=lambda v: f"{v:,.0f}"
    )
    try:
        measure_kpi(kpi_id, actor=actor, engine=engine)
        can_bind = True
    except PermissionDeniedError:
        can_bind = False
    return render(request, actor, "kpi_measure.html", {"d": d, "chart": chart if bars else None, "can_bind": can_bind})


# --- imports for events run elsewhere: participant lists, meeting lists, form exports ---------------------


def _import_page(
    request: Request,
    actor: ActorDep,
    engine: EngineDep,
    event_id: int,
    *,
    report: ImportReport | None = None,
    message: str | None = None,
    status: int = 200,
) -> HTMLResponse:
    rows = list_meetings(event_id, actor=actor, engine=engine)  # the event's staff only
    context = {
        "event": get_event(event_id, viewer=actor, engine=engine),
        "meetings": rows,
        "meeting_counts": meeting_counts(event_id, engine=engine),
        "counts": attendance(event_id, engine=engine),
        "surveys": surveys_of_event(event_id, engine=engine),
        "report": report,
        "message": message,
        "max_mb": max_upload_mb_text(),
    }
    return render(request, actor, "event_import.html", context, status=status)


def _report_status(report: ImportReport) -> int:
    return 200 if report.applied else 422


def _import_event_sheet(  # noqa: PLR0917 - the page's request, viewer and engine, the event, its file, the import
    request: Request,
    actor: ActorDep,
    engine: EngineDep,
    event_id: int,
    file: UploadFile | None,
    run: Callable[[str, bytes], ImportReport],
) -> HTMLResponse:
    """Import one of an event's sheets with ``run(name, content)`` (the event's staff only): the import page
    with the report, or with the reason the file itself was refused."""
    check_may_import(event_id, actor=actor, engine=engine)
    return submit(
        lambda: run(*read_upload(file)),
        lambda report: _import_page(request, actor, engine, event_id, report=report, status=_report_status(report)),
        lambda exc: _import_page(request, actor, engine, event_id, message=exc.message, status=exc.http_status),
    )


@router.get("/events/{event_id}/imports", response_class=HTMLResponse)
def imports_page(request: Request, event_id: Id, engine: EngineDep, actor: ActorDep) -> HTMLResponse:
    """The staff page of an event run elsewhere: upload its participant list and meeting list, see the counts."""
    return _import_page(request, actor, engine, event_id)


@router.post("/events/{event_id}/imports/participants", response_class=HTMLResponse)
def import_participants_post(
    *,
    request: Request,
    event_id: Id,
    engine: EngineDep,
    actor: ActorDep,
    file: Annotated[UploadFile | None, File()] = None,
    all_attended: Field_ = "",
) -> HTMLResponse:
    """Import a participant list or a paper 受付名簿 (every error at once; 422 and nothing stored if any)."""

    def run(name: str, content: bytes) -> ImportReport:
        return import_participants(
            event_id, name, content, actor=actor, all_attended=all_attended == "yes", engine=engine
        )

    return _import_event_sheet(request, actor, engine, event_id, file, run)


@router.post("/events/{event_id}/imports/meetings", response_class=HTMLResponse)
def import_meetings_post(
    request: Request,
    event_id: Id,
    engine: EngineDep,
    actor: ActorDep,
    file: Annotated[UploadFile | None, File()] = None,
) -> HTMLResponse:
    """Import the organiser's meeting list (every error at once; 422 and nothing stored if any)."""

    def run(name: str, content: bytes) -> ImportReport:
        return import_meetings(event_id, name, content, actor=actor, engine=engine)

    return _import_event_sheet(request, actor, engine, event_id, file, run)


def _survey_import_page(
    request: Request,
    actor: ActorDep,
    engine: EngineDep,
    survey_id: int,
    *,
    report: SurveyImportReport | None = None,
    message: str | None = None,
    status: int = 200,
) -> HTMLResponse:
    survey = get_survey(survey_id, actor=actor, engine=engine)  # the permission check
    context = {
        "survey": survey,
        "mappings": saved_mappings(survey_id, actor=actor, engine=engine),
        "sources": SOURCE_LABELS,
        "report": report,
        "message": message,
        "saved": request.query_params.get("saved") == "1",
        "max_mb": max_upload_mb_text(),
    }
    return render(request, actor, "event_import_survey.html", context, status=status)


@router.get("/surveys/{survey_id}/import", response_class=HTMLResponse)
def survey_import_page(request: Request, survey_id: Id, engine: EngineDep, actor: ActorDep) -> HTMLResponse:
    """Upload a Google Forms / Microsoft Forms export of a survey; the saved mappings."""
    return _survey_import_page(request, actor, engine, survey_id)


@router.post("/surveys/{survey_id}/import", response_class=HTMLResponse)
def survey_import_post(
    request: Request,
    survey_id: Id,
    engine: EngineDep,
    actor: ActorDep,
    file: Annotated[UploadFile | None, File()] = None,
) -> HTMLResponse:
    """Import the responses of a form export (every error at once, with the columns and labels left to map)."""
    get_survey(survey_id, actor=actor, engine=engine)  # refuse before the file is read

    def work() -> SurveyImportReport:
        name, content = read_upload(file)
        return import_form_responses(survey_id, name, content, actor=actor, engine=engine)

    return submit(
        work,
        lambda report: _survey_import_page(
            request, actor, engine, survey_id, report=report, status=_report_status(report)
        ),
        lambda exc: _survey_import_page(request, actor, engine, survey_id, message=exc.message, status=exc.http_status),
    )


@router.post("/surveys/{survey_id}/import/mapping")
async def survey_mapping_post(request: Request, survey_id: Id, engine: EngineDep, actor: ActorDep) -> Response:
    """Save the mapping chosen on the page: columns → questions, labels → option codes (then import again)."""
    from starlette.concurrency import run_in_threadpool

    form = await request.form()
    texts = {key: [str(v)[:400] for v in form.getlist(key)] for key in form}
    columns = dict(zip(texts.get("column", []), texts.get("question", []), strict=False))
    labels: dict[str, dict[str, str]] = {}
    for code, label, option in zip(
        texts.get("label_question", []), texts.get("label_text", []), texts.get("label_code", []), strict=False
    ):
        labels.setdefault(code, {})[label] = option
    source = (texts.get("source") or [""])[0]
    await run_in_threadpool(save_import_mapping, survey_id, source, columns, labels, actor=actor, engine=engine)
    return RedirectResponse(f"/surveys/{survey_id}/import?saved=1", status_code=303)
