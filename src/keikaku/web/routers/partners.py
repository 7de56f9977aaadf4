"""Partner pages: the METI Kinki priorities with their links, one initiative, and curators' decisions."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from keikaku.api.deps import ActorDep, EngineDep, Id
from keikaku.services.context.partner_links import decide_link
from keikaku.services.context.partners import get_initiative_page, get_partner_priorities
from keikaku.web.render import local_path, render

router = APIRouter(include_in_schema=False)


@router.get("/partners", response_class=HTMLResponse)
def partners(request: Request, engine: EngineDep, actor: ActorDep) -> HTMLResponse:
    """Each initiative with the union projects and themes linked to it."""
    programmes = get_partner_priorities(viewer=actor, engine=engine)
    return render(request, actor, "partners.html", {"programmes": programmes}, json_url="/api/v1/partners")


@router.get("/partners/initiatives/{initiative_id}", response_class=HTMLResponse)
def initiative(request: Request, initiative_id: Id, engine: EngineDep, actor: ActorDep) -> HTMLResponse:
    """An initiative, its links and every decision about them."""
    result = get_initiative_page(initiative_id, viewer=actor, engine=engine)
    json_url = f"/api/v1/partners/initiatives/{initiative_id}"
    return render(request, actor, "initiative.html", {"page": result}, json_url=json_url)


@router.post("/partners/links/{link_id}")
def decide(
    *,
    link_id: Id,
    engine: EngineDep,
    actor: ActorDep,
    action: Annotated[str, Form()] = "",
    note: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "",
) -> RedirectResponse:
    """Confirm, remove or restore a link, then back to where the curator was."""
    result = decide_link(link_id, action, actor=actor, note=note, engine=engine)
    default = f"/partners/initiatives/{result.initiative_id}"
    return RedirectResponse(local_path(next, default), status_code=303)
