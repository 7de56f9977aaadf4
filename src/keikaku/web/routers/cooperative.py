"""Member governments' cooperative projects (協調事業) of a plan: the list with its add, change and remove forms.

How its forms behave (403, 422 with the input kept, 409 with the new state token, 303 after saving) is said
once, in :mod:`keikaku.web.forms`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import Engine

from keikaku.api.deps import (
    ActorDep,
    EngineDep,
    Id,
)
from keikaku.services.core.actors import Actor, Permission, is_admin
from keikaku.services.core.errors import ConflictError, NotFoundError, ValidationError
from keikaku.services.plans.cooperative import (
    CooperativeInput,
    CooperativePublic,
    add_cooperative_project,
    list_cooperative_projects,
    remove_cooperative_project,
    update_cooperative_project,
)
from keikaku.services.plans.read import get_plan_page
from keikaku.web.forms import (
    CHALLENGE,
    Errors,
    Field_,
    PlanField,
    check_texts,
    int_or_none,
    local_error,
    service_errors,
    shown,
)
from keikaku.web.routers.form_posts import errors_page

router = APIRouter(include_in_schema=False)


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
    return CooperativeForm(row.name, row.member_government or "", shown(row.challenge), row.field or "", "", row.state)


def _coop_input(request: Request, form: CooperativeForm, prefix: str) -> tuple[CooperativeInput | None, Errors]:
    texts = {"name": form.name, "member_government": form.member_government, "field": form.field}
    errors = check_texts(request, {**texts, "reason": form.reason}, prefix)
    challenge, ok = int_or_none(form.challenge, CHALLENGE)
    if not ok:
        errors[f"{prefix}challenge"] = local_error(request, "edits.error.challenge")
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
    rows = list_cooperative_projects(plan_id, viewer=actor, engine=engine)
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
        "conflict": status == 409,
        "open_row": open_row,
    }
    json_url = f"/api/v1/plans/{plan_id}/cooperative-projects"
    return errors_page(
        request, actor, "cooperative.html", context, errors=errors, message=message, status=status, json_url=json_url
    )


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
            errors, message = service_errors(exc, "add-"), exc.message
        else:
            return RedirectResponse(f"/plans/{plan_id}/cooperative?saved={row.id}#coop-{row.id}", status_code=303)
    return _cooperative_page(request, actor, plan_id, engine, add_form=form, errors=errors, message=message, status=422)


def _owning_plan(plan_id: int, cooperative_id: int, actor: Actor, engine: Engine | None) -> int:
    """The plan the form came from, if the cooperative project is in it (else 404): where to go back to."""
    if cooperative_id not in {row.id for row in list_cooperative_projects(plan_id, viewer=actor, engine=engine)}:
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
    plan = _owning_plan(plan_id, cooperative_id, actor, engine)
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
            errors, message = service_errors(exc, prefix), exc.message
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
    plan = _owning_plan(plan_id, cooperative_id, actor, engine)
    prefix = f"coop-{cooperative_id}-remove-"
    errors = check_texts(request, {"reason": reason}, prefix)
    status, message = 422, None
    if not errors:
        try:
            remove_cooperative_project(
                cooperative_id, actor=actor, reason=reason, expected_state=state[:100], engine=engine
            )
        except ConflictError as exc:
            status, message = 409, exc.message
        except ValidationError as exc:
            errors, message = service_errors(exc, prefix), exc.message
        else:
            return RedirectResponse(f"/plans/{plan}/cooperative?removed=1", status_code=303)
    return _cooperative_page(
        request, actor, plan, engine, errors=errors, message=message, open_row=cooperative_id, status=status
    )
