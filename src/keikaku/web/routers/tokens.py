"""The signed-in user's own API tokens: list them, create one (its secret shown once) and revoke one.

Through :mod:`keikaku.services.governance.api_tokens`, as ``keikaku token`` does; each change is audited there.
A visitor is sent to the login page.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from keikaku.api.deps import MAX_ID, ActorDep, EngineDep
from keikaku.services.core.actors import SCOPES, Actor, is_admin
from keikaku.services.core.errors import ServiceError
from keikaku.services.governance import api_tokens
from keikaku.web.forms import Field_
from keikaku.web.render import render

router = APIRouter(include_in_schema=False)


def _scopes(actor: Actor) -> list[str]:
    return [scope for scope in SCOPES if scope != "admin" or is_admin(actor)]


def _page(
    request: Request,
    actor: Actor,
    engine: EngineDep,
    *,
    created: api_tokens.NewApiToken | None = None,
    message: str | None = None,
    status: int = 200,
) -> HTMLResponse:
    tokens = api_tokens.list_api_tokens(actor=actor, username=actor.name, engine=engine)
    context = {"tokens": tokens, "scopes": _scopes(actor), "created": created, "message": message}
    return render(request, actor, "account_tokens.html", context, status=status)


@router.get("/account/tokens", response_class=HTMLResponse)
def tokens_page(request: Request, engine: EngineDep, actor: ActorDep) -> Response:
    """The user's API tokens, with the form to create one."""
    if actor.is_public:
        return RedirectResponse("/login?next=/account/tokens", status_code=303)
    return _page(request, actor, engine)


@router.post("/account/tokens", response_class=HTMLResponse)
async def create_token(request: Request, engine: EngineDep, actor: ActorDep, name: Field_ = "") -> Response:
    """Create a token for the user with the scopes ticked; the page shows its secret once."""
    if actor.is_public:
        return RedirectResponse("/login?next=/account/tokens", status_code=303)
    form = await request.form()
    scopes = [str(v) for v in form.getlist("scope")]
    expires = str(form.get("expires_days") or "").strip()
    try:
        created = api_tokens.create_api_token(
            actor.name,
            api_tokens.parse_scopes(scopes, [r.value for r in actor.roles]),
            actor=actor,
            name=name.strip() or None,
            expires_days=int(expires) if expires.isdigit() else None,
            engine=engine,
        )
    except ServiceError as exc:
        return _page(request, actor, engine, message=exc.message, status=exc.http_status)
    return _page(request, actor, engine, created=created, status=201)


@router.post("/account/tokens/{token_id}/revoke", response_class=HTMLResponse)
def revoke_token(
    request: Request, engine: EngineDep, actor: ActorDep, token_id: Annotated[int, Path(ge=1, le=MAX_ID)]
) -> Response:
    """Revoke one of the user's tokens (revoking twice changes nothing)."""
    if actor.is_public:
        return RedirectResponse("/login?next=/account/tokens", status_code=303)
    mine = {t.id for t in api_tokens.list_api_tokens(actor=actor, username=actor.name, engine=engine)}
    if token_id not in mine:
        return _page(request, actor, engine, message="このトークンは見つかりません", status=404)
    api_tokens.revoke_api_token(token_id, actor=actor, engine=engine)
    return RedirectResponse("/account/tokens?revoked=1", status_code=303)
