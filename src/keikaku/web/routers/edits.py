"""Editing pages: a project's facts and its KPIs' targets, cooperative projects (協調事業), council comments,
and the administration pages (the audit trail, publication, fiscal-year locks).

Who may do what is decided by the services, never here: every page calls a service that checks the acting
user, and what a service refuses is its 403 page.  A form comes back with the user's input when a service
rejects it (422, messages beside the fields) or when the object changed after the form was shown (409, the
message and the new state token, so that sending the form again is a deliberate overwrite).  Saving
redirects (303) to the page that shows the result.
"""

from __future__ import annotations

import dataclasses
import json
import re
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Annotated, Any, BinaryIO, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response, StreamingResponse
from sqlalchemy import Engine

from keikaku.api.deps import (
    MAX_ID,
    MAX_YEAR,
    MIN_YEAR,
    ActorDep,
    EngineDep,
    FiscalYearQuery,
    Id,
    PageQuery,
    PerPageQuery,
)
from keikaku.normalize.text import normalize_text
from keikaku.services.actuals.periods import lock_period, period_status, reopen_period
from keikaku.services.core.actors import Actor, Permission, is_admin, require, require_admin
from keikaku.services.core.errors import ConflictError, NotFoundError, ValidationError
from keikaku.services.core.free_text import has_control_characters
from keikaku.services.core.paging import Paged
from keikaku.services.evaluations.publishing import evaluation_coverage, publish_evaluation_checked
from keikaku.services.governance.audit import AuditRecord, export_audit, list_audit
from keikaku.services.plans.edit import (
    CooperativeInput,
    CooperativePublic,
    ProjectChanges,
    add_cooperative_project,
    kpi_state,
    list_cooperative_projects,
    project_state,
    remove_cooperative_project,
    update_cooperative_project,
    update_kpi_target,
    update_project,
)
from keikaku.services.plans.project import KpiView, ProjectPage, get_project_page
from keikaku.services.plans.read import PlanPage, get_plan_page, list_plans
from keikaku.services.publication import state as publication
from keikaku.web.render import render, translator

router = APIRouter(include_in_schema=False)

Field_ = Annotated[str, Form()]
PlanField = Annotated[int, Form(ge=1, le=MAX_ID)]
TextQuery = Annotated[str | None, Query(max_length=200)]
ActorQuery = Annotated[str | None, Query(alias="actor", max_length=200)]

PROJECT_TEXT_FIELDS = ("name", "title", "summary", "field")
PROJECT_AMOUNT_FIELDS = ("budget_thousand_yen", "national_subsidy_thousand_yen")
PROJECT_FIELDS = PROJECT_TEXT_FIELDS + PROJECT_AMOUNT_FIELDS
_AMOUNT = re.compile(r"\d{1,13}", re.ASCII)
_CHALLENGE = re.compile(r"\d{1,2}", re.ASCII)
_YEAR = re.compile(r"\d{4}", re.ASCII)
#: Audit downloads: fixed names (nothing the user typed goes into a header).
AUDIT_FILES = {"csv": ("keikaku-audit.csv", "text/csv; charset=utf-8"), "xlsx": ("keikaku-audit.xlsx", None)}
XLSX_MEDIA = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_SPOOL = 8 * 1024 * 1024
_CHUNK = 64 * 1024


@dataclass(frozen=True)
class FieldError:
    """A message shown beside a field: a service's (Japanese) or one of this module's (the page's language)."""

    message: str
    lang: str = "ja"


Errors = dict[str, FieldError]


def _service_errors(exc: ValidationError, prefix: str = "", names: Mapping[str, str] | None = None) -> Errors:
    """A service's field errors, keyed by the ids of the fields on the page (``prefix`` + the form's name)."""
    fields = exc.details.get("fields")
    if not isinstance(fields, dict):
        return {}
    rename = names or {}
    return {f"{prefix}{rename.get(str(k), str(k))}": FieldError(str(v)) for k, v in fields.items()}


def _local_error(request: Request, key: str) -> FieldError:
    t = translator(request)
    return FieldError(t(key), t.lang)


def _check_texts(request: Request, values: Mapping[str, str], prefix: str = "") -> Errors:
    """Control characters in free text (no service field holds one; PostgreSQL cannot store NUL)."""
    return {
        f"{prefix}{name}": _local_error(request, "edits.error.control")
        for name, value in values.items()
        if has_control_characters(value)
    }


def _int_or_none(raw: str, pattern: re.Pattern[str]) -> tuple[int | None, bool]:
    """A number as people type it (``1,200``, ``１２００``): (value or None when empty, whether it was valid)."""
    text = normalize_text(raw).replace(",", "").replace(" ", "").strip()
    if not text:
        return None, True
    if not pattern.fullmatch(text):
        return None, False
    return int(text), True


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


def _shown(value: object) -> str:
    return "" if value is None else str(value)


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
    return ProjectEdit(page, kpis, dataclasses.replace(_project_form(page), state=state), kpi_forms)


def _project_form(page: ProjectPage) -> ProjectForm:
    """The project-facts form filled in with what is saved."""
    return ProjectForm(**{name: _shown(getattr(page, name)) for name in PROJECT_FIELDS})


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
    errors = _check_texts(request, {name: getattr(form, name) for name in PROJECT_TEXT_FIELDS})
    for name in PROJECT_TEXT_FIELDS:
        typed = normalize_text(getattr(form, name)).strip() or None
        if typed != getattr(page, name):
            values[name] = typed if name != "name" else (typed or "")
    for name in PROJECT_AMOUNT_FIELDS:
        amount, ok = _int_or_none(getattr(form, name), _AMOUNT)
        if not ok:
            errors[name] = _local_error(request, "edits.error.amount")
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
    budget_thousand_yen: Field_ = "",
    national_subsidy_thousand_yen: Field_ = "",
    reason: Field_ = "",
    state: Field_ = "",
) -> Response:
    """Change the project's facts (only the fields that differ from what is saved), then back to the project."""
    form = ProjectForm(
        name, title, summary, field, budget_thousand_yen, national_subsidy_thousand_yen, reason, state[:100]
    )
    page = get_project_page(project_id, viewer=actor, engine=engine)
    changes, errors = _project_changes(request, form, page)
    if errors:
        edit = _load_edit(project_id, actor, engine)
        edit.form, edit.errors = form, errors
        return _edit_page(request, actor, edit, status=422)
    try:
        update_project(project_id, changes, actor=actor, reason=reason, expected_state=state, engine=engine)
    except ConflictError as exc:
        edit = _load_edit(project_id, actor, engine)
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
        edit.form, edit.errors, edit.message = form, _service_errors(exc), exc.message
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
    errors = _check_texts(request, {"reason": reason}, prefix)
    status, message = 422, None
    if not errors:
        try:
            update_kpi_target(kpi_id, text, actor=actor, reason=reason, expected_state=state, engine=engine)
        except ConflictError as exc:
            latest = exc.details.get("state")
            form = dataclasses.replace(form, state=latest) if isinstance(latest, str) else form
            status, message = 409, exc.message
        except ValidationError as exc:
            errors, message = _service_errors(exc, prefix, {"target": "text"}), exc.message
        else:
            return RedirectResponse(f"/projects/{project_id}", status_code=303)
    edit = _load_edit(project_id, actor, engine)
    edit.kpi_forms[kpi_id] = form
    edit.errors, edit.message, edit.conflict = errors, message, status == 409
    return _edit_page(request, actor, edit, status=status)


# -- cooperative projects ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class CooperativeForm:
    """A cooperative-project form as typed."""

    name: str = ""
    member_government: str = ""
    challenge: str = ""
    field: str = ""
    reason: str = ""
    state: str = ""


def _coop_form(row: CooperativePublic) -> CooperativeForm:
    return CooperativeForm(row.name, row.member_government or "", _shown(row.challenge), row.field or "", "", row.state)


def _coop_input(request: Request, form: CooperativeForm, prefix: str) -> tuple[CooperativeInput | None, Errors]:
    texts = {"name": form.name, "member_government": form.member_government, "field": form.field}
    errors = _check_texts(request, {**texts, "reason": form.reason}, prefix)
    challenge, ok = _int_or_none(form.challenge, _CHALLENGE)
    if not ok:
        errors[f"{prefix}challenge"] = _local_error(request, "edits.error.challenge")
    if errors:
        return None, errors
    data = CooperativeInput(form.name, form.member_government, challenge=challenge, field=form.field or None)
    return data, {}


def _cooperative_page(
    request: Request,
    actor: Actor,
    plan_id: int,
    engine: Engine | None,
    *,
    forms: Mapping[int, CooperativeForm] | None = None,
    add_form: CooperativeForm | None = None,
    errors: Errors | None = None,
    message: str | None = None,
    open_row: int | None = None,
    status: int = 200,
) -> HTMLResponse:
    rows = list_cooperative_projects(plan_id, engine=engine)
    plan = get_plan_page(plan_id, per_page=1, viewer=actor, engine=engine).plan
    edit_forms = {row.id: _coop_form(row) for row in rows}
    edit_forms.update(forms or {})
    own = [] if is_admin(actor) else sorted(actor.departments)  # only for the hint: the service decides
    context = {
        "plan": plan,
        "rows": rows,
        "edit_forms": edit_forms,
        "manageable": {
            row.id
            for row in rows
            if actor.can(Permission.MANAGE_COOPERATIVE, departments=[row.member_government or ""])
        },
        "can_add": actor.can_anywhere(Permission.MANAGE_COOPERATIVE),
        "own_governments": own,
        "add_form": add_form or CooperativeForm(member_government=own[0] if len(own) == 1 else ""),
        "errors": errors or {},
        "error_message": message,
        "conflict": status == 409,
        "open_row": open_row,
    }
    json_url = f"/api/v1/plans/{plan_id}/cooperative-projects"
    return render(request, actor, "cooperative.html", context, status=status, json_url=json_url)


@router.get("/plans/{plan_id}/cooperative", response_class=HTMLResponse)
def cooperative(request: Request, plan_id: Id, engine: EngineDep, actor: ActorDep) -> HTMLResponse:
    """A plan's cooperative projects; forms to add, change and remove them for those who may."""
    return _cooperative_page(request, actor, plan_id, engine)


@router.post("/plans/{plan_id}/cooperative", response_class=HTMLResponse)
def add_cooperative(
    *,
    request: Request,
    plan_id: Id,
    engine: EngineDep,
    actor: ActorDep,
    name: Field_ = "",
    member_government: Field_ = "",
    challenge: Field_ = "",
    field: Field_ = "",
    reason: Field_ = "",
) -> Response:
    """Add a cooperative project to the plan (a contributor for their own member government)."""
    form = CooperativeForm(name, member_government, challenge, field, reason)
    data, errors = _coop_input(request, form, "add-")
    message = None
    if data is not None:
        try:
            row = add_cooperative_project(plan_id, data, actor=actor, reason=reason or None, engine=engine)
        except ValidationError as exc:
            errors, message = _service_errors(exc, "add-"), exc.message
        else:
            return RedirectResponse(f"/plans/{plan_id}/cooperative?saved={row.id}#coop-{row.id}", status_code=303)
    return _cooperative_page(request, actor, plan_id, engine, add_form=form, errors=errors, message=message, status=422)


def _owning_plan(plan_id: int, cooperative_id: int, engine: Engine | None) -> int:
    """The plan the form came from, if the cooperative project is in it (else 404): where to go back to."""
    if cooperative_id not in {row.id for row in list_cooperative_projects(plan_id, engine=engine)}:
        raise NotFoundError(f"計画 {plan_id} に協調事業 {cooperative_id} はありません")
    return plan_id


@router.post("/cooperative/{cooperative_id}", response_class=HTMLResponse)
def update_cooperative(
    *,
    request: Request,
    cooperative_id: Id,
    engine: EngineDep,
    actor: ActorDep,
    plan_id: PlanField,
    name: Field_ = "",
    member_government: Field_ = "",
    challenge: Field_ = "",
    field: Field_ = "",
    reason: Field_ = "",
    state: Field_ = "",
) -> Response:
    """Change a cooperative project (a contributor only their own government's, and cannot hand it over)."""
    plan = _owning_plan(plan_id, cooperative_id, engine)
    form = CooperativeForm(name, member_government, challenge, field, reason, state[:100])
    prefix = f"coop-{cooperative_id}-"
    data, errors = _coop_input(request, form, prefix)
    status, message = 422, None
    if data is not None:
        try:
            update_cooperative_project(
                cooperative_id, data, actor=actor, reason=reason, expected_state=state, engine=engine
            )
        except ConflictError as exc:
            latest = exc.details.get("state")
            form = dataclasses.replace(form, state=latest) if isinstance(latest, str) else form
            status, message = 409, exc.message
        except ValidationError as exc:
            errors, message = _service_errors(exc, prefix), exc.message
        else:
            return RedirectResponse(f"/plans/{plan}/cooperative?saved={cooperative_id}#coop-{cooperative_id}", 303)
    return _cooperative_page(
        request,
        actor,
        plan,
        engine,
        forms={cooperative_id: form},
        errors=errors,
        message=message,
        open_row=cooperative_id,
        status=status,
    )


@router.post("/cooperative/{cooperative_id}/remove", response_class=HTMLResponse)
def remove_cooperative(
    *,
    request: Request,
    cooperative_id: Id,
    engine: EngineDep,
    actor: ActorDep,
    plan_id: PlanField,
    reason: Field_ = "",
    state: Field_ = "",
) -> Response:
    """Remove a cooperative project (with a reason; its last state stays in the audit trail)."""
    plan = _owning_plan(plan_id, cooperative_id, engine)
    prefix = f"coop-{cooperative_id}-remove-"
    errors = _check_texts(request, {"reason": reason}, prefix)
    status, message = 422, None
    if not errors:
        try:
            remove_cooperative_project(
                cooperative_id, actor=actor, reason=reason, expected_state=state[:100], engine=engine
            )
        except ConflictError as exc:
            status, message = 409, exc.message
        except ValidationError as exc:
            errors, message = _service_errors(exc, prefix), exc.message
        else:
            return RedirectResponse(f"/plans/{plan}/cooperative?removed=1", status_code=303)
    return _cooperative_page(
        request, actor, plan, engine, errors=errors, message=message, open_row=cooperative_id, status=status
    )


# -- council comments ------------------------------------------------------------------------------------


def _plan_rows(page: PlanPage) -> list[tuple[int, str]]:
    """(id, label) of every project and component of the plan's table, for the comment form's choice."""
    out: list[tuple[int, str]] = []
    for row in page.rows.items:
        out.append((row.id, f"{row.code} {row.name}".strip()))
        out.extend((c.id, f"{row.code} {row.name} / {c.name}".strip()) for c in row.components)
    return out


def _comments_page(
    request: Request,
    actor: Actor,
    plan_id: int,
    fiscal_year: int | None,
    engine: Engine | None,
    *,
    body: str = "",
    project_id: str = "",
    errors: Errors | None = None,
    message: str | None = None,
    status: int = 200,
) -> HTMLResponse:
    page = get_plan_page(plan_id, per_page=100, viewer=actor, engine=engine)
    year = fiscal_year or page.plan.fiscal_year
    comments = publication.list_comments(actor, plan_id, year, engine=engine)
    rows = _plan_rows(page)
    context = {
        "plan": page.plan,
        "fiscal_year": year,
        "comments": comments,
        "project_names": dict(rows),
        "projects": rows,
        "can_comment": actor.can(Permission.COMMENT),
        "body": body,
        "project_id": project_id,
        "errors": errors or {},
        "error_message": message,
    }
    json_url = f"/api/v1/plans/{plan_id}/comments?fiscal_year={year}"
    return render(request, actor, "comments.html", context, status=status, json_url=json_url)


@router.get("/plans/{plan_id}/comments", response_class=HTMLResponse)
def comments(
    request: Request, plan_id: Id, engine: EngineDep, actor: ActorDep, fiscal_year: FiscalYearQuery = None
) -> HTMLResponse:
    """Council members' comments on the evaluation of a plan's year (never shown to the public)."""
    return _comments_page(request, actor, plan_id, fiscal_year, engine)


@router.post("/plans/{plan_id}/comments", response_class=HTMLResponse)
def add_comment(
    *,
    request: Request,
    plan_id: Id,
    engine: EngineDep,
    actor: ActorDep,
    fiscal_year: Field_ = "",
    body: Field_ = "",
    project_id: Field_ = "",
) -> Response:
    """Comment on the evaluation of the plan's year, or of one of its projects (council members, administrators)."""
    year, year_ok = _int_or_none(fiscal_year, _YEAR)
    project, project_ok = _int_or_none(project_id, re.compile(r"\d{1,10}", re.ASCII))
    errors = _check_texts(request, {"body": body})
    if not year_ok or year is None:
        errors["fiscal_year"] = _local_error(request, "edits.error.fiscal_year")
    if not project_ok:
        errors["project_id"] = _local_error(request, "edits.error.project")
    message = None
    if not errors and year is not None:
        try:
            made = publication.add_comment(actor, plan_id, year, body, project_id=project, engine=engine)
        except ValidationError as exc:
            errors["body"], message = FieldError(exc.message), exc.message
        else:
            return RedirectResponse(f"/plans/{plan_id}/comments?fiscal_year={year}#comment-{made.id}", 303)
    shown_year = year if year is not None and MIN_YEAR <= year <= MAX_YEAR else None
    return _comments_page(
        request,
        actor,
        plan_id,
        shown_year,
        engine,
        body=body,
        project_id=project_id,
        errors=errors,
        message=message,
        status=422,
    )


# -- administration: the audit trail ----------------------------------------------------------------------


@dataclass(frozen=True)
class AuditFilters:
    """The audit page's filters (empty: all)."""

    object_type: str | None = None
    object_id: str | None = None
    actor: str | None = None
    action: str | None = None

    def as_query(self) -> dict[str, str]:
        """The filters as query parameters (for the download links)."""
        return {k: v for k, v in dataclasses.asdict(self).items() if v}


@dataclass(frozen=True)
class AuditRow:
    """An entry of the trail as the page shows it: each changed field's value before and after, as text."""

    entry: AuditRecord
    changes: list[tuple[str, str, str]]


def _value_text(value: object) -> str:
    if value is None:
        return "—"
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, sort_keys=True)


def _audit_row(entry: AuditRecord) -> AuditRow:
    before, after = entry.before, entry.after
    if isinstance(before, dict) or isinstance(after, dict):
        old = before if isinstance(before, dict) else {}
        new = after if isinstance(after, dict) else {}
        keys = list(dict.fromkeys([*old, *new]))
        changes = [(str(k), _value_text(old.get(k)), _value_text(new.get(k))) for k in keys]
    elif before is None and after is None:
        changes = []
    else:
        changes = [("", _value_text(before), _value_text(after))]
    return AuditRow(entry, changes)


def _audit_filters(
    object_type: str | None, object_id: str | None, actor: str | None, action: str | None
) -> AuditFilters:
    def clean(value: str | None) -> str | None:
        return (normalize_text(value).strip() or None) if value else None

    return AuditFilters(clean(object_type), clean(object_id), clean(actor), clean(action))


@router.get("/admin/audit", response_class=HTMLResponse)
def audit_trail(
    *,
    request: Request,
    engine: EngineDep,
    actor: ActorDep,
    object_type: TextQuery = None,
    object_id: TextQuery = None,
    actor_name: ActorQuery = None,
    action: TextQuery = None,
    page: PageQuery = 1,
    per_page: PerPageQuery = 50,
) -> HTMLResponse:
    """The audit trail, newest first: filtered by object (the per-object view), actor or action, paged."""
    require_admin(actor, "監査記録の画面")
    filters = _audit_filters(object_type, object_id, actor_name, action)
    result = list_audit(
        actor,
        object_type=filters.object_type,
        object_id=filters.object_id,
        actor=filters.actor,
        action=filters.action,
        limit=per_page,
        offset=(page - 1) * per_page,
        engine=engine,
    )
    paged = Paged([_audit_row(entry) for entry in result.entries], result.total, page, per_page)
    query = {k: v for k, v in filters.as_query().items() if k != "action"}  # the export has no action filter
    context = {"paged": paged, "filters": filters, "download_query": urlencode(query)}
    return render(request, actor, "admin_audit.html", context, json_url="/api/v1/audit")


def _chunks(handle: BinaryIO) -> Iterator[bytes]:
    try:
        while chunk := handle.read(_CHUNK):
            yield chunk
    finally:
        handle.close()


def _audit_download(
    fmt: Literal["csv", "xlsx"], actor: Actor, engine: Engine | None, filters: AuditFilters
) -> StreamingResponse:
    require_admin(actor, "監査記録の書き出し")
    filename, media = AUDIT_FILES[fmt]
    spool = tempfile.SpooledTemporaryFile(max_size=_SPOOL)  # noqa: SIM115 - closed by the response's iterator
    try:
        export_audit(
            actor,
            fmt,
            spool,  # type: ignore[arg-type]  # a binary file object
            object_type=filters.object_type,
            object_id=filters.object_id,
            actor=filters.actor,
            engine=engine,
        )
        spool.seek(0)
    except BaseException:
        spool.close()
        raise
    headers = {
        "content-disposition": f'attachment; filename="{filename}"',
        "cache-control": "private, no-store",
    }
    return StreamingResponse(_chunks(spool), media_type=media or XLSX_MEDIA, headers=headers)  # type: ignore[arg-type]


@router.get("/admin/audit.csv")
def audit_csv(
    *,
    engine: EngineDep,
    actor: ActorDep,
    object_type: TextQuery = None,
    object_id: TextQuery = None,
    actor_name: ActorQuery = None,
) -> StreamingResponse:
    """The audit trail (filtered like the page) as CSV, UTF-8 with BOM, for auditors."""
    return _audit_download("csv", actor, engine, _audit_filters(object_type, object_id, actor_name, None))


@router.get("/admin/audit.xlsx")
def audit_xlsx(
    *,
    engine: EngineDep,
    actor: ActorDep,
    object_type: TextQuery = None,
    object_id: TextQuery = None,
    actor_name: ActorQuery = None,
) -> StreamingResponse:
    """The audit trail (filtered like the page) as an Excel workbook."""
    return _audit_download("xlsx", actor, engine, _audit_filters(object_type, object_id, actor_name, None))


# -- administration: publication --------------------------------------------------------------------------


def _admin_page(
    request: Request,
    actor: Actor,
    template: str,
    context: dict[str, Any],
    *,
    errors: Errors | None = None,
    message: str | None = None,
    status: int = 200,
) -> HTMLResponse:
    return render(
        request, actor, template, {**context, "errors": errors or {}, "error_message": message}, status=status
    )


def _publication_page(
    request: Request, actor: Actor, engine: Engine | None, *, typed: Mapping[str, str] | None = None, **extra: Any
) -> HTMLResponse:
    require_admin(actor, "公開の管理画面")
    states = publication.publication_states(actor=actor, engine=engine)
    plans = list_plans(per_page=100, viewer=actor, engine=engine).items
    context = {
        "plans": plans,
        "states": {(s.object_type, s.object_id, s.fiscal_year): s for s in states},
        # The guard shows each evaluation's coverage before the publish button (issue 15).
        "coverage": {p.id: evaluation_coverage(p.id, p.fiscal_year, actor=actor, engine=engine) for p in plans},
        "typed": typed or {},
    }
    return _admin_page(request, actor, "admin_publication.html", context, **extra)


@router.get("/admin/publication", response_class=HTMLResponse)
def publication_admin(request: Request, engine: EngineDep, actor: ActorDep) -> HTMLResponse:
    """Each plan and its evaluation: published or draft, with forms to publish and to withdraw."""
    return _publication_page(request, actor, engine)


@router.post("/admin/publication", response_class=HTMLResponse)
def change_publication(
    *,
    request: Request,
    engine: EngineDep,
    actor: ActorDep,
    plan_id: PlanField,
    target: Annotated[Literal["plan", "evaluation"], Form()],
    state: Annotated[Literal["published", "draft"], Form()],
    fiscal_year: Annotated[int, Form(ge=MIN_YEAR, le=MAX_YEAR)],
    reason: Field_ = "",
    confirm_incomplete: Field_ = "",
) -> Response:
    """Publish or withdraw a plan or its evaluation of a fiscal year (administrators; withdrawing needs a reason).

    Publishing an evaluation whose coverage is incomplete needs a reason and the confirmation box ticked.
    """
    key = f"{target}-{plan_id}-{fiscal_year}"
    errors = _check_texts(request, {"reason": reason}, f"{key}-")
    message = None
    if not errors:
        try:
            if target == "plan" and state == "published":
                publication.publish_plan(actor, plan_id, reason=reason or None, engine=engine)
            elif target == "plan":
                publication.unpublish_plan(actor, plan_id, reason=reason, engine=engine)
            elif state == "published":
                publish_evaluation_checked(
                    actor,
                    plan_id,
                    fiscal_year,
                    reason=reason,
                    confirm_incomplete=confirm_incomplete == "yes",
                    engine=engine,
                )
            else:
                publication.unpublish_evaluation(actor, plan_id, fiscal_year, reason=reason, engine=engine)
        except ValidationError as exc:
            field = "confirm" if exc.code == "coverage_confirmation_required" else "reason"
            errors, message = {f"{key}-{field}": FieldError(exc.message)}, exc.message
        else:
            return RedirectResponse(f"/admin/publication?done={state}#{key}", status_code=303)
    typed = {"key": key, "reason": reason}
    return _publication_page(request, actor, engine, typed=typed, errors=errors, message=message, status=422)


# -- administration: fiscal-year locks --------------------------------------------------------------------


def _periods_page(request: Request, actor: Actor, engine: Engine | None, **extra: Any) -> HTMLResponse:
    require_admin(actor, "年度の確定の管理画面")
    locks = period_status(engine=engine)
    whole = {lock.fiscal_year: lock for lock in locks if lock.plan_id is None}
    years = sorted(
        {p.fiscal_year for p in list_plans(per_page=100, viewer=actor, engine=engine).items} | set(whole), reverse=True
    )
    context = {"years": years, "whole": whole, "plan_locks": [lock for lock in locks if lock.plan_id is not None]}
    return _admin_page(request, actor, "admin_periods.html", context, **extra)


@router.get("/admin/periods", response_class=HTMLResponse)
def periods_admin(request: Request, engine: EngineDep, actor: ActorDep) -> HTMLResponse:
    """Each fiscal year: open or locked (by whom, when, why), with forms to lock it and to reopen it."""
    return _periods_page(request, actor, engine)


@router.post("/admin/periods", response_class=HTMLResponse)
def change_period(
    *,
    request: Request,
    engine: EngineDep,
    actor: ActorDep,
    action: Annotated[Literal["lock", "reopen"], Form()],
    fiscal_year: Annotated[int, Form(ge=MIN_YEAR, le=MAX_YEAR)],
    plan_id: Annotated[int | None, Form(ge=1, le=MAX_ID)] = None,
    reason: Field_ = "",
) -> Response:
    """Lock a fiscal year, or reopen a year (or one plan's year) with a reason (administrators)."""
    key = f"{action}-{fiscal_year}" + (f"-{plan_id}" if plan_id else "")
    errors = _check_texts(request, {"reason": reason}, f"{key}-")
    if errors:
        return _periods_page(request, actor, engine, errors=errors, status=422)
    try:
        if action == "lock":
            lock_period(actor, fiscal_year, plan_id=plan_id, reason=reason or None, engine=engine)
        else:
            reopen_period(actor, fiscal_year, reason, plan_id=plan_id, engine=engine)
    except ConflictError as exc:
        return _periods_page(request, actor, engine, message=exc.message, status=409)
    except ValidationError as exc:
        errors = {f"{key}-reason": FieldError(exc.message)}
        return _periods_page(request, actor, engine, errors=errors, message=exc.message, status=422)
    return RedirectResponse(f"/admin/periods?done={action}#year-{fiscal_year}", status_code=303)
