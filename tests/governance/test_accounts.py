"""Account management: who may do it, what is checked, the actor an account acts as, and the audit records."""

import pytest
from sqlalchemy import Engine, select
from tests.governance.helpers import PASSWORD, MakeUser

from keikaku.services.core.actors import PUBLIC, Actor, Permission, Role, require
from keikaku.services.core.errors import ConflictError, NotFoundError, PermissionDeniedError, ValidationError
from keikaku.services.governance.accounts import (
    UserCreate,
    actor_for_user,
    create_user,
    disable_user,
    enable_user,
    get_user,
    list_users,
    local_admin,
    reset_password,
    update_user,
)
from keikaku.services.governance.audit import list_audit
from keikaku.storage import models as m
from keikaku.storage.accounts import AuditEntry, User
from keikaku.storage.uow import read_session, unit_of_work


def test_local_admin_is_named_from_the_login_name() -> None:
    assert local_admin({"USER": "yamada"}) == Actor("cli:yamada", frozenset({Role.BUREAU_ADMIN}))
    assert local_admin({"LOGNAME": "sato"}).name == "cli:sato"


def test_create_user_generates_a_one_time_password(engine: Engine, admin: Actor) -> None:
    result = create_user(
        UserCreate("Ｔａｎａｋａ", [Role.DEPARTMENT_EDITOR], departments=["産業振興企画課"], display_name="田中　太郎"),
        actor=admin,
        engine=engine,
    )
    assert result.user.username == "tanaka"
    assert result.user.display_name == "田中 太郎"
    assert result.password is not None and len(result.password) >= 12
    assert result.user.must_change_password
    assert result.warnings == (
        "担当課「産業振興企画課」はデータベースの計画に見当たりません（綴りを確認してください）",
    )
    with read_session(engine) as s:
        stored = s.scalar(select(User.password_hash))
    assert stored is not None and stored.startswith("$argon2id$") and result.password not in stored


def test_known_departments_give_no_warning(engine: Engine, admin: Actor) -> None:
    with unit_of_work(engine) as s:
        s.add(m.Department(name="産業振興企画課"))
    result = create_user(
        UserCreate("tanaka", ["department_editor"], departments=["産業振興企画課"], password=PASSWORD),
        actor=admin,
        engine=engine,
    )
    assert result.warnings == () and result.password is None and not result.user.must_change_password


INVALID = [
    (UserCreate("a", [Role.BUREAU_ADMIN]), "ユーザー名"),
    (UserCreate("tanaka san", [Role.BUREAU_ADMIN]), "ユーザー名"),
    (UserCreate("tanaka", []), "役割を 1 つ以上"),
    (UserCreate("tanaka", ["superuser"]), "不明"),
    (UserCreate("tanaka", [Role.PUBLIC]), "public"),
    (UserCreate("tanaka", [Role.DEPARTMENT_EDITOR]), "担当課"),
    (UserCreate("tanaka", [Role.MEMBER_CONTRIBUTOR]), "構成府県市"),
    (UserCreate("tanaka", [Role.BUREAU_ADMIN], password="too short"), "12 文字以上"),
]


def test_invalid_accounts_are_refused(engine: Engine, admin: Actor) -> None:
    for data, needle in INVALID:
        with pytest.raises(ValidationError, match=needle):
            create_user(data, actor=admin, engine=engine)
    assert list_users(actor=admin, engine=engine) == []


def test_duplicate_username_conflicts(engine: Engine, make_user: MakeUser) -> None:
    make_user("tanaka")
    with pytest.raises(ConflictError):
        make_user("TANAKA")


NOT_ADMINS = [
    PUBLIC,
    Actor("ed", frozenset({Role.DEPARTMENT_EDITOR}), frozenset({"産業振興企画課"})),
    Actor("hyogo", frozenset({Role.MEMBER_CONTRIBUTOR}), frozenset({"兵庫県"})),
    Actor("council", frozenset({Role.COUNCIL_MEMBER})),
]


def test_only_administrators_manage_accounts(engine: Engine, make_user: MakeUser) -> None:
    make_user("tanaka")
    for actor in NOT_ADMINS:
        with pytest.raises(PermissionDeniedError):
            create_user(UserCreate("suzuki", [Role.BUREAU_ADMIN]), actor=actor, engine=engine)
        for call in (
            lambda a=actor: disable_user("tanaka", actor=a, engine=engine),
            lambda a=actor: enable_user("tanaka", actor=a, engine=engine),
            lambda a=actor: reset_password("tanaka", actor=a, engine=engine),
            lambda a=actor: update_user("tanaka", actor=a, roles=[Role.COUNCIL_MEMBER], engine=engine),
            lambda a=actor: list_users(actor=a, engine=engine),
            lambda a=actor: get_user("tanaka", actor=a, engine=engine),
        ):
            with pytest.raises(PermissionDeniedError):
                call()


def test_a_user_may_read_their_own_account(engine: Engine, make_user: MakeUser) -> None:
    made = make_user("tanaka", Role.COUNCIL_MEMBER)
    assert get_user("tanaka", actor=actor_for_user(made.user), engine=engine).username == "tanaka"


def test_actor_for_user_carries_roles_departments_and_member_government(engine: Engine, make_user: MakeUser) -> None:
    editor = make_user("ed", Role.DEPARTMENT_EDITOR, departments=("ものづくり支援課",)).user
    member = make_user("hyogo", Role.MEMBER_CONTRIBUTOR, member_government="兵庫県").user
    ed_actor, member_actor = actor_for_user(editor), actor_for_user(member)
    assert ed_actor.name == "ed" and ed_actor.departments == {"ものづくり支援課"}
    require(ed_actor, Permission.RECORD_ACTUAL, departments=["ものづくり支援課"])
    with pytest.raises(PermissionDeniedError):
        require(ed_actor, Permission.RECORD_ACTUAL, departments=["経済交流促進課"])
    # A cooperative project is owned by its member government the way a project is owned by departments.
    require(member_actor, Permission.MANAGE_COOPERATIVE, departments=["兵庫県"])
    with pytest.raises(PermissionDeniedError):
        require(member_actor, Permission.MANAGE_COOPERATIVE, departments=["大阪府"])
    with pytest.raises(PermissionDeniedError):  # a contributor enters no actual values of the union's KPIs
        require(member_actor, Permission.RECORD_ACTUAL, departments=["兵庫県"])


def test_disable_and_enable_are_recorded_and_self_disable_refused(
    engine: Engine, make_user: MakeUser, admin: Actor
) -> None:
    boss = make_user("boss").user
    make_user("tanaka")
    with pytest.raises(ConflictError):
        disable_user("boss", actor=actor_for_user(boss), engine=engine)
    assert disable_user("tanaka", actor=admin, reason="退職", engine=engine).disabled
    assert actor_for_user(get_user("tanaka", actor=admin, engine=engine)).roles == {Role.PUBLIC}
    assert not enable_user("tanaka", actor=admin, engine=engine).disabled
    actions = [e.action for e in list_audit(admin, object_type="user", object_id="tanaka", engine=engine).entries]
    assert actions == ["user.enable", "user.disable", "user.create"]
    disabled = list_audit(admin, action="user.disable", engine=engine).entries[0]
    assert disabled.actor == "cli:tester" and disabled.reason == "退職"
    assert disabled.before["disabled"] is False and disabled.after["disabled"] is True
    with pytest.raises(NotFoundError):
        disable_user("nobody", actor=admin, engine=engine)


def test_update_records_only_what_changed(engine: Engine, make_user: MakeUser, admin: Actor) -> None:
    make_user("tanaka", Role.DEPARTMENT_EDITOR, departments=("ものづくり支援課",))
    result = update_user(
        "tanaka",
        actor=admin,
        roles=["department_editor", "council_member"],
        departments=["ものづくり支援課", "経済交流促進課"],
        reason="兼務",
        engine=engine,
    )
    assert result.user.roles == (Role.DEPARTMENT_EDITOR, Role.COUNCIL_MEMBER)
    entry = list_audit(admin, action="user.update", engine=engine).entries[0]
    assert entry.before == {"roles": ["department_editor"], "departments": ["ものづくり支援課"]}
    assert entry.after == {
        "roles": ["department_editor", "council_member"],
        "departments": ["ものづくり支援課", "経済交流促進課"],
    }
    assert entry.reason == "兼務"
    with pytest.raises(ValidationError):
        update_user("tanaka", actor=admin, departments=[], engine=engine)  # an editor needs a department
    update_user("tanaka", actor=admin, display_name="田中", engine=engine)
    assert len(list_audit(admin, action="user.update", engine=engine).entries) == 2
    update_user("tanaka", actor=admin, display_name="田中", engine=engine)  # no change, no record
    assert len(list_audit(admin, action="user.update", engine=engine).entries) == 2


def test_audit_records_never_hold_password_hashes(engine: Engine, make_user: MakeUser, admin: Actor) -> None:
    make_user("tanaka")
    reset_password("tanaka", actor=admin, engine=engine)
    reset_password("tanaka", actor=admin, password="another long password", engine=engine)
    with read_session(engine) as s:
        texts = [str((e.before, e.after)) for e in s.scalars(select(AuditEntry))]
        hashes = list(s.scalars(select(User.password_hash)))
    assert texts and all("argon2" not in t and hashes[0] not in t for t in texts)
    assert all("another long password" not in t for t in texts)


def test_list_users(engine: Engine, make_user: MakeUser, admin: Actor) -> None:
    make_user("suzuki", Role.COUNCIL_MEMBER)
    make_user("abe")
    assert [u.username for u in list_users(actor=admin, engine=engine)] == ["abe", "suzuki"]
