"""User accounts in the browser (administrators only): list, create, change, disable and enable, reset password.

Every change goes through :mod:`keikaku.services.governance.accounts`, which checks the administrator and
writes the audit record; this module only reads the forms and shows the result.  A generated one-time
password is shown once, on the page that answers the creation or the reset, and never again.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import Engine

from keikaku.api.deps import ActorDep, EngineDep
from keikaku.services.core.actors import Actor, require_admin
from keikaku.services.core.errors import ConflictError, ServiceError, ValidationError
from keikaku.services.core.free_text import has_control_characters
from keikaku.services.governance import accounts
from keikaku.services.platform.interviews import institutions
from keikaku.web.routers.form_posts import errors_page, see_other, submit

router = APIRouter(include_in_schema=False)

Field_ = Annotated[str, Form(max_length=2000)]
Roles = Annotated[list[str], Form(max_length=10)]
Username = Annotated[str, Path(min_length=2, max_length=64, pattern=r"^[a-z0-9][a-z0-9._@-]{1,63}$")]
CONTROLS_REFUSED = "制御文字は入力できません"
T = TypeVar("T")
_SPLIT = re.compile(r"[\n\r,、，]+")


def split_names(raw: str) -> list[str]:
    """Departments as typed: one a line, or separated by 、 or commas."""
    return [part.strip() for part in _SPLIT.split(raw or "") if part.strip()]


def _page(
    request: Request,
    actor: Actor,
    engine: Engine | None,
    template: str,
    context: dict[str, Any],
    *,
    message: str | None = None,
    status: int = 200,
    json_url: str | None = None,
) -> HTMLResponse:
    require_admin(actor, "アカウントの管理画面")
    values = {"roles": accounts.ACCOUNT_ROLES, "institutions": institutions(engine=engine), **context}
    return errors_page(request, actor, template, values, message=message, status=status, json_url=json_url)


def _list_page(request: Request, actor: Actor, engine: Engine | None, **extra: Any) -> HTMLResponse:
    require_admin(actor, "アカウントの管理画面")
    typed = extra.pop("typed", {})
    context = {"users": accounts.list_users(actor=actor, engine=engine), "typed": typed, **extra.pop("context", {})}
    return _page(request, actor, engine, "admin_users.html", context, **extra, json_url="/api/v1/users")


@router.get("/admin/users", response_class=HTMLResponse)
def users(request: Request, engine: EngineDep, actor: ActorDep) -> HTMLResponse:
    """Every account with its roles, departments and state, and the form to add one."""
    return _list_page(request, actor, engine)


@router.post("/admin/users", response_class=HTMLResponse)
def create(
    *,
    request: Request,
    engine: EngineDep,
    actor: ActorDep,
    username: Field_ = "",
    display_name: Field_ = "",
    roles: Roles = [],  # noqa: B006 - FastAPI copies form defaults
    departments: Field_ = "",
    member_government: Field_ = "",
    institution: Field_ = "",
    email: Field_ = "",
) -> Response:
    """Create an account with a one-time password, shown once on the answer."""
    typed = {
        "username": username,
        "display_name": display_name,
        "roles": roles,
        "departments": departments,
        "member_government": member_government,
        "institution": institution,
        "email": email,
    }
    if any(has_control_characters(v) for v in typed.values() if isinstance(v, str)):
        return _list_page(request, actor, engine, typed=typed, message=CONTROLS_REFUSED, status=422)
    data = accounts.UserCreate(
        username,
        roles,
        departments=split_names(departments),
        member_government=member_government or None,
        display_name=display_name or None,
        email=email or None,
        institution=institution or None,
    )

    def done(result: accounts.AccountResult) -> HTMLResponse:
        context = {"created": result.user, "password": result.password, "warnings": result.warnings}
        return _list_page(request, actor, engine, context=context, status=201)

    return submit(
        lambda: accounts.create_user(data, actor=actor, engine=engine),
        done,
        lambda exc: _list_page(request, actor, engine, typed=typed, message=exc.message, status=exc.http_status),
        shown=(ValidationError, ConflictError),
    )


def _user_page(request: Request, actor: Actor, engine: Engine | None, username: str, **extra: Any) -> HTMLResponse:
    require_admin(actor, "アカウントの管理画面")
    user = accounts.get_user(username, actor=actor, engine=engine)
    context = {"user_": user, "password": None, "warnings": (), "done": None, **extra.pop("context", {})}
    url = f"/api/v1/users/{user.username}"
    return _page(request, actor, engine, "admin_user.html", context, **extra, json_url=url)


def _account_form(
    request: Request,
    actor: Actor,
    engine: Engine | None,
    username: str,
    *,
    texts: Iterable[str],
    work: Callable[[], T],
    done: Callable[[T], Response],
    shown: tuple[type[ServiceError], ...] = (ValidationError, ConflictError),
) -> Response:
    """A form of an account's page: refused (422) when ``texts`` hold a control character, else ``done(work())``;
    a rejected or conflicting change shows the page again with the service's reason."""
    if any(has_control_characters(v) for v in texts):
        return _user_page(request, actor, engine, username, message=CONTROLS_REFUSED, status=422)
    return submit(
        work,
        done,
        lambda exc: _user_page(request, actor, engine, username, message=exc.message, status=exc.http_status),
        shown=shown,
    )


@router.get("/admin/users/{username}", response_class=HTMLResponse)
def user(request: Request, username: Username, engine: EngineDep, actor: ActorDep) -> HTMLResponse:
    """One account: change its roles, departments and member government; disable, enable, reset the password."""
    return _user_page(request, actor, engine, username)


@router.post("/admin/users/{username}", response_class=HTMLResponse)
def update(
    *,
    request: Request,
    username: Username,
    engine: EngineDep,
    actor: ActorDep,
    display_name: Field_ = "",
    roles: Roles = [],  # noqa: B006 - FastAPI copies form defaults
    departments: Field_ = "",
    member_government: Field_ = "",
    institution: Field_ = "",
    email: Field_ = "",
    reason: Field_ = "",
) -> Response:
    """Change the account's name, roles, departments, member government, institution and e-mail (audited with
    the reason)."""

    def work() -> accounts.AccountResult:
        return accounts.update_user(
            username,
            actor=actor,
            display_name=display_name or None,
            roles=roles,
            departments=split_names(departments),
            member_government=member_government,
            email=email,
            institution=institution,
            reason=reason or None,
            engine=engine,
        )

    def done(result: accounts.AccountResult) -> Response:
        if result.warnings:
            context = {"warnings": result.warnings, "done": "updated"}
            return _user_page(request, actor, engine, username, context=context)
        return see_other(f"/admin/users/{username}?done=updated")

    texts = (display_name, departments, member_government, institution, email, reason)
    return _account_form(request, actor, engine, username, texts=texts, work=work, done=done)


@router.post("/admin/users/{username}/state", response_class=HTMLResponse)
def change_state(
    *,
    request: Request,
    username: Username,
    engine: EngineDep,
    actor: ActorDep,
    action: Annotated[str, Form(pattern="^(disable|enable)$")],
    reason: Field_ = "",
) -> Response:
    """Disable the account (its sessions end at once) or enable it again."""
    change = accounts.disable_user if action == "disable" else accounts.enable_user

    def work() -> accounts.AccountPublic:
        return change(username, actor=actor, reason=reason or None, engine=engine)

    def done(_user: accounts.AccountPublic) -> Response:
        return see_other(f"/admin/users/{username}?done={action}d")

    return _account_form(request, actor, engine, username, texts=(reason,), work=work, done=done)


@router.post("/admin/users/{username}/password", response_class=HTMLResponse)
def reset(*, request: Request, username: Username, engine: EngineDep, actor: ActorDep, reason: Field_ = "") -> Response:
    """Give the account a new one-time password (shown once); its sessions end."""

    def work() -> accounts.AccountResult:
        return accounts.reset_password(username, actor=actor, reason=reason or None, engine=engine)

    def done(result: accounts.AccountResult) -> Response:
        return _user_page(request, actor, engine, username, context={"password": result.password, "done": "reset"})

    # shown=(): a service's refusal of a reset is its error page, as before
    return _account_form(request, actor, engine, username, texts=(reason,), work=work, done=done, shown=())
