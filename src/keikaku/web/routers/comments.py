"""Council members' comments on a plan's evaluation.

How its forms behave (403, 422 with the input kept, 409 with the new state token, 303 after saving) is said
once, in :mod:`keikaku.web.forms`.
"""

from __future__ import annotations

import re

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import Engine

from keikaku.api.deps import (
    MAX_YEAR,
    MIN_YEAR,
    ActorDep,
    EngineDep,
    FiscalYearQuery,
    Id,
)
from keikaku.services.core.actors import Actor, Permission
from keikaku.services.core.errors import ValidationError
from keikaku.services.plans.read import PlanPage, get_plan_page
from keikaku.services.publication import state as publication
from keikaku.web.forms import (
    YEAR,
    Errors,
    Field_,
    FieldError,
    check_texts,
    int_or_none,
    local_error,
)
from keikaku.web.routers.form_posts import errors_page

router = APIRouter(include_in_schema=False)


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
    }
    json_url = f"/api/v1/plans/{plan_id}/comments?fiscal_year={year}"
    return errors_page(
        request, actor, "comments.html", context, errors=errors, message=message, status=status, json_url=json_url
    )


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
    year, year_ok = int_or_none(fiscal_year, YEAR)
    project, project_ok = int_or_none(project_id, re.compile(r"\d{1,10}", re.ASCII))
    errors = check_texts(request, {"body": body})
    if not year_ok or year is None:
        errors["fiscal_year"] = local_error(request, "edits.error.fiscal_year")
    if not project_ok:
        errors["project_id"] = local_error(request, "edits.error.project")
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
