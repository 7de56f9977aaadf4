"""Ingest in the browser: upload a plan document, review what was read, store it as a draft or discard it;
and a plan's revisions: the difference between any two, and publishing a draft revision.

The upload goes through :mod:`keikaku.services.exchange.uploads` (the same checks and parser as
``keikaku ingest``; nothing of the plan is stored before the reviewer says so).  Publishing a revision goes
through :func:`keikaku.services.publication.revisions.publish_plan`, the one entry for every channel: the page
lists what would be carried over and every item without a match, each to attach to a KPI or to leave behind.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from keikaku.api.deps import MAX_ID, ActorDep, EngineDep
from keikaku.api.routers.imports import read_upload
from keikaku.services.actuals.upload_safety import max_upload_mb_text
from keikaku.services.core.actors import Permission, is_admin, require
from keikaku.services.core.errors import ConflictError, PermissionDeniedError, ValidationError
from keikaku.services.exchange import uploads
from keikaku.services.plans.revisions import plan_revisions
from keikaku.services.publication.revisions import publish_plan, revision_carry_over
from keikaku.web.forms import Field_
from keikaku.web.render import render
from keikaku.web.routers.form_posts import see_other, submit

router = APIRouter(include_in_schema=False)


def _may_upload(actor: ActorDep) -> bool:
    return actor.can_anywhere(Permission.EDIT_PROJECT)


def _form(
    request: Request, actor: ActorDep, engine: EngineDep, *, message: str | None = None, status: int = 200
) -> HTMLResponse:
    if not _may_upload(actor):
        raise PermissionDeniedError("文書の取り込みは管理者と担当課の編集者だけが行えます", code="forbidden")
    context = {
        "uploads": uploads.list_uploads(actor, engine=engine),
        "message": message,
        "max_mb": max_upload_mb_text(),
    }
    return render(request, actor, "ingest_upload.html", context, status=status)


@router.get("/admin/ingest", response_class=HTMLResponse)
def ingest_form(request: Request, engine: EngineDep, actor: ActorDep) -> HTMLResponse:
    """The upload form and the newest uploads (administrators and department editors)."""
    return _form(request, actor, engine)


@router.post("/admin/ingest", response_class=HTMLResponse)
def ingest_upload(
    request: Request, engine: EngineDep, actor: ActorDep, file: Annotated[UploadFile | None, File()] = None
) -> Response:
    """Parse the uploaded document and open its review (nothing is stored); a file that cannot be read
    comes back with the same one-line reason as the command line."""

    def work() -> uploads.Upload:
        name, content = read_upload(file)
        return uploads.stage_upload(actor, name, content, engine=engine)

    return submit(
        work,
        lambda upload: see_other(f"/admin/ingest/{upload.id}"),
        lambda exc: _form(request, actor, engine, message=exc.message, status=exc.http_status),
    )


def _review(
    request: Request, actor: ActorDep, upload: uploads.Upload, *, message: str | None = None, status: int = 200
) -> HTMLResponse:
    return render(
        request, actor, "ingest_review.html", {"upload": upload, "r": upload.review, "message": message}, status=status
    )


@router.get("/admin/ingest/{upload_id}", response_class=HTMLResponse)
def ingest_review(request: Request, engine: EngineDep, actor: ActorDep, upload_id: str) -> HTMLResponse:
    """What was read from the document, its warnings, the difference from the plan it revises and what
    publishing it would carry over; with the buttons to store it as a draft or to discard it."""
    return _review(request, actor, uploads.get_upload(actor, upload_id, engine=engine))


@router.post("/admin/ingest/{upload_id}/store", response_class=HTMLResponse)
def ingest_store(request: Request, engine: EngineDep, actor: ActorDep, upload_id: str) -> Response:
    """Store the reviewed document as a draft revision and open the plan's revisions."""
    try:
        upload = uploads.store_upload(actor, upload_id, engine=engine)
    except ConflictError as exc:
        return _review(
            request, actor, uploads.get_upload(actor, upload_id, engine=engine), message=exc.message, status=409
        )
    target = f"/plans/{upload.plan_id}/revisions" if upload.plan_id else "/admin/ingest"
    return RedirectResponse(f"{target}?stored=1", status_code=303)


@router.post("/admin/ingest/{upload_id}/discard", response_class=HTMLResponse)
def ingest_discard(request: Request, engine: EngineDep, actor: ActorDep, upload_id: str) -> Response:
    """Discard the upload (its file is deleted; nothing was stored)."""
    try:
        uploads.discard_upload(actor, upload_id, engine=engine)
    except ConflictError as exc:
        return _review(
            request, actor, uploads.get_upload(actor, upload_id, engine=engine), message=exc.message, status=409
        )
    return RedirectResponse("/admin/ingest?discarded=1", status_code=303)


def _revisions_page(
    *,
    request: Request,
    actor: ActorDep,
    engine: EngineDep,
    plan_id: int,
    old: int | None,
    new: int | None,
    typed: dict[str, Any] | None = None,
    message: str | None = None,
    status: int = 200,
) -> HTMLResponse:
    require(actor, Permission.VIEW_DRAFT_PLANS)
    page = plan_revisions(plan_id, old=old, new=new, viewer=actor, engine=engine)
    carry = None
    if is_admin(actor) and page.draft_plan_id is not None:
        carry = revision_carry_over(page.draft_plan_id, actor=actor, engine=engine)
    context = {"page": page, "carry": carry, "typed": typed or {}, "message": message}
    return render(
        request, actor, "plan_revisions.html", context, status=status, json_url=f"/api/v1/plans/{plan_id}/revisions"
    )


@router.get("/plans/{plan_id}/revisions", response_class=HTMLResponse)
def revisions(
    *,
    request: Request,
    engine: EngineDep,
    actor: ActorDep,
    plan_id: int,
    old: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    new: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
) -> HTMLResponse:
    """The plan's revisions, labelled published or draft, and the difference between two of them (staff)."""
    return _revisions_page(request=request, actor=actor, engine=engine, plan_id=plan_id, old=old, new=new)


@router.post("/plans/{plan_id}/revisions/publish", response_class=HTMLResponse)
async def publish_revision_form(
    request: Request, engine: EngineDep, actor: ActorDep, plan_id: int, reason: Field_ = ""
) -> Response:
    """Publish a draft revision (administrators, with a reason); every unmatched item is attached to a KPI of
    the new revision (``attach-<old id>``) or left behind on purpose (``leave-<old id>``)."""
    form = await request.form()
    attach: dict[int, int] = {}
    leave: list[int] = []
    for key, value in form.multi_items():
        if key.startswith("attach-") and str(value).strip().isdigit() and key[7:].isdigit():
            attach[int(key[7:])] = int(str(value))
        elif key.startswith("leave-") and value == "yes" and key[6:].isdigit():
            leave.append(int(key[6:]))
    try:
        publish_plan(actor, plan_id, reason=reason or None, attach=attach, confirm_unmatched=leave, engine=engine)
    except ValidationError as exc:
        typed = {"reason": reason, "attach": attach, "leave": leave}
        return _revisions_page(
            request=request,
            actor=actor,
            engine=engine,
            plan_id=plan_id,
            old=None,
            new=None,
            typed=typed,
            message=exc.message,
            status=422,
        )
    return RedirectResponse(f"/plans/{plan_id}/revisions?published=1", status_code=303)
