"""``/api/v1/partners``: the partner agency's priorities and their links, and curators' decisions."""

from __future__ import annotations

from fastapi import APIRouter

from keikaku.api.deps import ActorDep, EngineDep, Id
from keikaku.api.responses import FORBIDDEN
from keikaku.api.schemas.partners import (
    InitiativePagePublic,
    LinkDecisionCreate,
    LinkDecisionPublic,
    PartnersPublic,
    ProgrammePublic,
)
from keikaku.services.context.partner_links import decide_link
from keikaku.services.context.partners import get_initiative_page, get_partner_priorities

router = APIRouter(tags=["連携"])


@router.get("/partners", response_model=PartnersPublic, summary="近畿経済産業局の重点施策と連携")
def partners(engine: EngineDep, actor: ActorDep) -> PartnersPublic:
    """Each initiative with the union projects and themes it is linked to."""
    programmes = [ProgrammePublic.model_validate(p) for p in get_partner_priorities(viewer=actor, engine=engine)]
    return PartnersPublic(programmes=programmes)


@router.get("/partners/initiatives/{initiative_id}", response_model=InitiativePagePublic, summary="重点施策")
def initiative(initiative_id: Id, engine: EngineDep, actor: ActorDep) -> InitiativePagePublic:
    """An initiative and its links with every decision about them."""
    return InitiativePagePublic.model_validate(get_initiative_page(initiative_id, viewer=actor, engine=engine))


@router.post(
    "/partners/links/{link_id}",
    response_model=LinkDecisionPublic,
    summary="連携を確認・削除する",
    responses=FORBIDDEN,
)
def decide(link_id: Id, body: LinkDecisionCreate, engine: EngineDep, actor: ActorDep) -> LinkDecisionPublic:
    """Confirm, remove or restore a suggested link (recorded with who and when)."""
    result = decide_link(link_id, body.action, actor=actor, note=body.note, engine=engine)
    return LinkDecisionPublic.model_validate(result)
