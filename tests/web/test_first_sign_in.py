"""Finding 2 of issue 15: a one-time password must be changed at the first sign-in before anything else.

Before, the administrator opened the audit trail and a department editor saved an actual value with it.
Now every page redirects to the change form, the API answers 403 ``password_change_required``, and nothing
is written; once changed, the same requests work.
"""

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from tests.web.conftest import PASSWORD, csrf_from, find_ids, make_client

from keikaku.services.core.actors import PUBLIC, Role
from keikaku.services.governance.accounts import UserCreate, create_user, local_admin
from keikaku.storage import actuals as store
from keikaku.storage.uow import read_session

pytestmark = pytest.mark.usefixtures("cheap_hasher")
ADMIN = local_admin({"USER": "test"})


def _one_time(engine: Engine, username: str, role: Role, departments: tuple[str, ...] = ()) -> str:
    result = create_user(UserCreate(username, [role], departments=departments), actor=ADMIN, engine=engine)
    assert result.password and result.user.must_change_password
    return result.password


def _sign_in(client: TestClient, username: str, password: str) -> None:
    client.headers.pop("x-csrf-token", None)
    token = csrf_from(client.get("/login").text)
    response = client.post(
        "/login", data={"username": username, "password": password, "csrf_token": token}, follow_redirects=False
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/account"
    client.headers["x-csrf-token"] = csrf_from(client.get("/account").text)


def _actual_count(engine: Engine) -> int:
    with read_session(engine) as session:
        return session.scalar(select(func.count()).select_from(store.ActualValue)) or 0


@pytest.fixture
def public(sqlite_loaded_engine: Engine) -> Iterator[TestClient]:
    with make_client(sqlite_loaded_engine, PUBLIC) as client:
        yield client


def test_the_admin_cannot_open_the_audit_trail_before_changing(
    sqlite_loaded_engine: Engine, public: TestClient
) -> None:
    password = _one_time(sqlite_loaded_engine, "kanri", Role.BUREAU_ADMIN)
    _sign_in(public, "kanri", password)
    for path in ("/admin/audit", "/", "/plans", "/search?q=水素"):
        response = public.get(path, follow_redirects=False)
        assert response.status_code == 303, path
        assert response.headers["location"] == "/account", path
    page = public.get("/admin/audit").text  # followed: the change form, saying why
    assert "仮のパスワードでログインしています" in page
    api = public.get("/api/v1/audit")
    assert api.status_code == 403
    assert api.json()["error"]["code"] == "password_change_required"
    assert public.get("/api/v1/plans").json()["error"]["code"] == "password_change_required"


def test_the_editor_cannot_save_an_actual_before_changing(sqlite_loaded_engine: Engine, public: TestClient) -> None:
    ids = find_ids(make_client(sqlite_loaded_engine, ADMIN))
    password = _one_time(sqlite_loaded_engine, "tanto", Role.DEPARTMENT_EDITOR, ("ものづくり支援課",))
    _sign_in(public, "tanto", password)
    before = _actual_count(sqlite_loaded_engine)
    kpi = ids.platform_kpis[0]
    form = public.post(
        f"/kpis/{kpi}", data={"fiscal_year": "2026", "value": "10", "expected_version": "0"}, follow_redirects=False
    )
    assert form.status_code == 303 and form.headers["location"] == "/account"
    api = public.post(f"/api/v1/kpis/{kpi}/actuals", json={"fiscal_year": 2026, "value": 10})
    assert api.status_code == 403
    assert api.json()["error"]["code"] == "password_change_required"
    assert _actual_count(sqlite_loaded_engine) == before

    changed = public.post(
        "/account/password", data={"current_password": password, "new_password": PASSWORD}, follow_redirects=False
    )
    assert changed.status_code == 200 and "パスワードを変更しました" in changed.text
    assert public.get("/plans", follow_redirects=False).status_code == 200
    assert public.get("/api/v1/plans").status_code == 200
