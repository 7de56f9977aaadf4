"""Local accounts: creating, changing, disabling users and resetting passwords; the actor a user acts as.

Accounts are managed by bureau administrators (産業振興企画課), on the web or with ``keikaku user …``;
the command line acts as the local administrator (:func:`local_admin`).  Accounts are disabled, never
deleted, so that the audit trail keeps pointing at someone.  Every change writes an audit record with the
account's state before and after (never its password hash).

Who a user acts as (:func:`actor_for_user`): an :class:`~keikaku.services.core.actors.Actor` named by the
username, with the account's roles and departments.  A member-government contributor's member
government is added to its departments, because cooperative projects are owned by a member government
the way projects are owned by departments (``Actor.can(..., departments=[project.member_government])``).

An API token acts as a :class:`ScopedActor`: the same actor, limited to the token's scopes.  Admin-only
operations ask :func:`is_admin`, which also asks for the ``admin`` scope.
"""

from __future__ import annotations

import datetime as dt
import getpass
import os
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session

from keikaku.normalize.text import normalize_text
from keikaku.services.core.actors import Actor, Role, is_admin, require_admin
from keikaku.services.core.db import ensure_schema
from keikaku.services.core.errors import ConflictError, NotFoundError, PermissionDeniedError, ValidationError
from keikaku.services.governance import audit
from keikaku.services.governance.audit_actions import AuditAction
from keikaku.services.governance.passwords import generate_password, hash_password
from keikaku.storage import models as m
from keikaku.storage.accounts import LoginSession, User
from keikaku.storage.base import as_utc
from keikaku.storage.platform import Institution
from keikaku.storage.uow import read_session, unit_of_work

USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._@-]{1,63}$")
#: Roles an account may hold (``public`` is the anonymous visitor, not an account).
ACCOUNT_ROLES = tuple(role for role in Role if role is not Role.PUBLIC)
_ROLE_VALUES = frozenset(role.value for role in Role)


@dataclass(frozen=True)
class AccountPublic:
    """An account as services hand it out: never the password hash."""

    id: int
    username: str
    display_name: str
    roles: tuple[Role, ...]
    departments: tuple[str, ...]
    member_government: str | None
    email: str | None
    disabled: bool
    must_change_password: bool
    created_at: dt.datetime
    password_changed_at: dt.datetime
    #: A coordinator's platform institution: its id and name.
    institution_id: int | None = None
    institution: str | None = None


@dataclass(frozen=True)
class UserCreate:
    """A new account.  ``password`` None: a one-time password is generated (and must be changed at login)."""

    username: str
    roles: Sequence[Role | str]
    departments: Sequence[str] = ()
    member_government: str | None = None
    display_name: str | None = None
    password: str | None = field(default=None, repr=False)
    email: str | None = None
    #: A coordinator's platform institution, by name.
    institution: str | None = None


@dataclass(frozen=True)
class AccountResult:
    """An account after a change; ``password`` is a generated one-time password to hand over (else None)."""

    user: AccountPublic
    password: str | None = field(default=None, repr=False)
    warnings: tuple[str, ...] = ()


def normalise_username(raw: str) -> str:
    """The canonical username: NFKC (full-width letters fold), trimmed, lower case; checked against the pattern."""
    name = unicodedata.normalize("NFKC", raw or "").strip().lower()
    if not USERNAME_RE.match(name):
        raise ValidationError(
            f"ユーザー名 {raw!r} は使えません（半角英小文字・数字で始まり、英数字と . _ @ - からなる 2〜64 文字）"
        )
    return name


def parse_roles(values: Iterable[Role | str]) -> list[Role]:
    """Role values checked and de-duplicated in a stable order; at least one, never ``public``."""
    roles: list[Role] = []
    for value in values:
        try:
            role = Role(str(value).strip())
        except ValueError:
            known = ", ".join(r.value for r in ACCOUNT_ROLES)
            raise ValidationError(f"役割 {value!r} は不明です（{known}）") from None
        if role is Role.PUBLIC:
            raise ValidationError("public は匿名の閲覧者の役割で、アカウントには付けられません")
        if role not in roles:
            roles.append(role)
    if not roles:
        raise ValidationError("役割を 1 つ以上指定してください")
    return sorted(roles, key=ACCOUNT_ROLES.index)


def _clean_names(values: Iterable[str]) -> list[str]:
    names: list[str] = []
    for value in values:
        name = normalize_text(value or "").strip()[:200]
        if name and name not in names:
            names.append(name)
    return names


def _clean_name(value: str | None) -> str | None:
    names = _clean_names([value or ""])
    return names[0] if names else None


_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def clean_email(value: str | None) -> str | None:
    """An e-mail address as typed (trimmed), None when empty; ValidationError when it is not one."""
    text = (value or "").strip()
    if not text:
        return None
    if len(text) > 320 or not _EMAIL.fullmatch(text):
        raise ValidationError(
            f"メールアドレスの形式ではありません（{text[:80]}）",
            details={"fields": {"email": "形式が正しくありません"}},
        )
    return text


def _check_assignment(
    roles: Sequence[Role], departments: Sequence[str], member_government: str | None, institution_id: int | None
) -> None:
    if Role.DEPARTMENT_EDITOR in roles and not departments:
        raise ValidationError("担当課の編集者には担当課（--department）を 1 つ以上指定してください")
    if Role.MEMBER_CONTRIBUTOR in roles and not member_government:
        raise ValidationError("構成団体の入力者には構成府県市（--member-government）を指定してください")
    if Role.COORDINATOR in roles and institution_id is None:
        raise ValidationError(
            "コーディネーターには所属機関（--institution）を指定してください",
            details={"fields": {"institution": "必須"}},
        )
    if Role.COORDINATOR not in roles and institution_id is not None:
        raise ValidationError(
            "所属機関はコーディネーターにだけ指定できます", details={"fields": {"institution": "コーディネーターのみ"}}
        )


def _institution_id(session: Session, name: str | None) -> int | None:
    """The id of the platform institution named ``name`` (None when empty), or a ValidationError."""
    wanted = normalize_text(name or "").strip()
    if not wanted:
        return None
    found = session.scalar(select(Institution.id).where(Institution.name == wanted))
    if found is None:
        raise ValidationError(
            f"機関「{wanted[:80]}」は共創プラットフォームに登録されていません",
            details={"fields": {"institution": "登録されていない機関"}},
        )
    return int(found)


def _department_warnings(session: Session, departments: Sequence[str]) -> tuple[str, ...]:
    if not departments:
        return ()
    known = set(session.scalars(select(m.Department.name).where(m.Department.name.in_(departments))))
    return tuple(
        f"担当課「{name}」はデータベースの計画に見当たりません（綴りを確認してください）"
        for name in departments
        if name not in known
    )


def get_user_row(session: Session, username: str) -> User:
    """The account row of ``username`` (normalised), or :class:`NotFoundError`."""
    name = unicodedata.normalize("NFKC", username or "").strip().lower()
    user = session.scalar(select(User).where(User.username == name))
    if user is None:
        raise NotFoundError(f"ユーザー {username!r} は登録されていません")
    return user


def public_user(user: User, session: Session | None = None) -> AccountPublic:
    """The public view of an account row (with ``session``, its institution's name too)."""
    roles = tuple(Role(r) for r in user.roles if r in _ROLE_VALUES)  # a role of a newer keikaku is ignored
    institution = None
    if session is not None and user.institution_id is not None:
        institution = session.scalar(select(Institution.name).where(Institution.id == user.institution_id))
    return AccountPublic(
        id=user.id,
        username=user.username,
        display_name=user.display_name,
        roles=roles,
        departments=tuple(user.departments or ()),
        member_government=user.member_government,
        email=user.email,
        disabled=bool(user.disabled),
        must_change_password=bool(user.must_change_password),
        created_at=as_utc(user.created_at),
        password_changed_at=as_utc(user.password_changed_at),
        institution_id=user.institution_id,
        institution=institution,
    )


def user_state(user: User) -> dict[str, Any]:
    """What the audit trail records of an account (everything but the password hash)."""
    return {
        "username": user.username,
        "display_name": user.display_name,
        "roles": list(user.roles or ()),
        "departments": list(user.departments or ()),
        "member_government": user.member_government,
        "institution_id": user.institution_id,
        "email": user.email,
        "disabled": bool(user.disabled),
        "must_change_password": bool(user.must_change_password),
    }


def actor_for_user(user: User | AccountPublic) -> Actor:
    """The actor an account acts as; a disabled account acts as nobody more than a public visitor."""
    if user.disabled:
        return Actor(name=user.username, roles=frozenset({Role.PUBLIC}))
    roles = frozenset(Role(r) for r in user.roles if r in _ROLE_VALUES)
    departments = set(user.departments or ())
    if Role.MEMBER_CONTRIBUTOR in roles and user.member_government:
        departments.add(user.member_government)
    return Actor(
        name=user.username,
        roles=roles or frozenset({Role.PUBLIC}),
        departments=frozenset(departments),
        institution_id=user.institution_id if Role.COORDINATOR in roles else None,
    )


def local_admin(environ: dict[str, str] | None = None) -> Actor:
    """The administrator at the keyboard of the command line: ``cli:<login name>`` with the bureau admin role.

    The login name comes from ``$USER`` (else ``$LOGNAME``, else the system's account name); the ``cli:``
    prefix keeps it apart from an account of the same name in the audit trail.
    """
    env = os.environ if environ is None else environ
    name = (env.get("USER") or env.get("LOGNAME") or "").strip()
    if not name:
        try:
            name = getpass.getuser()
        except (KeyError, OSError):
            name = "unknown"
    return Actor(name=f"cli:{name}"[:200], roles=frozenset({Role.BUREAU_ADMIN}))


def revoke_sessions(session: Session, user: User, *, keep_session_id: str | None = None) -> int:
    """Revoke every live session of ``user`` (except ``keep_session_id``) in the caller's transaction."""
    stmt = update(LoginSession).where(LoginSession.user_id == user.id, LoginSession.revoked_at.is_(None))
    if keep_session_id:
        stmt = stmt.where(LoginSession.id != keep_session_id)
    result = session.execute(stmt.values(revoked_at=dt.datetime.now(dt.UTC)))
    return int(getattr(result, "rowcount", 0) or 0)


def create_user(data: UserCreate, *, actor: Actor, engine: Engine | None = None) -> AccountResult:
    """Create an account (administrators only).  Returns the generated one-time password when none was given."""
    require_admin(actor, "アカウントの作成")
    username = normalise_username(data.username)
    roles = parse_roles(data.roles)
    departments = _clean_names(data.departments)
    member_government = _clean_name(data.member_government)
    display_name = (normalize_text(data.display_name or "").strip() or username)[:200]
    email = clean_email(data.email)
    generated = generate_password() if data.password is None else None
    password_hash = hash_password(data.password if data.password is not None else str(generated))
    with unit_of_work(ensure_schema(engine)) as session:
        institution_id = _institution_id(session, data.institution)
        _check_assignment(roles, departments, member_government, institution_id)
        if session.scalar(select(User.id).where(User.username == username)) is not None:
            raise ConflictError(f"ユーザー {username!r} は既に登録されています")
        now = dt.datetime.now(dt.UTC)
        user = User(
            username=username,
            display_name=display_name,
            password_hash=password_hash,
            roles=[r.value for r in roles],
            departments=departments,
            member_government=member_government,
            institution_id=institution_id,
            email=email,
            disabled=False,
            must_change_password=generated is not None,
            created_at=now,
            password_changed_at=now,
        )
        session.add(user)
        session.flush()
        audit.record(session, actor, AuditAction.USER_CREATE, "user", username, None, user_state(user))
        warnings = _department_warnings(session, departments)
        return AccountResult(user=public_user(user, session), password=generated, warnings=warnings)


def update_user(
    username: str,
    *,
    actor: Actor,
    display_name: str | None = None,
    roles: Sequence[Role | str] | None = None,
    departments: Sequence[str] | None = None,
    member_government: str | None = None,
    email: str | None = None,
    institution: str | None = None,
    reason: str | None = None,
    engine: Engine | None = None,
) -> AccountResult:
    """Change an account's name, roles, departments, member government, institution or e-mail (administrators
    only).

    None leaves a field as it is; ``member_government=""``, ``institution=""`` and ``email=""`` clear it.  Sessions stay valid: permissions
    are read from the account on every request.
    """
    require_admin(actor, "アカウントの変更")
    with unit_of_work(ensure_schema(engine)) as session:
        user = get_user_row(session, username)
        before = user_state(user)
        if display_name is not None:
            user.display_name = (normalize_text(display_name).strip() or user.username)[:200]
        if roles is not None:
            user.roles = [r.value for r in parse_roles(roles)]
        if departments is not None:
            user.departments = _clean_names(departments)
        if member_government is not None:
            user.member_government = _clean_name(member_government)
        if email is not None:
            user.email = clean_email(email)
        if institution is not None:
            user.institution_id = _institution_id(session, institution)
        roles_now = [Role(r) for r in user.roles]
        _check_assignment(roles_now, user.departments, user.member_government, user.institution_id)
        old, new = audit.changed(before, user_state(user))
        if new:
            audit.record(session, actor, AuditAction.USER_UPDATE, "user", user.username, old, new, reason)
        warnings = _department_warnings(session, user.departments)
        return AccountResult(user=public_user(user, session), warnings=warnings)


def _set_disabled(
    username: str, disabled: bool, actor: Actor, reason: str | None, engine: Engine | None
) -> AccountPublic:
    with unit_of_work(ensure_schema(engine)) as session:
        user = get_user_row(session, username)
        if disabled and user.username == actor.name:
            raise ConflictError("自分自身のアカウントは無効にできません")
        if bool(user.disabled) == disabled:
            return public_user(user, session)
        before = user_state(user)
        user.disabled = disabled
        after: dict[str, Any] = user_state(user)
        if disabled:
            after["sessions_revoked"] = revoke_sessions(session, user)
        action = AuditAction.USER_DISABLE if disabled else AuditAction.USER_ENABLE
        audit.record(session, actor, action, "user", user.username, before, after, reason)
        return public_user(user, session)


def disable_user(
    username: str, *, actor: Actor, reason: str | None = None, engine: Engine | None = None
) -> AccountPublic:
    """Disable an account (administrators only): its sessions end, its logins and API tokens are refused."""
    require_admin(actor, "アカウントの無効化")
    return _set_disabled(username, True, actor, reason, engine)


def enable_user(
    username: str, *, actor: Actor, reason: str | None = None, engine: Engine | None = None
) -> AccountPublic:
    """Enable a disabled account again (administrators only)."""
    require_admin(actor, "アカウントの有効化")
    return _set_disabled(username, False, actor, reason, engine)


def reset_password(
    username: str,
    *,
    actor: Actor,
    password: str | None = None,
    reason: str | None = None,
    engine: Engine | None = None,
) -> AccountResult:
    """Set a new password for an account (administrators only) and end its sessions.

    Without ``password`` a one-time password is generated and returned, and the user must change it at
    the next login.
    """
    require_admin(actor, "パスワードの再設定")
    generated = generate_password() if password is None else None
    password_hash = hash_password(password if password is not None else str(generated))
    with unit_of_work(ensure_schema(engine)) as session:
        user = get_user_row(session, username)
        before = user_state(user)
        user.password_hash = password_hash
        user.password_changed_at = dt.datetime.now(dt.UTC)
        user.must_change_password = generated is not None
        after = {**user_state(user), "password": "reset", "sessions_revoked": revoke_sessions(session, user)}
        audit.record(session, actor, AuditAction.USER_RESET_PASSWORD, "user", user.username, before, after, reason)
        return AccountResult(user=public_user(user, session), password=generated)


def ensure_admin(username: str = "admin", *, actor: Actor, engine: Engine | None = None) -> AccountResult | None:
    """Create a first bureau administrator with a one-time password when no active one exists.

    Returns the new account (with its password, to be shown once), or None when an active bureau
    administrator already exists: a new installation gets a way in, an existing one is left alone.
    """
    require_admin(actor, "管理者アカウントの用意")
    with read_session(ensure_schema(engine)) as session:
        users = session.scalars(select(User).where(User.disabled.is_(False))).all()
        if any(Role.BUREAU_ADMIN.value in (user.roles or ()) for user in users):
            return None
    return create_user(UserCreate(username, [Role.BUREAU_ADMIN], display_name="管理者"), actor=actor, engine=engine)


def list_users(*, actor: Actor, engine: Engine | None = None) -> list[AccountPublic]:
    """Every account, by username (administrators only)."""
    require_admin(actor, "アカウントの一覧")
    with read_session(ensure_schema(engine)) as session:
        return [public_user(u, session) for u in session.scalars(select(User).order_by(User.username))]


def get_user(username: str, *, actor: Actor, engine: Engine | None = None) -> AccountPublic:
    """One account: an administrator may see any, a user their own."""
    with read_session(ensure_schema(engine)) as session:
        user = get_user_row(session, username)
        if not is_admin(actor) and actor.name != user.username:
            raise PermissionDeniedError("他のユーザーの情報は見られません")
        return public_user(user, session)
