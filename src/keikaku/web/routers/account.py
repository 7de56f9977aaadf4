"""Logging in and out, and the user's own account page (with the password change).

The login form is checked against the pre-login CSRF cookie like every other form.  A login always opens a
new session and revokes the one the browser came with (no session fixation); the cookie is HttpOnly,
SameSite=Lax and Secure over HTTPS.  Wrong credentials give the same message whether or not the username
exists; too many failures give 429 with ``Retry-After``.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from keikaku.api.auth import CSRF_COOKIE, SESSION_COOKIE, RequestAuth, request_auth, set_cookie
from keikaku.api.deps import EngineDep
from keikaku.services.core.errors import ServiceError
from keikaku.services.governance import sessions
from keikaku.web.render import local_path, render

router = APIRouter(include_in_schema=False)

AuthDep = Annotated[RequestAuth, Depends(request_auth)]
Text = Annotated[str, Form(max_length=1000)]
NextQuery = Annotated[str, Query(max_length=2000)]


def _client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _login_page(
    request: Request,
    auth: RequestAuth,
    *,
    next_path: str,
    username: str = "",
    message: str | None = None,
    status: int = 200,
) -> HTMLResponse:
    context = {"next": next_path, "username": username, "message": message}
    return render(request, auth.actor, "login.html", context, status=status)


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, auth: AuthDep, next: NextQuery = "/") -> Response:
    """The login form (a logged-in user goes straight on)."""
    target = local_path(next, "/")
    if auth.session is not None:
        return RedirectResponse(target, status_code=303)
    return _login_page(request, auth, next_path=target)


@router.post("/login", response_class=HTMLResponse)
async def login(
    request: Request, engine: EngineDep, username: Text = "", password: Text = "", next: Text = "/"
) -> Response:
    """Check the credentials; on success set a new session cookie and go on to ``next``."""
    auth = await run_in_threadpool(request_auth, request)
    target = local_path(next, "/")
    try:
        result = await run_in_threadpool(
            sessions.login,
            username,
            password,
            ip=_client_ip(request),
            previous_token=auth.session_token,
            engine=engine,
        )
    except ServiceError as exc:
        page = _login_page(
            request, auth, next_path=target, username=username[:200], message=exc.message, status=exc.http_status
        )
        retry_after = exc.details.get("retry_after")
        if retry_after is not None:
            page.headers["retry-after"] = str(retry_after)
        return page
    if result.session.user.must_change_password:
        target = "/account"
    response: Response = RedirectResponse(target, status_code=303)
    lifetime = int((result.session.expires_at - result.session.created_at).total_seconds())
    set_cookie(request, response, SESSION_COOKIE, result.token, max_age=lifetime)
    response.delete_cookie(CSRF_COOKIE, path="/")
    return response


@router.post("/logout")
async def logout(request: Request, engine: EngineDep) -> Response:
    """End the session and go to the top page."""
    auth = await run_in_threadpool(request_auth, request)
    await run_in_threadpool(sessions.logout, auth.session_token, engine=engine)
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


def _account_page(
    request: Request, auth: RequestAuth, *, message: str | None = None, ok: bool = False, status: int = 200
) -> HTMLResponse:
    return render(request, auth.actor, "account.html", {"message": message, "ok": ok}, status=status)


@router.get("/account", response_class=HTMLResponse)
def account(request: Request, auth: AuthDep) -> Response:
    """The logged-in user's account: name, roles, departments and the password change form."""
    if auth.session is None:
        return RedirectResponse("/login?next=/account", status_code=303)
    return _account_page(request, auth)


@router.post("/account/password", response_class=HTMLResponse)
async def change_password(
    request: Request, engine: EngineDep, current_password: Text = "", new_password: Text = ""
) -> Response:
    """Change the logged-in user's password; the user's other sessions end."""
    auth = await run_in_threadpool(request_auth, request)
    if auth.session is None:
        return RedirectResponse("/login?next=/account", status_code=303)
    try:
        await run_in_threadpool(
            sessions.change_password,
            auth.session.user.username,
            current_password,
            new_password,
            ip=_client_ip(request),
            keep_session_token=auth.session_token,
            engine=engine,
        )
    except ServiceError as exc:
        return _account_page(request, auth, message=exc.message, status=exc.http_status)
    fresh = await run_in_threadpool(sessions.get_session, auth.session_token, engine=engine)
    if fresh is not None:
        auth.session = fresh
    return _account_page(request, auth, message=None, ok=True)
