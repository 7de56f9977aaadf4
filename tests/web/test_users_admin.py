"""User accounts in the browser (issue 15): administrators list, create, change, disable, enable and reset;
every change is in the audit trail; nobody else may open the pages (see also the route matrix)."""

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from tests.web.conftest import add_user, csrf_from, login, make_client

from keikaku.services.core.actors import PUBLIC, Role
from keikaku.services.governance.accounts import get_user, local_admin
from keikaku.services.governance.audit import list_audit

pytestmark = pytest.mark.usefixtures("cheap_hasher")
LOCAL = local_admin({"USER": "test"})


@pytest.fixture
def admin(sqlite_loaded_engine: Engine) -> Iterator[TestClient]:
    add_user(sqlite_loaded_engine, "kanri", Role.BUREAU_ADMIN)
    with make_client(sqlite_loaded_engine, PUBLIC) as client:
        login(client, "kanri")
        yield client


def _actions(engine: Engine, username: str) -> list[str]:
    page = list_audit(LOCAL, object_type="user", object_id=username, engine=engine)
    return [e.action for e in reversed(page.entries)]


def test_an_administrator_creates_an_editor_who_must_change_the_password(
    admin: TestClient, sqlite_loaded_engine: Engine
) -> None:
    created = admin.post(
        "/admin/users",
        data={
            "username": "tanaka",
            "display_name": "田中 花子",
            "roles": ["department_editor"],
            "departments": "ものづくり支援課",
        },
    )
    assert created.status_code == 201, created.text
    found = re.search(r'data-testid="one-time-password">([^<]+)<', created.text)
    assert found, "the one-time password is shown once"
    account = get_user("tanaka", actor=LOCAL, engine=sqlite_loaded_engine)
    assert account.roles == (Role.DEPARTMENT_EDITOR,)
    assert account.departments == ("ものづくり支援課",)
    assert account.must_change_password
    assert found.group(1) not in admin.get("/admin/users").text  # never shown again
    listed = admin.get("/api/v1/users").json()["items"]
    assert {"tanaka", "kanri"} <= {u["username"] for u in listed}
    assert "password" not in str(listed).lower().replace("must_change_password", "").replace("password_changed_at", "")

    with make_client(sqlite_loaded_engine, PUBLIC) as editor:
        editor.headers.pop("x-csrf-token", None)
        token = csrf_from(editor.get("/login").text)
        signed_in = editor.post(
            "/login",
            data={"username": "tanaka", "password": found.group(1), "csrf_token": token},
            follow_redirects=False,
        )
        assert signed_in.headers["location"] == "/account"
    assert _actions(sqlite_loaded_engine, "tanaka")[0] == "user.create"


def test_change_disable_enable_and_reset_are_audited(admin: TestClient, sqlite_loaded_engine: Engine) -> None:
    add_user(sqlite_loaded_engine, "iin", Role.COUNCIL_MEMBER)
    page = admin.get("/admin/users/iin")
    assert page.status_code == 200 and 'action="/admin/users/iin/state"' in page.text
    changed = admin.post(
        "/admin/users/iin",
        data={"roles": ["department_editor"], "departments": "ものづくり支援課、国際交流課", "reason": "異動"},
        follow_redirects=False,
    )
    assert changed.status_code in (200, 303)
    account = get_user("iin", actor=LOCAL, engine=sqlite_loaded_engine)
    assert account.roles == (Role.DEPARTMENT_EDITOR,)
    assert account.departments == ("ものづくり支援課", "国際交流課")
    refused = admin.post("/admin/users/iin", data={"roles": []})
    assert refused.status_code == 422 and "役割を 1 つ以上" in refused.text

    assert admin.post("/admin/users/iin/state", data={"action": "disable"}, follow_redirects=False).status_code == 303
    assert get_user("iin", actor=LOCAL, engine=sqlite_loaded_engine).disabled
    assert admin.get("/api/v1/users/iin").json()["disabled"] is True
    assert admin.post("/admin/users/iin/state", data={"action": "enable"}, follow_redirects=False).status_code == 303
    assert not get_user("iin", actor=LOCAL, engine=sqlite_loaded_engine).disabled

    reset = admin.post("/admin/users/iin/password", data={"reason": "失念"})
    assert reset.status_code == 200 and 'data-testid="one-time-password"' in reset.text
    assert get_user("iin", actor=LOCAL, engine=sqlite_loaded_engine).must_change_password
    assert [a for a in _actions(sqlite_loaded_engine, "iin") if a.startswith("user.")] == [
        "user.create",
        "user.update",
        "user.disable",
        "user.enable",
        "user.reset_password",
    ]
    refused_self = admin.post("/admin/users/kanri/state", data={"action": "disable"})
    assert refused_self.status_code == 409 and "自分自身" in refused_self.text


def test_the_pages_are_for_administrators_only(sqlite_loaded_engine: Engine) -> None:
    add_user(sqlite_loaded_engine, "hensyu", Role.DEPARTMENT_EDITOR, departments=("ものづくり支援課",))
    with make_client(sqlite_loaded_engine, PUBLIC) as editor:
        login(editor, "hensyu")
        assert editor.get("/admin/users").status_code == 403
        assert editor.get("/api/v1/users").status_code == 403
        refused = editor.post("/admin/users", data={"username": "x1", "roles": ["bureau_admin"]})
        assert refused.status_code == 403
    with pytest.raises(Exception, match="登録されていません"):
        get_user("x1", actor=LOCAL, engine=sqlite_loaded_engine)


def test_a_coordinator_is_created_with_the_institution_chosen_on_the_form(
    admin: TestClient, sqlite_loaded_engine: Engine
) -> None:
    from keikaku.services.platform.institutions import InstitutionForm, add_institution

    add_institution(
        InstitutionForm("和歌山県工業技術センター", "和歌山県", "公設試"), actor=LOCAL, engine=sqlite_loaded_engine
    )
    form = admin.get("/admin/users").text
    assert '<option lang="ja">和歌山県工業技術センター</option>' in form  # the institutions are offered
    refused = admin.post("/admin/users", data={"username": "yamada", "roles": ["coordinator"]})
    assert refused.status_code == 422
    assert "所属機関" in refused.text
    with pytest.raises(Exception, match="登録されていません"):
        get_user("yamada", actor=LOCAL, engine=sqlite_loaded_engine)
    created = admin.post(
        "/admin/users",
        data={"username": "yamada", "roles": ["coordinator"], "institution": "和歌山県工業技術センター"},
    )
    assert created.status_code == 201, created.text
    account = get_user("yamada", actor=LOCAL, engine=sqlite_loaded_engine)
    assert (account.roles, account.institution) == ((Role.COORDINATOR,), "和歌山県工業技術センター")
    page = admin.get("/admin/users/yamada").text
    assert '<option selected lang="ja">和歌山県工業技術センター</option>' in page
    assert admin.get("/api/v1/users/yamada").json()["institution"] == "和歌山県工業技術センター"
