"""Who a web or API request acts as, and the CSRF check of every state-changing request.

A request is authenticated, in this order, by:

1. ``Authorization: Bearer kk_…`` — an API token (:func:`keikaku.services.governance.api_tokens.verify_api_token`); the
   request acts as the token's user limited to its scopes.  An invalid token is 401, never a fallback.
2. The session cookie :data:`SESSION_COOKIE` set at login (HttpOnly, SameSite=Lax, Secure when the request
   came over HTTPS); an unknown, expired or revoked session is simply no session.
3. Otherwise the app's anonymous actor (:attr:`WebSettings.actor`, the public visitor).

An account still on its one-time password may do nothing but change it: a session may open only
:data:`PASSWORD_CHANGE_PATHS` (pages elsewhere redirect to ``/account``, the API answers 403
``password_change_required``).  An API token is not a sign-in: an administrator issued it on purpose
(integration accounts never sign in), so it is not held back by the one-time password.

CSRF: every POST, PUT, PATCH and DELETE that is not authenticated by a bearer token must carry a token made
from the session's secret (or, before login, from the secret kept in the :data:`CSRF_COOKIE` cookie) in the
form field :data:`CSRF_FIELD` or the header ``X-CSRF-Token``.  A bearer token is not sent by browsers on
their own, so it needs none.  Failures are 403 with code ``csrf_failed``, before any route runs.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from fastapi import Request, Response
from starlette.concurrency import run_in_threadpool

from keikaku.services.core.actors import Actor
from keikaku.services.core.errors import PasswordChangeRequiredError, PermissionDeniedError
from keikaku.services.governance import sessions
from keikaku.services.governance.api_tokens import verify_api_token
from keikaku.services.governance.sessions import SessionInfo

SESSION_COOKIE = "keikaku_session"
CSRF_COOKIE = "keikaku_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
#: What a session whose one-time password is not changed yet may still open: the change form, signing out.
PASSWORD_CHANGE_PATHS = frozenset({"/account", "/account/password", "/logout", "/login"})
PASSWORD_CHANGE_REQUIRED = (
    "初回のサインインです。仮のパスワードを変更するまで他の操作はできません（/account で変更してください）"
)
_SECRET_LENGTH = 64
#: The nonce of the tokens put in pages: fixed, so a page is byte-identical while the session lasts (ETags).
#: Responses are never compressed, so a stable token gives nothing to compression side channels.
PAGE_NONCE = "page"
#: Where FastAPI keeps the exit stack that closes a request's forms when the response is sent.
FORM_STACK = "fastapi_middleware_astack"


@dataclass
class RequestAuth:
    """The outcome of authenticating one request (cached on ``request.state.auth``)."""

    actor: Actor
    session: SessionInfo | None = None
    session_token: str | None = field(default=None, repr=False)
    bearer: bool = False
    #: The pre-login CSRF secret: from the cookie, or a new one to set (``new_csrf_cookie``).
    cookie_secret: str | None = field(default=None, repr=False)
    new_csrf_cookie: bool = False

    @property
    def csrf_secret(self) -> str:
        """The secret this request's CSRF tokens are made from (created for the pre-login cookie if needed)."""
        if self.session is not None:
            return self.session.csrf_secret
        if not self.cookie_secret:
            self.cookie_secret = sessions.new_csrf_secret()
            self.new_csrf_cookie = True
        return self.cookie_secret


def is_https(request: Request) -> bool:
    """Whether the request came over HTTPS (behind a proxy: uvicorn's ``--proxy-headers`` sets the scheme)."""
    return request.url.scheme == "https"


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" else None


def _authenticate(request: Request) -> RequestAuth:
    engine = request.app.state.settings.engine
    cookie_secret = request.cookies.get(CSRF_COOKIE)
    if cookie_secret is not None and (len(cookie_secret) != _SECRET_LENGTH or not cookie_secret.isalnum()):
        cookie_secret = None
    bearer = _bearer(request)
    if bearer is not None:
        return RequestAuth(actor=verify_api_token(bearer, engine=engine), bearer=True)
    token = request.cookies.get(SESSION_COOKIE)
    info = sessions.get_session(token, engine=engine) if token else None
    if info is not None:
        return RequestAuth(actor=info.actor, session=info, session_token=token, cookie_secret=cookie_secret)
    return RequestAuth(actor=request.app.state.settings.actor, session_token=token, cookie_secret=cookie_secret)


def request_auth(request: Request) -> RequestAuth:
    """The request's authentication, worked out once (a sync dependency: FastAPI runs it in a thread)."""
    cached = getattr(request.state, "auth", None)
    if isinstance(cached, RequestAuth):
        return cached
    auth = _authenticate(request)
    request.state.auth = auth
    return auth


async def request_auth_async(request: Request) -> RequestAuth:
    """:func:`request_auth` from the event loop: in a worker thread only when it must read the database (an
    API token, a session cookie); a visitor without either is the anonymous actor at once, without the
    round trip to the thread pool (a public page under load spends more waiting for a thread than working)."""
    cached = getattr(request.state, "auth", None)
    if isinstance(cached, RequestAuth):
        return cached
    if _bearer(request) is None and not request.cookies.get(SESSION_COOKIE):
        return request_auth(request)
    return await run_in_threadpool(request_auth, request)


async def authenticate_request(request: Request) -> None:
    """App-wide dependency: authenticate every request (an invalid API token is 401 on any route), and refuse
    a state-changing request without a valid CSRF token (see the module).

    A plain function, not a generator: FastAPI wraps a generator dependency in an exit stack of its own on
    every request, a twentieth of a small page's time.  A form read here to find the token is closed when the
    request ends (its uploaded parts are temporary files), also on routes whose own body is not a form: its
    closing goes on the exit stack FastAPI closes the request's forms with.
    """
    auth = await request_auth_async(request)
    if (
        auth.session is not None
        and auth.session.user.must_change_password
        and request.url.path not in PASSWORD_CHANGE_PATHS
        and not request.url.path.startswith("/lang/")
    ):
        # Pages redirect to the change form (keikaku.web.errors); the API answers 403 with this code.
        raise PasswordChangeRequiredError(PASSWORD_CHANGE_REQUIRED)
    if request.method not in UNSAFE_METHODS or auth.bearer:
        return
    token = request.headers.get(CSRF_HEADER)
    if token is None:
        content_type = request.headers.get("content-type", "")
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            form = await request.form()
            request.scope[FORM_STACK].push_async_callback(form.close)
            value = form.get(CSRF_FIELD)
            token = value if isinstance(value, str) else None
    secret = auth.session.csrf_secret if auth.session is not None else auth.cookie_secret
    if not secret or not sessions.check_csrf(secret, token):
        raise PermissionDeniedError(
            "フォームの確認用トークンがないか、期限が切れています。ページを読み込み直してからもう一度送信してください",
            code="csrf_failed",
        )


def csrf_token(request: Request) -> str:
    """A CSRF token for a form on the page being rendered for ``request``."""
    return sessions.csrf_token(request_auth(request).csrf_secret, PAGE_NONCE)


def set_cookie(request: Request, response: Response, name: str, value: str, *, max_age: int | None = None) -> None:
    """Set one of keikaku's cookies: HttpOnly, SameSite=Lax, path /, Secure over HTTPS."""
    response.set_cookie(name, value, max_age=max_age, path="/", httponly=True, samesite="lax", secure=is_https(request))


def finish_response(request: Request, response: Response) -> None:
    """Add what authentication needs to a rendered page: the pre-login CSRF cookie.  (No shared caching of a
    signed-in user's responses is set for pages and JSON alike by the web middleware.)"""
    auth = getattr(request.state, "auth", None)
    if not isinstance(auth, RequestAuth):
        return
    if auth.new_csrf_cookie and auth.cookie_secret:
        set_cookie(request, response, CSRF_COOKIE, auth.cookie_secret)
        auth.new_csrf_cookie = False
