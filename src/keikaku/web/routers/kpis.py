"""The actual-entry page of a KPI: its history and a form; invalid fields come back with messages beside them.

While the KPI's fiscal year is locked (確定) the form is shown disabled under 「令和8年度は確定済みです（12月2日）」;
a value sent anyway (a page opened before the lock) is refused under that heading, with what was typed kept.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from keikaku.api.deps import ActorDep, EngineDep, Id
from keikaku.normalize.date_style import era_date
from keikaku.services.actuals.form import ActualForm, measured_on_example, submit_actual_form
from keikaku.services.actuals.periods import lock_in_force, lock_notice
from keikaku.services.actuals.record import current_version
from keikaku.services.core.errors import ConflictError, ValidationError
from keikaku.services.measures.coverage import kpi_source
from keikaku.services.plans.kpi_page import get_kpi_entry_page
from keikaku.web import chart_views
from keikaku.web.forms import Field_
from keikaku.web.render import translator
from keikaku.web.routers.form_posts import errors_page

router = APIRouter(include_in_schema=False)


def _page(
    request: Request,
    actor: ActorDep,
    kpi_id: int,
    engine: EngineDep,
    form: ActualForm,
    *,
    errors: Mapping[str, object] | None = None,
    message: str | None = None,
    refused: Mapping[str, str] | None = None,
    status: int = 200,
) -> HTMLResponse:
    entry = get_kpi_entry_page(kpi_id, viewer=actor, engine=engine)
    lock = lock_in_force(entry.fiscal_year, entry.plan_id, engine=engine)
    example = measured_on_example(entry.fiscal_year)
    context = {
        "entry": entry,
        "form": form,
        "refused": refused,
        "lock_notice": lock_notice(lock) if lock else None,
        "measured_example": {"era": era_date(example), "iso": example.isoformat()},
        "chart": chart_views.kpi(entry.kpi, translator(request)),
        "source": kpi_source(kpi_id, engine=engine),
    }
    json_url = f"/api/v1/kpis/{kpi_id}"
    return errors_page(
        request, actor, "kpi.html", context, errors=errors, message=message, status=status, json_url=json_url
    )


@router.get("/kpis/{kpi_id}", response_class=HTMLResponse)
def kpi(request: Request, kpi_id: Id, engine: EngineDep, actor: ActorDep) -> HTMLResponse:
    """The KPI, its values and versions, and the entry form."""
    entry = get_kpi_entry_page(kpi_id, viewer=actor, engine=engine)
    year = entry.fiscal_year or entry.kpi.fiscal_year
    seen = current_version(kpi_id, year, engine=engine) if year else 0
    form = ActualForm(fiscal_year=str(year or ""), expected_version=str(seen))
    return _page(request, actor, kpi_id, engine=engine, form=form)


@router.post("/kpis/{kpi_id}", response_class=HTMLResponse)
def record(
    *,
    request: Request,
    kpi_id: Id,
    engine: EngineDep,
    actor: ActorDep,
    fiscal_year: Field_ = "",
    value: Field_ = "",
    month: Field_ = "",
    measured_on: Field_ = "",
    evidence_text: Field_ = "",
    evidence_url: Field_ = "",
    note: Field_ = "",
    reason: Field_ = "",
    expected_version: Field_ = "",
) -> Response:
    """Record the value (then back to the project, where the new status shows) or show the form again.

    When someone else saved this period's value after the form was shown, nothing is saved: the form comes
    back (409) with the user's input, the other person's value in the message, and the new version, so
    that saving again is a deliberate correction.
    """
    form = ActualForm(
        fiscal_year, value, month, measured_on, evidence_text, evidence_url, note, reason, expected_version
    )
    try:
        submit_actual_form(kpi_id, form, actor=actor, channel="web", engine=engine)
    except ConflictError as exc:
        if exc.code == "period_locked":  # a page shown before the lock: nothing saved, what was typed kept
            notice = exc.details.get("notice")
            refused = {"title": str(notice or exc.message), "message": exc.message}
            return _page(request, actor, kpi_id, engine=engine, form=form, refused=refused, status=409)
        latest = exc.details.get("current_version")
        if not isinstance(latest, int):
            raise
        again = dataclasses.replace(form, expected_version=str(latest))
        return _page(request, actor, kpi_id, engine=engine, form=again, message=exc.message, status=409)
    except ValidationError as exc:
        fields = exc.details.get("fields")
        errors = fields if isinstance(fields, dict) else {}
        return _page(request, actor, kpi_id, engine=engine, form=form, errors=errors, message=exc.message, status=422)
    entry = get_kpi_entry_page(kpi_id, viewer=actor, engine=engine)
    target = (
        f"/projects/{entry.project_id}?saved={kpi_id}#kpi-{kpi_id}" if entry.project_id else f"/kpis/{kpi_id}?saved=1"
    )
    return RedirectResponse(target, status_code=303)
