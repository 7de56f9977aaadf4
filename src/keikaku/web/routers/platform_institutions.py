"""The staff pages of the platform's member institutions: the list with each one's fee rule and counts and
the form adding one; an institution with its equipment entries (paged, withdrawn ones marked) and seeds, the
form adding a seed, and its equipment list imported in two steps — upload and preview (what would be added,
updated and withdrawn, and every error), then 取り込む on the same bytes kept on the server.

Who may is the services' to decide (:mod:`keikaku.services.platform.institutions`,
:mod:`keikaku.services.platform.equipment_uploads`); what a service refuses is its 403 page.  A rejected form
comes back with the service's Japanese message linked to its field (422) and nothing stored.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Request, UploadFile
from fastapi.responses import HTMLResponse, Response

from keikaku.api.deps import ActorDep, EngineDep, Id, PageQuery
from keikaku.api.routers.imports import read_upload
from keikaku.services.actuals.upload_safety import max_upload_bytes
from keikaku.services.core.actors import Actor
from keikaku.services.core.errors import ConflictError, ServiceError, ValidationError
from keikaku.services.platform.common import CHOICES
from keikaku.services.platform.equipment_uploads import (
    EquipmentUpload,
    commit_equipment,
    get_equipment_upload,
    require_labsearch,
    stage_equipment,
)
from keikaku.services.platform.institutions import (
    can_manage_labsearch,
    create_institution,
    get_institution,
    list_institutions,
)
from keikaku.services.platform.matching import SeedForm, add_seed
from keikaku.web.routers.form_posts import form_page, see_other, submit
from keikaku.web.routers.platform_cases import LongText, Text

router = APIRouter(include_in_schema=False)

PER_PAGE = 50
FACTORS = ("own", "union", "other")


def _list_page(
    request: Request,
    actor: Actor,
    engine: Any,
    *,
    form: dict[str, str] | None = None,
    error: ServiceError | None = None,
) -> HTMLResponse:
    context = {
        "institutions": list_institutions(actor=actor, engine=engine),
        "can_add": can_manage_labsearch(actor),
        "kinds": CHOICES["institution_kinds"],
        "factors": FACTORS,
        "form": form or {},
    }
    return form_page(request, actor, "platform_institutions.html", context, error)


@router.get("/platform/institutions", response_class=HTMLResponse)
def institutions_page(*, request: Request, engine: EngineDep, actor: ActorDep) -> HTMLResponse:
    """The member institutions with their fee rules and counts; the form adding one (JSON twin:
    ``/api/v1/platform/institutions``)."""
    return _list_page(request, actor, engine)


@router.post("/platform/institutions", response_class=HTMLResponse)
def institution_add(
    *,
    request: Request,
    engine: EngineDep,
    actor: ActorDep,
    name: Text = "",
    prefecture: Text = "",
    kind: Text = "",
    contact: Text = "",
    fee_own: Text = "",
    fee_union: Text = "",
    fee_other: Text = "",
) -> Response:
    """Add a member institution with its fee rule; then its page."""
    factors: dict[str, str | float | None] = {"own": fee_own, "union": fee_union, "other": fee_other}

    def again(exc: ServiceError) -> HTMLResponse:
        typed = {"name": name, "prefecture": prefecture, "kind": kind, "contact": contact}
        typed.update({f"fee_{k}": v for k, v in (("own", fee_own), ("union", fee_union), ("other", fee_other))})
        return _list_page(request, actor, engine, form=typed, error=exc)

    return submit(
        lambda: create_institution(name, prefecture, kind, contact, factors, actor=actor, engine=engine),
        lambda institution_id: see_other(f"/platform/institutions/{institution_id}"),
        again,
        shown=(ValidationError,),
    )


def _institution_page(
    request: Request,
    actor: Actor,
    engine: Any,
    institution_id: int,
    page: int = 1,
    *,
    form: dict[str, str] | None = None,
    error: ServiceError | None = None,
) -> HTMLResponse:
    found = get_institution(institution_id, actor=actor, page=page, per_page=PER_PAGE, engine=engine)
    total = found.institution.equipment_active + found.institution.equipment_withdrawn
    context = {
        "found": found,
        "institution": found.institution,
        "paged": {"page": found.page, "pages": found.pages, "total": total},
        "can_import": can_manage_labsearch(actor),
        "seed_kinds": CHOICES["seed_kinds"],
        "phases": CHOICES["phases"],
        "max_mb": max_upload_bytes() // (1024 * 1024),
        "form": form or {},
    }
    return form_page(request, actor, "platform_institution.html", context, error)


@router.get("/platform/institutions/{institution_id}", response_class=HTMLResponse)
def institution_page(
    *, institution_id: Id, request: Request, engine: EngineDep, actor: ActorDep, page: PageQuery = 1
) -> HTMLResponse:
    """An institution: its equipment entries (paged, withdrawn ones marked), its seeds, the import and seed forms."""
    return _institution_page(request, actor, engine, institution_id, page)


@router.post("/platform/institutions/{institution_id}/imports", response_class=HTMLResponse)
def equipment_upload(
    *,
    institution_id: Id,
    request: Request,
    engine: EngineDep,
    actor: ActorDep,
    file: Annotated[UploadFile | None, File()] = None,
) -> Response:
    """Upload an equipment list (checked by the upload safety) and see its preview; nothing is imported yet."""
    require_labsearch(actor)

    def work() -> EquipmentUpload:
        name, content = read_upload(file)
        return stage_equipment(institution_id, name, content, actor=actor, engine=engine)

    return submit(
        work,
        lambda upload: see_other(f"/platform/institutions/{institution_id}/imports/{upload.id}"),
        lambda exc: _institution_page(request, actor, engine, institution_id, error=exc),
        shown=(ValidationError,),
    )


def _upload_page(
    request: Request,
    actor: Actor,
    engine: Any,
    institution_id: int,
    upload_id: str,
    *,
    error: ServiceError | None = None,
) -> HTMLResponse:
    context = {
        "upload": get_equipment_upload(institution_id, upload_id, actor=actor, engine=engine),
        "institution": get_institution(institution_id, actor=actor, per_page=1, engine=engine).institution,
    }
    return form_page(request, actor, "platform_equipment_upload.html", context, error)


@router.get("/platform/institutions/{institution_id}/imports/{upload_id}", response_class=HTMLResponse)
def equipment_preview(
    *, institution_id: Id, upload_id: str, request: Request, engine: EngineDep, actor: ActorDep
) -> HTMLResponse:
    """An uploaded equipment list's preview (what would be added, updated, withdrawn; every error), or, once
    imported, what was."""
    return _upload_page(request, actor, engine, institution_id, upload_id)


@router.post("/platform/institutions/{institution_id}/imports/{upload_id}/commit", response_class=HTMLResponse)
def equipment_commit(
    *, institution_id: Id, upload_id: str, request: Request, engine: EngineDep, actor: ActorDep
) -> Response:
    """Import the uploaded list kept on the server (one transaction, audited); a list with errors, one already
    imported, or one whose preview no longer holds is refused on the preview page."""
    return submit(
        lambda: commit_equipment(institution_id, upload_id, actor=actor, engine=engine),
        lambda _done: see_other(f"/platform/institutions/{institution_id}/imports/{upload_id}"),
        lambda exc: _upload_page(request, actor, engine, institution_id, upload_id, error=exc),
        shown=(ValidationError, ConflictError),  # shown on the preview, with its status (422, 409)
    )


@router.post("/platform/institutions/{institution_id}/seeds", response_class=HTMLResponse)
def seed_add(
    *,
    institution_id: Id,
    request: Request,
    engine: EngineDep,
    actor: ActorDep,
    kind: Text = "",
    title: Text = "",
    description: LongText = "",
    field: Text = "",
    phase: Text = "",
) -> Response:
    """Add a seed of the institution; then the seed's page (with the needs ranked for it)."""
    typed = {"kind": kind, "title": title, "description": description, "field": field, "phase": phase}
    return submit(
        lambda: add_seed(SeedForm(institution_id, kind, title, description, field, phase), actor=actor, engine=engine),
        lambda seed_id: see_other(f"/platform/seeds/{seed_id}"),
        lambda exc: _institution_page(request, actor, engine, institution_id, form=typed, error=exc),
        shown=(ValidationError,),
    )
