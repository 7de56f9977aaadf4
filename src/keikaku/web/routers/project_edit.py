"""Editing a project's facts and its KPIs' targets (the pages behind 「編集」 on a project).

How its forms behave (403, 422 with the input kept, 409 with the new state token, 303 after saving) is said
once, in :mod:`keikaku.web.forms`.  While the project's fiscal year is locked (確定) its budget fields and its
KPIs' target forms are disabled under 「令和8年度は確定済みです（12月2日）」; a change of them sent anyway is
refused under that heading with what was typed kept.  A disabled field is not sent, so an amount that is
missing from the form leaves the saved amount as it is.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import Engine

from keikaku.api.deps import (
    ActorDep,
    EngineDep,
    Id,
)
from keikaku.services.actuals.periods import lock_in_force, lock_notice
from keikaku.services.core.actors import Actor, Permission, require
from keikaku.services.core.errors import ConflictError, NotFoundError, ValidationError
from keikaku.services.plans.edit import (
    BUDGET_FIELDS,
    ProjectChanges,
    kpi_state,
    project_state,
    update_kpi_target,
    update_project,
)
from keikaku.services.plans.edit import PROJECT_FIELDS as SERVICE_PROJECT_FIELDS
from keikaku.services.plans.project import KpiView, ProjectPage, get_project_page
from keikaku.web.forms import (
    AMOUNT,
    Errors,
    Field_,
    check_texts,
    int_or_none,
    local_error,
    service_errors,
    shown,
)
from keikaku.web.render import render

router = APIRouter(include_in_schema=False)

#: A field a disabled input leaves out of the form (None: not sent).
OptionalField = Annotated[str | None, Form()]

#: The project facts the edit form shows: the service's field list, amounts apart.
PROJECT_FIELDS = SERVICE_PROJECT_FIELDS
PROJECT_AMOUNT_FIELDS = BUDGET_FIELDS
PROJECT_TEXT_FIELDS = tuple(name for name in PROJECT_FIELDS if name not in BUDGET_FIELDS)


# -- a project's facts and its KPIs' targets ----------------------------------------------------------------


@dataclass(frozen=True)
class ProjectForm:
    """The project-facts form as typed (every value a string)."""

    name: str = ""
    title: str = ""
    summary: str = ""
    field: str = ""
    budget_thousand_yen: str = ""
    national_subsidy_thousand_yen: str = ""
    reason: str = ""
    state: str = ""


@dataclass(frozen=True)
class KpiForm:
    """A KPI-target form as typed."""

    text: str = ""
    reason: str = ""
    state: str = ""


@dataclass
class ProjectEdit:
    """What the edit page shows besides the forms."""

    project: ProjectPage
    kpis: list[KpiView]
    form: ProjectForm
    kpi_forms: dict[int, KpiForm]
    errors: Errors = field(default_factory=dict)
    message: str | None = None
    saved_values: dict[str, str] = field(default_factory=dict)
    conflict: bool = False
    #: 「令和8年度は確定済みです（12月2日）」 while the project's year is locked, else None.
    lock_notice: str | None = None
    #: The heading of a change refused because the year is locked.
    refused_title: str | None = None


def _target_kpis(page: ProjectPage) -> list[KpiView]:
    """The KPIs of the project whose target can be edited (not the measures other targets are relative to)."""
    return [k for k in page.kpis if not k.is_measure]


def _kpi_text(kpi: KpiView) -> str:
    return kpi.text or f"{kpi.indicator}:{kpi.target_text}"


def _load_edit(project_id: int, actor: Actor, engine: Engine | None) -> ProjectEdit:
    # State tokens first: a change between the two reads then shows newer values with an older token, which
    # gives a needless 409, never a silent overwrite.
    state = project_state(project_id, engine=engine)
    page = get_project_page(project_id, viewer=actor, engine=engine)
    require(actor, Permission.EDIT_PROJECT, departments=page.departments)
    kpis = _target_kpis(page)
    kpi_forms = {k.id: KpiForm(_kpi_text(k), "", kpi_state(k.id, engine=engine)) for k in kpis}
    lock = lock_in_force(page.fiscal_year, page.plan_id, engine=engine)
    edit = ProjectEdit(page, kpis, dataclasses.replace(_project_form(page), state=state), kpi_forms)
    edit.lock_notice = lock_notice(lock) if lock else None
    return edit


def _refused(edit: ProjectEdit, exc: ConflictError) -> ProjectEdit:
    """The page after a change the locked year refused: its heading and message, nothing of a conflict."""
    notice = exc.details.get("notice")
    edit.refused_title = str(notice) if notice else None
    edit.message, edit.conflict = exc.message, False
    return edit


def _project_form(page: ProjectPage) -> ProjectForm:
    """The project-facts form filled in with what is saved."""
    return ProjectForm(**{name: shown(getattr(page, name)) for name in PROJECT_FIELDS})


def _edit_page(request: Request, actor: Actor, edit: ProjectEdit, status: int = 200) -> HTMLResponse:
    context = {
        "project": edit.project,
        "kpis": edit.kpis,
        "form": edit.form,
        "kpi_forms": edit.kpi_forms,
        "errors": edit.errors,
        "error_message": edit.message,
        "saved_values": edit.saved_values,
        "conflict": edit.conflict,
        "lock_notice": edit.lock_notice,
        "refused_title": edit.refused_title,
    }
    json_url = f"/api/v1/projects/{edit.project.id}/edit"
    return render(request, actor, "project_edit.html", context, status=status, json_url=json_url)


@router.get("/projects/{project_id}/edit", response_class=HTMLResponse)
def edit_project(request: Request, project_id: Id, engine: EngineDep, actor: ActorDep) -> HTMLResponse:
    """The forms to change a project's facts and each of its KPIs' targets (for those who may edit it)."""
    return _edit_page(request, actor, _load_edit(project_id, actor, engine))


def _project_changes(request: Request, form: ProjectForm, page: ProjectPage) -> tuple[ProjectChanges, Errors]:
    """The fields the user changed (compared with what is saved) and the fields that are not even numbers."""
    values: dict[str, Any] = {}
    errors = check_texts(request, {name: getattr(form, name) for name in PROJECT_TEXT_FIELDS})
    for name in PROJECT_TEXT_FIELDS:
        typed = getattr(form, name).strip() or None  # free text: compared and stored as typed
        if typed != getattr(page, name):
            values[name] = typed if name != "name" else (typed or "")
    for name in PROJECT_AMOUNT_FIELDS:
        amount, ok = int_or_none(getattr(form, name), AMOUNT)
        if not ok:
            errors[name] = local_error(request, "edits.error.amount")
        elif amount != getattr(page, name):
            values[name] = amount
    return ProjectChanges(**values), errors


@router.post("/projects/{project_id}/edit", response_class=HTMLResponse)
def save_project(
    *,
    request: Request,
    project_id: Id,
    engine: EngineDep,
    actor: ActorDep,
    name: Field_ = "",
    title: Field_ = "",
    summary: Field_ = "",
    field: Field_ = "",
    budget_thousand_yen: OptionalField = None,
    national_subsidy_thousand_yen: OptionalField = None,
    reason: Field_ = "",
    state: Field_ = "",
) -> Response:
    """Change the project's facts (only the fields that differ from what is saved), then back to the project.

    An amount not sent at all (its field disabled while the year is locked) keeps its saved value."""
    page = get_project_page(project_id, viewer=actor, engine=engine)
    budget = shown(page.budget_thousand_yen) if budget_thousand_yen is None else budget_thousand_yen
    subsidy = (
        shown(page.national_subsidy_thousand_yen)
        if national_subsidy_thousand_yen is None
        else national_subsidy_thousand_yen
    )
    form = ProjectForm(name, title, summary, field, budget, subsidy, reason, state[:100])
    changes, errors = _project_changes(request, form, page)
    if errors:
        edit = _load_edit(project_id, actor, engine)
        edit.form, edit.errors = form, errors
        return _edit_page(request, actor, edit, status=422)
    try:
        update_project(project_id, changes, actor=actor, reason=reason, expected_state=state, engine=engine)
    except ConflictError as exc:
        edit = _load_edit(project_id, actor, engine)
        if exc.code == "period_locked":
            edit.form = form
            return _edit_page(request, actor, _refused(edit, exc), status=409)
        latest = exc.details.get("state")
        edit.form = dataclasses.replace(form, state=latest if isinstance(latest, str) else edit.form.state)
        edit.message, edit.conflict = exc.message, True
        saved = _project_form(edit.project)
        edit.saved_values = {
            name: getattr(saved, name) for name in PROJECT_FIELDS if getattr(saved, name) != getattr(form, name)
        }
        return _edit_page(request, actor, edit, status=409)
    except ValidationError as exc:
        edit = _load_edit(project_id, actor, engine)
        edit.form, edit.errors, edit.message = form, service_errors(exc), exc.message
        return _edit_page(request, actor, edit, status=422)
    return RedirectResponse(f"/projects/{project_id}", status_code=303)


@router.post("/projects/{project_id}/edit/kpis/{kpi_id}", response_class=HTMLResponse)
def save_kpi_target(
    *,
    request: Request,
    project_id: Id,
    kpi_id: Id,
    engine: EngineDep,
    actor: ActorDep,
    text: Field_ = "",
    reason: Field_ = "",
    state: Field_ = "",
) -> Response:
    """Change one KPI's target as the plan writes it (``参加者数：250人以上``), then back to the project."""
    page = get_project_page(project_id, viewer=actor, engine=engine)
    if kpi_id not in {k.id for k in _target_kpis(page)}:
        raise NotFoundError(f"事業 {project_id} に目標を変更できる KPI {kpi_id} はありません")
    form = KpiForm(text, reason, state[:100])
    prefix = f"kpi-{kpi_id}-"
    errors = check_texts(request, {"reason": reason}, prefix)
    status, message = 422, None
    locked: ConflictError | None = None
    if not errors:
        try:
            update_kpi_target(kpi_id, text, actor=actor, reason=reason, expected_state=state, engine=engine)
        except ConflictError as exc:
            if exc.code == "period_locked":
                locked = exc
            latest = exc.details.get("state")
            form = dataclasses.replace(form, state=latest) if isinstance(latest, str) else form
            status, message = 409, exc.message
        except ValidationError as exc:
            errors, message = service_errors(exc, prefix, {"target": "text"}), exc.message
        else:
            return RedirectResponse(f"/projects/{project_id}", status_code=303)
    edit = _load_edit(project_id, actor, engine)
    edit.kpi_forms[kpi_id] = form
    edit.errors, edit.message, edit.conflict = errors, message, status == 409
    if locked is not None:
        edit = _refused(edit, locked)
    return _edit_page(request, actor, edit, status=status)
