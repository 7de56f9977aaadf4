"""Logging in and out: password checks with rate limiting, sessions, and CSRF tokens.

* :func:`login` refuses a username after 5 failures in 15 minutes and an address after 20, before it looks
  at the password, with a message in Japanese; every attempt is recorded in ``login_attempts``.  An unknown
  username costs the same argon2 verification as a known one.
* A login always creates a new session with a fresh random token and revokes the one the browser came
  with, so a session id planted before login is never adopted (session fixation).  Only the SHA-256 of
  the token is stored.  Sessions expire after :data:`SESSION_LIFETIME`.
* Each session has its own CSRF secret; :func:`csrf_token_for` makes a masked token from it (a new one per
  form is fine) and :func:`verify_csrf` checks one in constant time.  Forms shown before login (the login
  form itself) use :func:`new_csrf_secret` / :func:`csrf_token` / :func:`check_csrf` with a secret kept
  in a cookie.
* Logins, logouts and password changes write audit records.

:func:`get_session` only reads and skips the schema check, so the web can call it on every request.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
import unicodedata
from dataclasses import dataclass, field

from sqlalchemy import Engine, func, select, text, update
from sqlalchemy.orm import Session

from keikaku.services.core.actors import Actor
from keikaku.services.core.db import resolve_engine
from keikaku.services.core.errors import ServiceError, ValidationError
from keikaku.services.governance import audit, passwords
from keikaku.services.governance.accounts import (
    AccountPublic,
    actor_for_user,
    public_user,
    revoke_sessions,
    user_state,
)
from keikaku.services.governance.audit_actions import AuditAction
from keikaku.storage.accounts import LoginAttempt, LoginSession, User
from keikaku.storage.base import as_utc
from keikaku.storage.uow import read_session, unit_of_work

SESSION_LIFETIME = dt.timedelta(hours=12)
LOGIN_WINDOW = dt.timedelta(minutes=15)
MAX_FAILURES_PER_USERNAME = 5
MAX_FAILURES_PER_IP = 20
FAILED_OUTCOMES = ("bad_password", "unknown_user", "disabled")
#: First keys of the PostgreSQL advisory locks that serialise login attempts by username and by address.
USERNAME_LOCK_CLASS, IP_LOCK_CLASS = 0x6B6C, 0x6B6D
BAD_CREDENTIALS = "ユーザー名またはパスワードが正しくありません"
MAX_TOKEN_LENGTH = 200


class AuthenticationError(ServiceError):
    """The credentials, session or token presented do not identify an active account."""

    code = "unauthenticated"
    http_status = 401


class RateLimitedError(ServiceError):
    """Too many failed logins; ``details['retry_after']`` is the number of seconds to wait."""

    code = "rate_limited"
    http_status = 429


@dataclass(frozen=True)
class SessionInfo:
    """A live login session: whose it is, the actor to act as, and its CSRF secret."""

    id: str
    user: AccountPublic
    actor: Actor
    created_at: dt.datetime
    expires_at: dt.datetime
    csrf_secret: str = field(repr=False)


@dataclass(frozen=True)
class LoginResult:
    """The token to put in the session cookie (shown once, never stored) and the session it opens."""

    token: str = field(repr=False)
    session: SessionInfo


# -- CSRF --------------------------------------------------------------------------------------------


def new_csrf_secret() -> str:
    """A fresh random CSRF secret (for a session, or for a pre-login cookie)."""
    return secrets.token_hex(32)


def _csrf_mac(secret: str, nonce: str) -> str:
    return hmac.new(secret.encode(), f"csrf:{nonce}".encode(), hashlib.sha256).hexdigest()


def csrf_token(secret: str, nonce: str | None = None) -> str:
    """A CSRF token for a form: a nonce and its HMAC under ``secret``.

    Without ``nonce`` a random one is taken (the token differs on every call); the web passes a fixed one so
    that a page's token, and so its ETag, stays the same for the life of the session.
    """
    nonce = nonce or secrets.token_hex(16)
    return f"{nonce}.{_csrf_mac(secret, nonce)}"


def check_csrf(secret: str, token: str | None) -> bool:
    """Whether ``token`` was made by :func:`csrf_token` with ``secret`` (constant-time comparison)."""
    if not secret or not token or len(token) > MAX_TOKEN_LENGTH or token.count(".") != 1:
        return False
    nonce, mac = token.split(".")
    return hmac.compare_digest(mac.encode(), _csrf_mac(secret, nonce).encode())


def csrf_token_for(session: SessionInfo) -> str:
    """A CSRF token for a form shown in ``session``."""
    return csrf_token(session.csrf_secret)


def verify_csrf(session: SessionInfo, token: str | None) -> bool:
    """Whether ``token`` is a CSRF token of ``session``."""
    return check_csrf(session.csrf_secret, token)


# -- login -------------------------------------------------------------------------------------------


def hash_token(token: str) -> str:
    """SHA-256 (hex) of a session or API token: what the database keeps instead of the token."""
    return hashlib.sha256(token.encode()).hexdigest()


def _failures_since(
    session: Session, since: dt.datetime, *, username: str | None = None, ip: str | None = None, exclude: int
) -> list[dt.datetime]:
    stmt = select(LoginAttempt.at).where(
        LoginAttempt.at >= since, LoginAttempt.outcome.in_(FAILED_OUTCOMES), LoginAttempt.id != exclude
    )
    if username is not None:
        stmt = stmt.where(LoginAttempt.username == username)
    if ip is not None:
        stmt = stmt.where(LoginAttempt.ip == ip)
    return [as_utc(at) for at in session.scalars(stmt.order_by(LoginAttempt.at))]


def _throttled(
    session: Session, username: str, ip: str, now: dt.datetime, own: LoginAttempt
) -> RateLimitedError | None:
    window_start = now - LOGIN_WINDOW
    last_ok = session.scalar(
        select(func.max(LoginAttempt.at)).where(LoginAttempt.username == username, LoginAttempt.ok.is_(True))
    )
    # A successful login clears the username's count (not the address's: one good account must not
    # reset an attacker's count for every other name).
    since = max(window_start, as_utc(last_ok)) if last_ok else window_start
    by_name = _failures_since(session, since, username=username, exclude=own.id)
    by_ip = _failures_since(session, window_start, ip=ip, exclude=own.id)
    for failures, limit, message in (
        (by_name, MAX_FAILURES_PER_USERNAME, "このユーザー名でのログインに続けて失敗したため"),
        (by_ip, MAX_FAILURES_PER_IP, "この接続元からのログインの失敗が多いため"),
    ):
        if len(failures) >= limit:
            wait = max(1, int((failures[-limit] + LOGIN_WINDOW - now).total_seconds()) + 1)
            minutes = -(-wait // 60)
            return RateLimitedError(
                f"{message}、ログインを一時的に止めています。約{minutes}分後にもう一度お試しください",
                details={"retry_after": wait},
            )
    return None


def _advisory_key(value: str) -> int:
    """A stable signed 32-bit key for a PostgreSQL advisory lock (Python's ``hash`` differs per process)."""
    return int.from_bytes(hashlib.sha256(value.encode()).digest()[:4], "big", signed=True)


def _serialise_attempts(session: Session, username: str, ip: str, now: dt.datetime) -> LoginAttempt:
    """Record the attempt first, so that counting the earlier ones and checking this one is atomic.

    On SQLite the insert, the transaction's first statement, takes the database's write lock; on PostgreSQL
    transaction-scoped advisory locks on the username and then the address (always in that order, so two
    attempts never wait for each other in a circle) do the same for attempts sharing either.  Either way a
    concurrent attempt counts only after this one is decided and committed: at most
    :data:`MAX_FAILURES_PER_USERNAME` passwords of a name are ever checked in a window.
    """
    if session.get_bind().dialect.name == "postgresql":
        for cls, value in ((USERNAME_LOCK_CLASS, username), (IP_LOCK_CLASS, ip)):
            session.execute(text("SELECT pg_advisory_xact_lock(:cls, :key)"), {"cls": cls, "key": _advisory_key(value)})
    row = LoginAttempt(username=username, ip=ip, at=now, ok=False, outcome="checking")
    session.add(row)
    session.flush()
    return row


def _attempt(session: Session, raw_username: str, password: str, ip: str) -> tuple[User | None, ServiceError | None]:
    """Check one login attempt and record it; return the user, or the error to raise after commit.

    Call it first in its transaction (see :func:`_serialise_attempts`).
    """
    now = dt.datetime.now(dt.UTC)
    username = unicodedata.normalize("NFKC", raw_username or "").strip().lower()[:200]
    ip = (ip or "unknown")[:64]
    attempt = _serialise_attempts(session, username, ip, now)
    refused = _throttled(session, username, ip, now, attempt)
    if refused is not None:
        attempt.outcome = "throttled"
        return None, refused
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        passwords.waste_verification(password)
        outcome = "unknown_user"
    elif not passwords.verify_password(user.password_hash, password):
        outcome = "bad_password"
    elif user.disabled:
        outcome = "disabled"
    else:
        outcome = "ok"
    attempt.ok, attempt.outcome = outcome == "ok", outcome
    # One message for every failure: a disabled account must not tell that its password was right.
    if user is None or outcome != "ok":
        return None, AuthenticationError(BAD_CREDENTIALS)
    if passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.PASSWORD_HASHER.hash(passwords.normalise_password(password))
        audit.record(session, actor_for_user(user), AuditAction.USER_PASSWORD_REHASH, "user", user.username)
    return user, None


def authenticate(username: str, password: str, *, ip: str, engine: Engine | None = None) -> AccountPublic:
    """Check a username and password without opening a session (rate limited and recorded like a login).

    Raises :class:`RateLimitedError` or :class:`AuthenticationError`.
    """
    with unit_of_work(resolve_engine(engine)) as session:
        user, error = _attempt(session, username, password, ip)
        result = public_user(user) if user is not None else None
    if error is not None or result is None:
        raise error or AuthenticationError(BAD_CREDENTIALS)
    return result


def _open_session(session: Session, user: User, lifetime: dt.timedelta) -> tuple[str, LoginSession]:
    token = secrets.token_urlsafe(32)
    now = dt.datetime.now(dt.UTC)
    row = LoginSession(
        id=hash_token(token), user_id=user.id, created_at=now, expires_at=now + lifetime, csrf_secret=new_csrf_secret()
    )
    session.add(row)
    return token, row


def _session_info(row: LoginSession, user: User) -> SessionInfo:
    return SessionInfo(
        id=row.id,
        user=public_user(user),
        actor=actor_for_user(user),
        created_at=as_utc(row.created_at),
        expires_at=as_utc(row.expires_at),
        csrf_secret=row.csrf_secret,
    )


def login(
    username: str,
    password: str,
    *,
    ip: str,
    previous_token: str | None = None,
    lifetime: dt.timedelta = SESSION_LIFETIME,
    engine: Engine | None = None,
) -> LoginResult:
    """Log in: check the password (rate limited, recorded) and open a new session.

    The session the browser came with (``previous_token``), whoever's it is, is revoked: a login never
    keeps or adopts a session id chosen before it.  Raises :class:`RateLimitedError` or
    :class:`AuthenticationError`; both leave the attempt recorded.
    """
    with unit_of_work(resolve_engine(engine)) as session:
        user, error = _attempt(session, username, password, ip)
        result: LoginResult | None = None
        if user is not None and error is None:
            now = dt.datetime.now(dt.UTC)
            if previous_token:
                session.execute(
                    update(LoginSession)
                    .where(LoginSession.id == hash_token(previous_token), LoginSession.revoked_at.is_(None))
                    .values(revoked_at=now)
                )
            token, row = _open_session(session, user, lifetime)
            audit.record(
                session,
                actor_for_user(user),
                AuditAction.SESSION_LOGIN,
                "user",
                user.username,
                after={"ip": ip, "expires_at": row.expires_at},
            )
            result = LoginResult(token=token, session=_session_info(row, user))
    if error is not None or result is None:
        raise error or AuthenticationError(BAD_CREDENTIALS)
    return result


def get_session(token: str | None, *, engine: Engine | None = None) -> SessionInfo | None:
    """The live session of a cookie token, or None when it is unknown, expired, revoked or its user disabled.

    Reads only; cheap enough to call on every request.
    """
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    now = dt.datetime.now(dt.UTC)
    with read_session(resolve_engine(engine)) as session:
        found = session.execute(
            select(LoginSession, User)
            .join(User, User.id == LoginSession.user_id)
            .where(LoginSession.id == hash_token(token))
        ).first()
        if found is None:
            return None
        row, user = found
        if row.revoked_at is not None or as_utc(row.expires_at) <= now or user.disabled:
            return None
        return _session_info(row, user)


def logout(token: str | None, *, engine: Engine | None = None) -> bool:
    """Revoke the session of a cookie token; True if a live session was ended."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return False
    with unit_of_work(resolve_engine(engine)) as session:
        found = session.execute(
            select(LoginSession, User)
            .join(User, User.id == LoginSession.user_id)
            .where(LoginSession.id == hash_token(token), LoginSession.revoked_at.is_(None))
        ).first()
        if found is None:
            return False
        row, user = found
        row.revoked_at = dt.datetime.now(dt.UTC)
        audit.record(session, actor_for_user(user), AuditAction.SESSION_LOGOUT, "user", user.username)
        return True


def change_password(
    username: str,
    current_password: str,
    new_password: str,
    *,
    ip: str,
    keep_session_token: str | None = None,
    engine: Engine | None = None,
) -> AccountPublic:
    """A user changes their own password; the current one is checked like a login (rate limited, recorded).

    Every other session of the user is revoked; ``keep_session_token`` (the one the change was made in)
    stays.  The web passes the logged-in user's name, never one from the form.
    """
    new = passwords.check_password_policy(new_password)
    with unit_of_work(resolve_engine(engine)) as session:
        user, error = _attempt(session, username, current_password, ip)
        result: AccountPublic | None = None
        if user is not None and error is None:
            if passwords.verify_password(user.password_hash, new):
                error = ValidationError("新しいパスワードは現在のものと違うものにしてください")
            else:
                before = user_state(user)
                user.password_hash = passwords.PASSWORD_HASHER.hash(new)
                user.password_changed_at = dt.datetime.now(dt.UTC)
                user.must_change_password = False
                keep = hash_token(keep_session_token) if keep_session_token else None
                after = {**user_state(user), "sessions_revoked": revoke_sessions(session, user, keep_session_id=keep)}
                audit.record(
                    session,
                    actor_for_user(user),
                    AuditAction.USER_CHANGE_PASSWORD,
                    "user",
                    user.username,
                    before,
                    after,
                )
                result = public_user(user)
    if error is not None or result is None:
        if isinstance(error, AuthenticationError) and error.message == BAD_CREDENTIALS:
            raise AuthenticationError("現在のパスワードが正しくありません")
        raise error or AuthenticationError(BAD_CREDENTIALS)
    return result
