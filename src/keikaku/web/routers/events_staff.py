"""The staff pages of events: the list with the form that creates one, a questionnaire built from the bank,
and binding a KPI to a measure (then computing it).  The owning department's editors and administrators."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from keikaku.api.deps import ActorDep, EngineDep, Id
from keikaku.services.core.actors import Actor, Permission
from keikaku.services.core.errors import (
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    ServiceError,
    ValidationError,
)
from keikaku.services.events.manage import FORMATS, KINDS, EventForm, create_event, event_projects, list_events
from keikaku.services.measures.compute import bind_and_compute, compute_kpi
from keikaku.services.measures.definitions import (
    EVENT_MEASURE_KINDS,
    KIND_LABELS,
    current_measure,
    measure_kpi,
)
from keikaku.services.surveys.bank import STANDARD
from keikaku.services.surveys.responses import create_survey
from keikaku.web.forms import Field_
from keikaku.web.routers.form_posts import errors_page, see_other, submit

router = APIRouter(include_in_schema=False)

Many = Annotated[list[str], Form()]

#: The bank's questions whose answers are option codes (what a share can count).
CODED = tuple(
    (code, text, options) for code, text, kind, options in STANDARD if kind in ("scale5", "single", "multiple")
)


def _manages(actor: Actor, department: str) -> bool:
    return actor.can(Permission.MANAGE_EVENTS, departments=[department])


def _events_page(
    request: Request,
    actor: ActorDep,
    engine: EngineDep,
    *,
    values: EventForm | None = None,
    errors: Mapping[str, object] | None = None,
    message: str | None = None,
    status: int = 200,
) -> HTMLResponse:
    if not actor.can_anywhere(Permission.MANAGE_EVENTS):
        raise PermissionDeniedError("イベントを管理する権限がありません", details={"permission": "manage_events"})
    managed = [e for e in list_events(viewer=actor, engine=engine) if _manages(actor, e.department)]
    context = {
        "events": managed,
        "projects": event_projects(viewer=actor, engine=engine),
        "kinds": KINDS,
        "formats": FORMATS,
        "values": values or EventForm(project_id=0, name=""),
    }
    return errors_page(request, actor, "events_staff.html", context, errors=errors, message=message, status=status)


@router.get("/events", response_class=HTMLResponse)
def events_page(request: Request, engine: EngineDep, actor: ActorDep) -> HTMLResponse:
    """The events the actor manages, and the form that creates one for a project."""
    return _events_page(request, actor, engine)


@router.post("/events", response_class=HTMLResponse)
def create_event_post(  # noqa: PLR0917 - one form field each
    request: Request,
    engine: EngineDep,
    actor: ActorDep,
    project_id: Field_ = "",
    name: Field_ = "",
    kind: Field_ = "forum",
    start_date: Field_ = "",
    end_date: Field_ = "",
    venue: Field_ = "",
    format: Field_ = "onsite",
    capacity: Field_ = "",
    registration_opens_at: Field_ = "",
    registration_closes_at: Field_ = "",
    department: Field_ = "",
    published: Field_ = "",
) -> Response:
    """Create the event (then its staff page), or the form again with the reason beside the field."""
    form = EventForm(
        project_id=int(project_id) if project_id.isdigit() else 0,
        name=name,
        kind=kind,
        start_date=start_date,
        end_date=end_date,
        venue=venue,
        format=format,
        capacity=capacity,
        registration_opens_at=registration_opens_at,
        registration_closes_at=registration_closes_at,
        department=department,
        published=published == "yes",
    )

    def again(exc: ServiceError) -> HTMLResponse:
        fields = exc.details.get("fields")
        fields = fields if isinstance(fields, dict) else {}
        return _events_page(
            request, actor, engine, values=form, message=exc.message, errors=fields, status=exc.http_status
        )

    return submit(
        lambda: create_event(form, actor=actor, engine=engine),
        lambda event: see_other(f"/events/{event.id}/participants?created=1"),
        again,
        shown=(ValidationError, NotFoundError),
    )


@router.post("/events/{event_id}/surveys")
def create_survey_post(
    event_id: Id,
    engine: EngineDep,
    actor: ActorDep,
    title: Field_ = "",
    question: Many = [],  # noqa: B006
) -> Response:
    """Build the event's questionnaire from questions of the bank (then the event's staff page)."""
    create_survey(event_id, title, question, actor=actor, engine=engine)
    return see_other(f"/events/{event_id}/participants?survey=1")


def _measure_page(
    request: Request, actor: ActorDep, engine: EngineDep, kpi_id: int, *, message: str | None = None, status: int = 200
) -> HTMLResponse:
    ref = measure_kpi(kpi_id, actor=actor, engine=engine)  # the permission check
    events = [e for e in list_events(viewer=actor, engine=engine) if e.fiscal_year == ref.fiscal_year]
    context = {
        "kpi": ref,
        "measure": current_measure(kpi_id, engine=engine),
        "kinds": [(k, KIND_LABELS[k]) for k in EVENT_MEASURE_KINDS],
        "events": [e for e in events if _manages(actor, e.department)],
        "questions": CODED,
    }
    return errors_page(request, actor, "kpi_measure_edit.html", context, message=message, status=status)


@router.get("/kpis/{kpi_id}/measure/edit", response_class=HTMLResponse)
def measure_edit(request: Request, kpi_id: Id, engine: EngineDep, actor: ActorDep) -> HTMLResponse:
    """The form that binds a KPI to a measure over events (the KPI's department's staff)."""
    return _measure_page(request, actor, engine, kpi_id)


@router.post("/kpis/{kpi_id}/measure/edit", response_class=HTMLResponse)
def measure_bind(  # noqa: PLR0917 - one form field each
    request: Request,
    kpi_id: Id,
    engine: EngineDep,
    actor: ActorDep,
    kind: Field_ = "",
    event: Many = [],  # noqa: B006
    question: Field_ = "",
    code: Many = [],  # noqa: B006
) -> Response:
    """Bind the measure and compute the actual (then the drill-down), or the form again with the reason."""
    ids = [int(e) for e in event if e.isdigit()]
    chosen = [c.partition(":")[2] for c in code if c.partition(":")[0] == question]
    return submit(
        lambda: bind_and_compute(
            kpi_id, kind, ids, question_code=question or None, codes=chosen, actor=actor, engine=engine
        ),
        lambda _computed: see_other(f"/kpis/{kpi_id}/measure"),
        lambda exc: _measure_page(request, actor, engine, kpi_id, message=exc.message, status=exc.http_status),
        shown=(ValidationError, ConflictError),
    )


@router.post("/kpis/{kpi_id}/measure/compute")
def measure_compute(kpi_id: Id, engine: EngineDep, actor: ActorDep) -> Response:
    """Compute the KPI's actual again from the current records."""
    compute_kpi(kpi_id, actor=actor, engine=engine)
    return see_other(f"/kpis/{kpi_id}/measure?computed=1")
