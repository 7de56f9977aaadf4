"""API tokens: shown once, stored as a hash, scoped, revocable, refused when expired or disabled."""

import datetime as dt

import pytest
from sqlalchemy import Engine, select, update
from tests.governance.helpers import MakeUser

from keikaku.services.core.actors import Actor, Permission, Role, ScopedActor, is_admin, require
from keikaku.services.core.errors import NotFoundError, PermissionDeniedError, ValidationError
from keikaku.services.governance.accounts import actor_for_user, disable_user
from keikaku.services.governance.api_tokens import (
    create_api_token,
    list_api_tokens,
    revoke_api_token,
    verify_api_token,
)
from keikaku.services.governance.audit import list_audit
from keikaku.services.governance.sessions import AuthenticationError
from keikaku.storage.accounts import ApiToken
from keikaku.storage.uow import read_session, unit_of_work


def test_token_is_shown_once_and_only_its_hash_is_stored(engine: Engine, make_user: MakeUser, admin: Actor) -> None:
    make_user("ed", Role.DEPARTMENT_EDITOR, departments=("ものづくり支援課",))
    created = create_api_token(
        "ed", ["read", "actuals:write"], actor=admin, name="集計", expires_days=30, engine=engine
    )
    assert created.token.startswith("kk_") and len(created.token) > 40
    assert created.token not in repr(created)
    with read_session(engine) as s:
        row = s.scalars(select(ApiToken)).one()
        stored = [str(getattr(row, c.key)) for c in ApiToken.__table__.columns]
    assert all(created.token not in value for value in stored)
    assert created.info.prefix == created.token[:11] and created.info.scopes == ("read", "actuals:write")
    assert created.info.expires_at is not None
    entry = list_audit(admin, action="token.create", engine=engine).entries[0]
    assert created.token not in str(entry.after) and entry.after["scopes"] == ["read", "actuals:write"]


def test_verify_gives_a_scoped_actor(engine: Engine, make_user: MakeUser, admin: Actor) -> None:
    make_user("ed", Role.DEPARTMENT_EDITOR, departments=("ものづくり支援課",))
    reader = create_api_token("ed", ["read"], actor=admin, engine=engine).token
    writer = create_api_token("ed", ["actuals:write"], actor=admin, engine=engine).token
    read_actor, write_actor = verify_api_token(reader, engine=engine), verify_api_token(writer, engine=engine)
    assert isinstance(read_actor, ScopedActor) and read_actor.name == "ed"
    assert read_actor.departments == {"ものづくり支援課"}
    require(read_actor, Permission.VIEW)
    with pytest.raises(PermissionDeniedError):
        require(read_actor, Permission.RECORD_ACTUAL, departments=["ものづくり支援課"])
    require(write_actor, Permission.RECORD_ACTUAL, departments=["ものづくり支援課"])
    with pytest.raises(PermissionDeniedError):  # the scope never widens the account's own rights
        require(write_actor, Permission.RECORD_ACTUAL, departments=["経済交流促進課"])
    with pytest.raises(PermissionDeniedError):
        require(write_actor, Permission.CURATE_LINKS, departments=["ものづくり支援課"])


def test_admin_scope(engine: Engine, make_user: MakeUser, admin: Actor) -> None:
    make_user("boss", Role.BUREAU_ADMIN)
    make_user("ed", Role.DEPARTMENT_EDITOR, departments=("ものづくり支援課",))
    with pytest.raises(ValidationError, match="admin スコープ"):
        create_api_token("ed", ["admin"], actor=admin, engine=engine)
    full = verify_api_token(create_api_token("boss", ["admin"], actor=admin, engine=engine).token, engine=engine)
    narrow = verify_api_token(create_api_token("boss", ["read"], actor=admin, engine=engine).token, engine=engine)
    assert is_admin(full) and not is_admin(narrow)
    assert Role.BUREAU_ADMIN in narrow.roles  # reads like an administrator, administers nothing
    with pytest.raises(PermissionDeniedError):
        create_api_token("ed", ["read"], actor=narrow, engine=engine)


def test_users_manage_their_own_tokens_only(engine: Engine, make_user: MakeUser, admin: Actor) -> None:
    ed = actor_for_user(make_user("ed", Role.DEPARTMENT_EDITOR, departments=("ものづくり支援課",)).user)
    make_user("other", Role.COUNCIL_MEMBER)
    own = create_api_token("ed", ["read"], actor=ed, engine=engine)
    theirs = create_api_token("other", ["read"], actor=admin, engine=engine)
    with pytest.raises(PermissionDeniedError):
        create_api_token("other", ["read"], actor=ed, engine=engine)
    with pytest.raises(PermissionDeniedError):
        revoke_api_token(theirs.info.id, actor=ed, engine=engine)
    with pytest.raises(PermissionDeniedError):
        list_api_tokens(actor=ed, username="other", engine=engine)
    assert [t.id for t in list_api_tokens(actor=ed, engine=engine)] == [own.info.id]
    assert {t.username for t in list_api_tokens(actor=admin, engine=engine)} == {"ed", "other"}
    assert revoke_api_token(own.info.prefix, actor=ed, engine=engine).revoked_at is not None


def test_unknown_tokens_are_refused(engine: Engine) -> None:
    for bad in (None, "", "kk_not-a-real-token", "bearer something", "kk_" + "x" * 300):
        with pytest.raises(AuthenticationError):
            verify_api_token(bad, engine=engine)


def test_revoked_expired_and_disabled_are_refused(engine: Engine, make_user: MakeUser, admin: Actor) -> None:
    make_user("ed", Role.COUNCIL_MEMBER)
    revoked = create_api_token("ed", ["read"], actor=admin, engine=engine)
    expired = create_api_token("ed", ["read"], actor=admin, expires_days=1, engine=engine)
    live = create_api_token("ed", ["read"], actor=admin, engine=engine)
    revoke_api_token(revoked.info.id, actor=admin, reason="漏えい", engine=engine)
    revoke_api_token(revoked.info.id, actor=admin, engine=engine)  # twice: no second record
    with unit_of_work(engine) as s:
        past = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)
        s.execute(update(ApiToken).where(ApiToken.id == expired.info.id).values(expires_at=past))
    for token in (revoked.token, expired.token):
        with pytest.raises(AuthenticationError):
            verify_api_token(token, engine=engine)
    assert verify_api_token(live.token, engine=engine).name == "ed"
    disable_user("ed", actor=admin, engine=engine)
    with pytest.raises(AuthenticationError):
        verify_api_token(live.token, engine=engine)
    with pytest.raises(ValidationError):
        create_api_token("ed", ["read"], actor=admin, engine=engine)
    revokes = list_audit(admin, action="token.revoke", engine=engine).entries
    assert [(e.object_id, e.reason) for e in revokes] == [(str(revoked.info.id), "漏えい")]


def test_last_used_is_recorded(engine: Engine, make_user: MakeUser, admin: Actor) -> None:
    make_user("ed", Role.COUNCIL_MEMBER)
    created = create_api_token("ed", ["read"], actor=admin, engine=engine)
    assert list_api_tokens(actor=admin, engine=engine)[0].last_used_at is None
    verify_api_token(created.token, engine=engine)
    assert list_api_tokens(actor=admin, engine=engine)[0].last_used_at is not None


def test_bad_requests(engine: Engine, make_user: MakeUser, admin: Actor) -> None:
    make_user("ed", Role.COUNCIL_MEMBER)
    with pytest.raises(ValidationError, match="スコープ"):
        create_api_token("ed", ["write-everything"], actor=admin, engine=engine)
    with pytest.raises(ValidationError):
        create_api_token("ed", [], actor=admin, engine=engine)
    with pytest.raises(ValidationError):
        create_api_token("ed", ["read"], actor=admin, expires_days=0, engine=engine)
    with pytest.raises(NotFoundError):
        create_api_token("nobody", ["read"], actor=admin, engine=engine)
    with pytest.raises(NotFoundError):
        revoke_api_token("kk_missing", actor=admin, engine=engine)
