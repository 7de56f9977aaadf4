"""The language switch: remembers the choice in a cookie and goes back to the page."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query
from fastapi.responses import RedirectResponse

from keikaku.web.i18n import COOKIE
from keikaku.web.render import local_path

router = APIRouter(include_in_schema=False)


@router.get("/lang/{code}")
def switch(
    code: Annotated[str, Path(pattern="^(ja|en)$")],
    next: Annotated[str, Query(max_length=2000)] = "/",
) -> RedirectResponse:
    """Set the language and return to ``next`` (a path on this site)."""
    response = RedirectResponse(local_path(next, "/"), status_code=303)
    response.set_cookie(COOKIE, code, max_age=365 * 24 * 3600, samesite="lax", httponly=True)
    return response
