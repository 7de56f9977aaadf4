"""Logging in on the web: cookies, CSRF, session fixation, rate limiting, API tokens, password change."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from keikaku.services.core.actors import PUBLIC, Role
from keikaku.services.exchange.initialize import initialize_database
from keikaku.services.governance.accounts import local_admin
from keikaku.services.governance.api_tokens import create_api_token
from keikaku.services.governance.sessions import get_session
from keikaku.storage.accounts import LoginSession
from keikaku.storage.engine import make_engine
from keikaku.storage.uow import read_session
from keikaku.web import create_app
from keikaku.web.settings import WebSettings

from .conftest import PASSWORD, Ids, add_user, csrf_from, login, make_client

pytestmark = pytest.mark.usefixtures("cheap_hasher")


@pytest.fixture
def anonymous(sqlite_loaded_engine: Engine) -> Iterator[TestClient]:
    """A public visitor's client that sends no CSRF token of its own."""
    with TestClient(create_app(WebSettings(engine=sqlite_loaded_engine, actor=PUBLIC))) as client:
        yield client


def _kpi_history(client: TestClient, kpi_id: int) -> list[object]:
    history: list[object] = client.get(f"/api/v1/kpis/{kpi_id}").json()["kpi"]["history"]
    return history


def _sessions(engine: Engine) -> int:
    with read_session(engine) as s:
        return int(s.scalar(select(func.count()).select_from(LoginSession)) or 0)


def test_login_sets_a_safe_cookie_and_logout_ends_the_session(
    sqlite_loaded_engine: Engine, anonymous: TestClient
) -> None:
    add_user(sqlite_loaded_engine, "kikaku", Role.BUREAU_ADMIN)
    page = anonymous.get("/login?next=/plans")
    assert page.status_code == 200 and 'autocomplete="current-password"' in page.text
    pre_login = page.headers["set-cookie"]
    assert "keikaku_csrf=" in pre_login and "HttpOnly" in pre_login and "SameSite=lax" in pre_login
    response = anonymous.post(
        "/login",
        data={"username": "KIKAKU ", "password": PASSWORD, "next": "/plans", "csrf_token": csrf_from(page.text)},
        follow_redirects=False,
    )
    assert response.status_code == 303 and response.headers["location"] == "/plans"
    cookie = next(v for k, v in response.headers.multi_items() if k == "set-cookie" and "keikaku_session=" in v)
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/" in cookie and "Secure" not in cookie
    token = anonymous.cookies["keikaku_session"]
    assert get_session(token, engine=sqlite_loaded_engine) is not None
    home = anonymous.get("/")
    assert "kikaku としてログイン中" in home.text and home.headers["cache-control"] == "no-store, private"
    logout = anonymous.post("/logout", data={"csrf_token": csrf_from(home.text)}, follow_redirects=False)
    assert logout.status_code == 303
    assert get_session(token, engine=sqlite_loaded_engine) is None
    assert "ログイン中" not in anonymous.get("/").text


def test_the_cookie_is_secure_over_https(sqlite_loaded_engine: Engine) -> None:
    add_user(sqlite_loaded_engine, "kikaku", Role.BUREAU_ADMIN)
    app = create_app(WebSettings(engine=sqlite_loaded_engine))
    with TestClient(app, base_url="https://keikaku.example") as client:
        token = csrf_from(client.get("/login").text)
        response = client.post(
            "/login", data={"username": "kikaku", "password": PASSWORD, "csrf_token": token}, follow_redirects=False
        )
        assert response.status_code == 303 and "Secure" in response.headers["set-cookie"]


def test_next_never_leaves_the_site(sqlite_loaded_engine: Engine, anonymous: TestClient) -> None:
    add_user(sqlite_loaded_engine, "kikaku", Role.BUREAU_ADMIN)
    for target in ("https://evil.example/", "//evil.example/x", "/\\evil.example"):
        token = csrf_from(anonymous.get("/login").text)
        response = anonymous.post(
            "/login",
            data={"username": "kikaku", "password": PASSWORD, "next": target, "csrf_token": token},
            follow_redirects=False,
        )
        assert response.headers["location"] == "/"
        anonymous.cookies.delete("keikaku_session")


def test_wrong_credentials_are_refused_alike_and_then_rate_limited(
    sqlite_loaded_engine: Engine, anonymous: TestClient
) -> None:
    add_user(sqlite_loaded_engine, "kikaku", Role.BUREAU_ADMIN)
    token = csrf_from(anonymous.get("/login").text)
    unknown = anonymous.post("/login", data={"username": "nobody", "password": "x" * 12, "csrf_token": token})
    wrong = [
        anonymous.post("/login", data={"username": "kikaku", "password": "y" * 12, "csrf_token": token})
        for _ in range(5)
    ]
    assert unknown.status_code == 401 and all(r.status_code == 401 for r in wrong)
    assert "ユーザー名またはパスワードが正しくありません" in unknown.text and "kikaku" in wrong[0].text
    limited = anonymous.post("/login", data={"username": "kikaku", "password": PASSWORD, "csrf_token": token})
    assert limited.status_code == 429 and int(limited.headers["retry-after"]) > 0
    assert "一時的に止めています" in limited.text and "keikaku_session" not in anonymous.cookies
    assert _sessions(sqlite_loaded_engine) == 0


def test_login_without_a_csrf_token_is_refused(sqlite_loaded_engine: Engine, anonymous: TestClient) -> None:
    add_user(sqlite_loaded_engine, "kikaku", Role.BUREAU_ADMIN)
    anonymous.get("/login")
    for data in ({}, {"csrf_token": "forged.0000"}, {"csrf_token": ""}):
        response = anonymous.post("/login", data={"username": "kikaku", "password": PASSWORD, **data})
        assert response.status_code == 403 and "確認用トークン" in response.text
    assert _sessions(sqlite_loaded_engine) == 0


def test_a_planted_session_id_is_never_adopted(sqlite_loaded_engine: Engine, anonymous: TestClient) -> None:
    """Session fixation: an attacker's own session cookie planted in the victim's browser is revoked at login."""
    add_user(sqlite_loaded_engine, "attacker", Role.COUNCIL_MEMBER)
    add_user(sqlite_loaded_engine, "victim", Role.BUREAU_ADMIN)
    with make_client(sqlite_loaded_engine, PUBLIC) as attacker:
        login(attacker, "attacker")
        planted = attacker.cookies["keikaku_session"]
    anonymous.cookies.set("keikaku_session", planted, domain="testserver.local")
    assert "attacker としてログイン中" in anonymous.get("/").text
    login(anonymous, "victim")
    fresh = anonymous.cookies["keikaku_session"]
    assert fresh != planted
    assert get_session(planted, engine=sqlite_loaded_engine) is None
    victim = get_session(fresh, engine=sqlite_loaded_engine)
    assert victim is not None and victim.user.username == "victim"
    made_up = "x" * 43
    anonymous.cookies.set("keikaku_session", made_up, domain="testserver.local")
    login(anonymous, "victim")
    assert anonymous.cookies["keikaku_session"] != made_up


def test_forms_need_the_sessions_own_token(sqlite_loaded_engine: Engine, ids: Ids) -> None:
    add_user(sqlite_loaded_engine, "kikaku", Role.BUREAU_ADMIN)
    add_user(sqlite_loaded_engine, "other", Role.BUREAU_ADMIN)
    kpi_id = ids.platform_kpis[1]
    with make_client(sqlite_loaded_engine, PUBLIC) as other:
        login(other, "other")
        foreign = other.headers["x-csrf-token"]
    with make_client(sqlite_loaded_engine, PUBLIC) as client:
        login(client, "kikaku")
        own = client.headers.pop("x-csrf-token")
        data = {"fiscal_year": "2026", "value": "30"}
        assert client.post(f"/kpis/{kpi_id}", data=data).status_code == 403
        assert client.post(f"/kpis/{kpi_id}", data={**data, "csrf_token": foreign}).status_code == 403
        api = client.post(f"/api/v1/kpis/{kpi_id}/actuals", json=data)
        assert api.status_code == 403 and api.json()["error"]["code"] == "csrf_failed"
        assert _kpi_history(client, kpi_id) == []
        saved = client.post(f"/kpis/{kpi_id}", data={**data, "csrf_token": own}, follow_redirects=False)
        assert saved.status_code == 303 and len(_kpi_history(client, kpi_id)) == 1


def test_api_tokens_act_with_their_scopes_without_csrf(sqlite_loaded_engine: Engine, ids: Ids) -> None:
    add_user(sqlite_loaded_engine, "editor", Role.BUREAU_ADMIN)
    admin = local_admin({"USER": "test"})
    write = create_api_token("editor", ["actuals:write"], actor=admin, engine=sqlite_loaded_engine).token
    read = create_api_token("editor", ["read"], actor=admin, engine=sqlite_loaded_engine).token
    kpi_id = ids.platform_kpis[1]
    with TestClient(create_app(WebSettings(engine=sqlite_loaded_engine))) as client:
        body = {"fiscal_year": "2026", "value": "12"}
        url = f"/api/v1/kpis/{kpi_id}/actuals"
        refused = client.post(url, json=body, headers={"authorization": f"Bearer {read}"})
        assert refused.status_code == 403 and refused.json()["error"]["code"] == "forbidden"
        invalid = client.post(url, json=body, headers={"authorization": "Bearer kk_not-a-token"})
        assert invalid.status_code == 401 and invalid.json()["error"]["code"] == "unauthenticated"
        assert client.get("/api/v1/plans", headers={"authorization": "Bearer nonsense"}).status_code == 401
        created = client.post(url, json=body, headers={"authorization": f"Bearer {write}"})
        assert created.status_code == 201 and created.json()["entered_by"] == "editor"
        # The year's evaluation is not published: the public sees no values, the token's user does.
        assert _kpi_history(client, kpi_id) == []
        history = client.get(f"/api/v1/kpis/{kpi_id}", headers={"authorization": f"Bearer {read}"}).json()
        assert len(history["kpi"]["history"]) == 1


def test_a_one_time_password_must_be_changed(sqlite_loaded_engine: Engine) -> None:
    from keikaku.services.governance.accounts import UserCreate, create_user

    made = create_user(
        UserCreate("newcomer", [Role.COUNCIL_MEMBER]), actor=local_admin({"USER": "t"}), engine=sqlite_loaded_engine
    )
    assert made.password is not None
    with make_client(sqlite_loaded_engine, PUBLIC) as client:
        client.headers.pop("x-csrf-token")
        token = csrf_from(client.get("/login").text)
        response = client.post(
            "/login",
            data={"username": "newcomer", "password": made.password, "csrf_token": token, "next": "/plans"},
            follow_redirects=False,
        )
        assert response.headers["location"] == "/account"
        page = client.get("/account")
        assert "仮のパスワード" in page.text
        token = csrf_from(page.text)
        short = client.post(
            "/account/password", data={"current_password": made.password, "new_password": "short", "csrf_token": token}
        )
        assert short.status_code == 422 and "12 文字以上" in short.text
        changed = client.post(
            "/account/password",
            data={"current_password": made.password, "new_password": PASSWORD, "csrf_token": token},
        )
        assert changed.status_code == 200 and "パスワードを変更しました" in changed.text
        assert "keikaku_session" in client.cookies and "仮のパスワード" not in client.get("/account").text


def test_signed_in_json_is_never_cached_and_a_405_says_what_is_allowed(tmp_path: Path) -> None:
    """Private pages and authenticated JSON: ``no-store, private``; the public's JSON may be revalidated."""
    engine = make_engine(f"sqlite:///{tmp_path / 'k.sqlite3'}")
    initialize_database(engine=engine)
    add_user(engine, "kikaku", Role.BUREAU_ADMIN)
    client = TestClient(create_app(WebSettings(engine=engine)))
    public = client.get("/api/v1/plans")
    assert public.status_code == 200 and "no-store" not in public.headers["cache-control"]
    login(client, "kikaku")
    for url in ("/api/v1/plans", "/plans", "/admin/audit"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.headers["cache-control"] == "no-store, private", url
    for method, url in (("PUT", "/api/v1/plans"), ("DELETE", "/plans")):
        refused = client.request(method, url)
        assert refused.status_code == 405 and refused.headers["allow"] == "GET", url
    engine.dispose()
