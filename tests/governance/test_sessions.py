"""Login, sessions, session fixation, CSRF per session, rate limiting; on SQLite and PostgreSQL."""

import datetime as dt
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import Engine, select, update
from tests.governance.helpers import PASSWORD, MakeUser

from keikaku.services.core.actors import Actor, Role
from keikaku.services.core.errors import ValidationError
from keikaku.services.governance import passwords, sessions
from keikaku.services.governance.accounts import disable_user, reset_password
from keikaku.services.governance.sessions import (
    AuthenticationError,
    RateLimitedError,
    authenticate,
    change_password,
    csrf_token_for,
    get_session,
    login,
    logout,
    verify_csrf,
)
from keikaku.storage.accounts import LoginAttempt, LoginSession
from keikaku.storage.uow import read_session, unit_of_work


def test_login_opens_a_session_whose_token_is_not_stored(engine: Engine, make_user: MakeUser) -> None:
    make_user("tanaka", Role.DEPARTMENT_EDITOR, departments=("産業振興企画課",))
    result = login("TANAKA", PASSWORD, ip="10.0.0.1", engine=engine)  # usernames fold case and width
    assert result.session.user.username == "tanaka"
    assert result.session.actor == Actor("tanaka", frozenset({Role.DEPARTMENT_EDITOR}), frozenset({"産業振興企画課"}))
    assert result.session.expires_at - result.session.created_at == sessions.SESSION_LIFETIME
    with read_session(engine) as s:
        ids = list(s.scalars(select(LoginSession.id)))
    assert ids == [sessions.hash_token(result.token)]
    assert result.token not in ids
    found = get_session(result.token, engine=engine)
    assert found is not None and found.user.username == "tanaka"
    assert "csrf_secret" not in repr(found) and result.token not in repr(result)


def test_every_login_issues_a_new_session_and_a_planted_id_is_never_adopted(
    engine: Engine, make_user: MakeUser
) -> None:
    make_user("tanaka")
    planted = "attacker-chosen-session-id"
    assert get_session(planted, engine=engine) is None
    first = login("tanaka", PASSWORD, ip="10.0.0.1", previous_token=planted, engine=engine)
    assert first.token != planted
    assert get_session(planted, engine=engine) is None
    # An attacker who logged in themselves and planted their own live session in the victim's browser:
    attacker = login("tanaka", PASSWORD, ip="10.0.0.9", engine=engine)
    victim = login("tanaka", PASSWORD, ip="10.0.0.1", previous_token=attacker.token, engine=engine)
    assert victim.token not in {attacker.token, first.token}
    assert victim.session.id != attacker.session.id
    assert get_session(attacker.token, engine=engine) is None  # the planted session was revoked
    assert get_session(victim.token, engine=engine) is not None


def test_session_expires_and_logout_revokes(engine: Engine, make_user: MakeUser) -> None:
    make_user("tanaka")
    short = login("tanaka", PASSWORD, ip="1.1.1.1", lifetime=dt.timedelta(seconds=-1), engine=engine)
    assert get_session(short.token, engine=engine) is None
    live = login("tanaka", PASSWORD, ip="1.1.1.1", engine=engine)
    assert logout(live.token, engine=engine) is True
    assert get_session(live.token, engine=engine) is None
    assert logout(live.token, engine=engine) is False
    assert logout(None, engine=engine) is False
    assert get_session("x" * 500, engine=engine) is None


def test_csrf_token_belongs_to_its_session(engine: Engine, make_user: MakeUser) -> None:
    make_user("tanaka")
    one = login("tanaka", PASSWORD, ip="1.1.1.1", engine=engine).session
    two = login("tanaka", PASSWORD, ip="1.1.1.1", engine=engine).session
    token = csrf_token_for(one)
    assert verify_csrf(one, token)
    assert not verify_csrf(two, token)
    assert not verify_csrf(one, None)
    assert not verify_csrf(one, "")
    reloaded = get_session(login("tanaka", PASSWORD, ip="1.1.1.1", engine=engine).token, engine=engine)
    assert reloaded is not None and verify_csrf(reloaded, csrf_token_for(reloaded))


def test_wrong_password_and_unknown_user_give_the_same_answer(
    engine: Engine, make_user: MakeUser, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_user("tanaka")
    wasted: list[str] = []
    real = passwords.waste_verification

    def counting(password: str) -> None:
        wasted.append(password)
        real(password)

    monkeypatch.setattr(passwords, "waste_verification", counting)
    with pytest.raises(AuthenticationError) as wrong:
        login("tanaka", "not the password at all", ip="1.1.1.1", engine=engine)
    with pytest.raises(AuthenticationError) as unknown:
        login("nobody", "not the password at all", ip="1.1.1.1", engine=engine)
    assert wrong.value.message == unknown.value.message == sessions.BAD_CREDENTIALS
    assert wasted == ["not the password at all"]  # the unknown user still cost an argon2 verification
    with read_session(engine) as s:
        outcomes = [(a.username, a.outcome, a.ok) for a in s.scalars(select(LoginAttempt).order_by(LoginAttempt.id))]
    assert outcomes == [("tanaka", "bad_password", False), ("nobody", "unknown_user", False)]


def test_disabled_user_is_refused_and_loses_sessions(engine: Engine, make_user: MakeUser, admin: Actor) -> None:
    make_user("tanaka")
    live = login("tanaka", PASSWORD, ip="1.1.1.1", engine=engine)
    disable_user("tanaka", actor=admin, reason="異動", engine=engine)
    assert get_session(live.token, engine=engine) is None
    with pytest.raises(AuthenticationError) as right:
        login("tanaka", PASSWORD, ip="1.1.1.1", engine=engine)
    with pytest.raises(AuthenticationError) as wrong:
        login("tanaka", "wrong password here", ip="1.1.1.1", engine=engine)
    with pytest.raises(AuthenticationError) as unknown:
        login("nobody", PASSWORD, ip="1.1.1.1", engine=engine)
    # One message for every failure: the right password of a disabled account gives nothing away.
    assert right.value.message == wrong.value.message == unknown.value.message == sessions.BAD_CREDENTIALS
    assert right.value.details == wrong.value.details == unknown.value.details
    with read_session(engine) as s:
        outcomes = list(s.scalars(select(LoginAttempt.outcome).order_by(LoginAttempt.id)))
    assert outcomes[-3:] == ["disabled", "bad_password", "unknown_user"]  # the log still tells them apart


def test_five_failures_lock_the_username_even_for_the_right_password(engine: Engine, make_user: MakeUser) -> None:
    make_user("tanaka")
    make_user("suzuki")
    for i in range(sessions.MAX_FAILURES_PER_USERNAME):
        with pytest.raises(AuthenticationError):
            login("tanaka", f"wrong password {i:03}", ip=f"10.0.0.{i}", engine=engine)
    with pytest.raises(RateLimitedError) as refused:
        login("tanaka", PASSWORD, ip="10.0.1.1", engine=engine)
    assert "一時的に止めています" in refused.value.message
    retry_after = refused.value.details["retry_after"]
    assert isinstance(retry_after, int) and 0 < retry_after <= 15 * 60 + 1
    assert refused.value.http_status == 429
    assert login("suzuki", PASSWORD, ip="10.0.1.1", engine=engine).token  # other names are not affected
    with read_session(engine) as s:
        throttled = list(s.scalars(select(LoginAttempt.username).where(LoginAttempt.outcome == "throttled")))
    assert throttled == ["tanaka"]
    # Once the failures are older than the window, the name may log in again.
    with unit_of_work(engine) as s:
        old = dt.datetime.now(dt.UTC) - sessions.LOGIN_WINDOW - dt.timedelta(seconds=5)
        s.execute(update(LoginAttempt).values(at=old))
    assert login("tanaka", PASSWORD, ip="10.0.1.1", engine=engine).token


def test_a_success_clears_the_username_count(engine: Engine, make_user: MakeUser) -> None:
    make_user("tanaka")
    for _ in range(sessions.MAX_FAILURES_PER_USERNAME - 1):
        with pytest.raises(AuthenticationError):
            login("tanaka", "wrong password 000", ip="10.0.0.1", engine=engine)
    authenticate("tanaka", PASSWORD, ip="10.0.0.1", engine=engine)
    for _ in range(sessions.MAX_FAILURES_PER_USERNAME - 1):
        with pytest.raises(AuthenticationError):
            login("tanaka", "wrong password 000", ip="10.0.0.1", engine=engine)
    assert login("tanaka", PASSWORD, ip="10.0.0.1", engine=engine).token


def test_twenty_failures_from_one_address_lock_it(engine: Engine, make_user: MakeUser) -> None:
    make_user("tanaka")
    for i in range(sessions.MAX_FAILURES_PER_IP):
        with pytest.raises(AuthenticationError):
            login(f"user{i:02}", "wrong password 000", ip="192.0.2.7", engine=engine)
    with pytest.raises(RateLimitedError, match="この接続元"):
        login("tanaka", PASSWORD, ip="192.0.2.7", engine=engine)
    assert login("tanaka", PASSWORD, ip="192.0.2.8", engine=engine).token


def test_change_password_needs_the_current_one_and_ends_other_sessions(
    engine: Engine, make_user: MakeUser, admin: Actor
) -> None:
    make_user("tanaka")
    keep = login("tanaka", PASSWORD, ip="1.1.1.1", engine=engine)
    other = login("tanaka", PASSWORD, ip="1.1.1.2", engine=engine)
    with pytest.raises(AuthenticationError, match="現在のパスワード"):
        change_password("tanaka", "wrong password 000", "a brand new password", ip="1.1.1.1", engine=engine)
    with pytest.raises(ValidationError):
        change_password("tanaka", PASSWORD, "short", ip="1.1.1.1", engine=engine)
    with pytest.raises(ValidationError):
        change_password("tanaka", PASSWORD, PASSWORD, ip="1.1.1.1", engine=engine)
    change_password(
        "tanaka", PASSWORD, "a brand new password", ip="1.1.1.1", keep_session_token=keep.token, engine=engine
    )
    assert get_session(keep.token, engine=engine) is not None
    assert get_session(other.token, engine=engine) is None
    with pytest.raises(AuthenticationError):
        login("tanaka", PASSWORD, ip="1.1.1.1", engine=engine)
    assert login("tanaka", "a brand new password", ip="1.1.1.1", engine=engine).token
    # An administrator's reset ends every session too.
    generated = reset_password("tanaka", actor=admin, engine=engine)
    assert generated.password and generated.user.must_change_password
    assert get_session(keep.token, engine=engine) is None
    assert login("tanaka", generated.password, ip="1.1.1.1", engine=engine).session.user.must_change_password


def test_old_hashes_are_upgraded_at_login(engine: Engine, make_user: MakeUser, monkeypatch: pytest.MonkeyPatch) -> None:
    make_user("tanaka")
    stronger = passwords.PasswordHasher(time_cost=2, memory_cost=16, parallelism=1)
    monkeypatch.setattr(passwords, "PASSWORD_HASHER", stronger)
    login("tanaka", PASSWORD, ip="1.1.1.1", engine=engine)
    from keikaku.storage.accounts import User

    with read_session(engine) as s:
        stored = s.scalar(select(User.password_hash).where(User.username == "tanaka"))
    assert stored is not None and not stronger.check_needs_rehash(stored)


def test_twenty_simultaneous_wrong_passwords_check_at_most_five(
    engine: Engine, make_user: MakeUser, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_user("tanaka")
    checks: list[str] = []
    guard = threading.Lock()
    real = passwords.verify_password

    def counting(password_hash: str, password: str) -> bool:
        with guard:
            checks.append(password)
        time.sleep(0.02)  # as slow as a real argon2 check, so that the attempts overlap
        return real(password_hash, password)

    monkeypatch.setattr(passwords, "verify_password", counting)
    start = threading.Barrier(20)

    def attempt(i: int) -> int:
        start.wait()
        try:
            login("tanaka", f"wrong password {i:03}", ip=f"10.9.0.{i}", engine=engine)
        except (AuthenticationError, RateLimitedError) as exc:
            return exc.http_status
        return 200

    with ThreadPoolExecutor(max_workers=20) as pool:
        statuses = sorted(pool.map(attempt, range(20)))
    assert len(checks) <= sessions.MAX_FAILURES_PER_USERNAME
    assert statuses == [401] * len(checks) + [429] * (20 - len(checks))
    assert len(checks) == sessions.MAX_FAILURES_PER_USERNAME  # the limit, not fewer: nothing was lost either
    with read_session(engine) as s:
        outcomes = sorted(s.scalars(select(LoginAttempt.outcome).where(LoginAttempt.username == "tanaka")))
    assert outcomes == ["bad_password"] * 5 + ["throttled"] * 15
