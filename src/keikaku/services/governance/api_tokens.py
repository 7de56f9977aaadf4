"""API tokens: created with scopes, shown once, stored only as a prefix and a SHA-256 hash.

A token looks like ``kk_`` followed by 43 random URL-safe characters.  :func:`verify_api_token` turns one
into a :class:`~keikaku.services.core.actors.ScopedActor`: the account's actor, limited to the token's scopes
(``read``, ``actuals:write``, ``links:write``, ``plans:write``, ``comments:write``, ``admin``; see
:data:`keikaku.services.core.actors.SCOPES`).  A token of a disabled account, an expired or a revoked token
is refused.  Creating and revoking tokens writes audit records; using one only updates ``last_used_at``
(at most once a minute).
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from keikaku.normalize.text import normalize_text
from keikaku.services.core.actors import SCOPES, Actor, Role, ScopedActor, is_admin
from keikaku.services.core.db import ensure_schema, resolve_engine
from keikaku.services.core.errors import NotFoundError, PermissionDeniedError, ValidationError
from keikaku.services.governance import audit
from keikaku.services.governance.accounts import actor_for_user, get_user_row
from keikaku.services.governance.audit_actions import AuditAction
from keikaku.services.governance.sessions import AuthenticationError, hash_token
from keikaku.storage.accounts import ApiToken, User
from keikaku.storage.base import as_utc
from keikaku.storage.uow import read_session, unit_of_work

TOKEN_PREFIX = "kk_"
PREFIX_LENGTH = 11  # "kk_" and 8 random characters: enough to tell tokens apart in a list
MAX_EXPIRY_DAYS = 3650
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)
INVALID_TOKEN = "API トークンが無効です（期限切れ・失効・アカウント無効のいずれか）"


@dataclass(frozen=True)
class ApiTokenPublic:
    """An API token as listed: never the token itself."""

    id: int
    username: str
    name: str | None
    prefix: str
    scopes: tuple[str, ...]
    created_at: dt.datetime
    created_by: str
    expires_at: dt.datetime | None
    revoked_at: dt.datetime | None
    last_used_at: dt.datetime | None

    @property
    def active(self) -> bool:
        """Neither revoked nor expired."""
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > dt.datetime.now(dt.UTC))


@dataclass(frozen=True)
class NewApiToken:
    """A created token: ``token`` is shown once and cannot be recovered later."""

    token: str = field(repr=False)
    info: ApiTokenPublic


def _public(row: ApiToken, username: str) -> ApiTokenPublic:
    return ApiTokenPublic(
        id=row.id,
        username=username,
        name=row.name,
        prefix=row.prefix,
        scopes=tuple(row.scopes or ()),
        created_at=as_utc(row.created_at) or dt.datetime.now(dt.UTC),
        created_by=row.created_by,
        expires_at=as_utc(row.expires_at),
        revoked_at=as_utc(row.revoked_at),
        last_used_at=as_utc(row.last_used_at),
    )


def parse_scopes(values: Iterable[str], roles: Iterable[str]) -> list[str]:
    """Scopes checked against :data:`SCOPES`; ``admin`` only for an account with the bureau admin role."""
    scopes: list[str] = []
    for value in values:
        scope = value.strip().lower()
        if scope not in SCOPES:
            raise ValidationError(f"スコープ {value!r} は不明です（{', '.join(SCOPES)}）")
        if scope not in scopes:
            scopes.append(scope)
    if not scopes:
        raise ValidationError("スコープを 1 つ以上指定してください（例: read）")
    if "admin" in scopes and Role.BUREAU_ADMIN.value not in set(roles):
        raise ValidationError("admin スコープは管理者のアカウントにだけ付けられます")
    return scopes


def create_api_token(
    username: str,
    scopes: Iterable[str],
    *,
    actor: Actor,
    name: str | None = None,
    expires_days: int | None = None,
    engine: Engine | None = None,
) -> NewApiToken:
    """Create an API token for ``username`` and return it once.

    Administrators may create tokens for anyone; a user for themselves, without the ``admin`` scope.
    ``expires_days`` None: the token does not expire (until revoked).
    """
    if expires_days is not None and not 1 <= expires_days <= MAX_EXPIRY_DAYS:
        raise ValidationError(f"有効期間は 1〜{MAX_EXPIRY_DAYS} 日で指定してください")
    with unit_of_work(ensure_schema(engine)) as session:
        user = get_user_row(session, username)
        if not is_admin(actor) and actor.name != user.username:
            raise PermissionDeniedError("他のユーザーの API トークンは作れません")
        if user.disabled:
            raise ValidationError(f"ユーザー {user.username!r} は無効になっています")
        checked = parse_scopes(scopes, user.roles)
        if "admin" in checked and not is_admin(actor):
            raise PermissionDeniedError("admin スコープのトークンは管理者だけが作れます")
        label = normalize_text(name or "").strip()[:200] or None
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        now = dt.datetime.now(dt.UTC)
        row = ApiToken(
            user_id=user.id,
            name=label,
            prefix=token[:PREFIX_LENGTH],
            token_hash=hash_token(token),
            scopes=checked,
            created_at=now,
            created_by=actor.recorded_name,
            expires_at=now + dt.timedelta(days=expires_days) if expires_days else None,
        )
        session.add(row)
        session.flush()
        info = _public(row, user.username)
        after = {"user": user.username, "name": row.name, "prefix": row.prefix, "scopes": checked}
        audit.record(
            session, actor, AuditAction.TOKEN_CREATE, "api_token", row.id, None, {**after, "expires_at": row.expires_at}
        )
        return NewApiToken(token=token, info=info)


def _find(session: Session, token_ref: int | str) -> tuple[ApiToken, User]:
    stmt = select(ApiToken, User).join(User, User.id == ApiToken.user_id)
    ref = str(token_ref).strip()
    stmt = stmt.where(ApiToken.id == int(ref)) if ref.isdigit() else stmt.where(ApiToken.prefix == ref[:PREFIX_LENGTH])
    found = session.execute(stmt).all()
    if not found:
        raise NotFoundError(f"API トークン {token_ref!r} は見つかりません")
    if len(found) > 1:
        raise ValidationError(f"API トークン {token_ref!r} に当てはまるものが複数あります。ID で指定してください")
    token, user = found[0]
    return token, user


def revoke_api_token(
    token_ref: int | str, *, actor: Actor, reason: str | None = None, engine: Engine | None = None
) -> ApiTokenPublic:
    """Revoke a token given by id or prefix: an administrator any, a user their own.  Revoking twice is a no-op."""
    with unit_of_work(ensure_schema(engine)) as session:
        row, user = _find(session, token_ref)
        if not is_admin(actor) and actor.name != user.username:
            raise PermissionDeniedError("他のユーザーの API トークンは失効できません")
        if row.revoked_at is None:
            row.revoked_at = dt.datetime.now(dt.UTC)
            audit.record(
                session,
                actor,
                AuditAction.TOKEN_REVOKE,
                "api_token",
                row.id,
                {"revoked": False},
                {"revoked": True, "user": user.username, "prefix": row.prefix},
                reason,
            )
        return _public(row, user.username)


def list_api_tokens(*, actor: Actor, username: str | None = None, engine: Engine | None = None) -> list[ApiTokenPublic]:
    """Tokens, newest first: an administrator sees all (or one user's), a user their own."""
    with read_session(ensure_schema(engine)) as session:
        stmt = select(ApiToken, User).join(User, User.id == ApiToken.user_id).order_by(ApiToken.id.desc())
        if not is_admin(actor):
            if username is not None and username != actor.name:
                raise PermissionDeniedError("他のユーザーの API トークンは見られません")
            username = actor.name
        if username is not None:
            stmt = stmt.where(User.id == get_user_row(session, username).id)
        return [_public(row, user.username) for row, user in session.execute(stmt)]


def verify_api_token(token: str | None, *, engine: Engine | None = None) -> ScopedActor:
    """The actor an API token acts as, or :class:`AuthenticationError` when the token is not valid.

    Cheap enough for every request (no schema check; a write at most once a minute per token).
    """
    if not token or not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        raise AuthenticationError(INVALID_TOKEN)
    now = dt.datetime.now(dt.UTC)
    with unit_of_work(resolve_engine(engine)) as session:
        found = session.execute(
            select(ApiToken, User)
            .join(User, User.id == ApiToken.user_id)
            .where(ApiToken.token_hash == hash_token(token))
        ).first()
        if found is None:
            raise AuthenticationError(INVALID_TOKEN)
        row, user = found
        expires_at = as_utc(row.expires_at)
        if row.revoked_at is not None or user.disabled or (expires_at is not None and expires_at <= now):
            raise AuthenticationError(INVALID_TOKEN)
        last_used = as_utc(row.last_used_at)
        if last_used is None or now - last_used >= LAST_USED_RESOLUTION:
            row.last_used_at = now
        base = actor_for_user(user)
        return ScopedActor(
            name=base.name, roles=base.roles, departments=base.departments, scopes=frozenset(row.scopes or ())
        )
