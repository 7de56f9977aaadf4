"""Session fixation and replay, the cookie and API variants (the planted session id itself: test_login.py).

A CSRF secret an attacker planted before login is worthless after it; a session id is not an API token and
an API token is not a session id; a cookie replayed after logout acts as nobody.  Each refusal leaves the
database as it was.
"""

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from keikaku.services.core.actors import PUBLIC, Role
from keikaku.services.governance import sessions
from keikaku.services.governance.accounts import local_admin
from keikaku.services.governance.api_tokens import create_api_token
from keikaku.web import create_app
from keikaku.web.settings import WebSettings

from .conftest import add_user, assert_intact, csrf_from, find_ids, fingerprint, login, make_client

pytestmark = pytest.mark.usefixtures("cheap_hasher")

PLANTED_SECRET = "a" * 64  # what an attacker could set as the victim's pre-login CSRF cookie


def _anonymous(engine: Engine) -> TestClient:
    return TestClient(create_app(WebSettings(engine=engine, actor=PUBLIC)))


def test_a_planted_csrf_cookie_is_worthless_after_login(sqlite_loaded_engine: Engine) -> None:
    add_user(sqlite_loaded_engine, "victim", Role.BUREAU_ADMIN)
    attackers_token = sessions.csrf_token(PLANTED_SECRET)
    with _anonymous(sqlite_loaded_engine) as browser:
        kpi_id = find_ids(browser).platform_kpis[1]
        browser.cookies.set("keikaku_csrf", PLANTED_SECRET, domain="testserver.local")
        page = browser.get("/login")
        assert csrf_from(page.text) == sessions.csrf_token(PLANTED_SECRET, "page")  # the planted secret is used…
        login(browser, "victim")
        assert "keikaku_csrf" not in browser.cookies  # …until login, which drops it for the session's own
        browser.headers.pop("x-csrf-token")
        before = fingerprint(sqlite_loaded_engine)
        body = {"fiscal_year": "2026", "value": "666"}
        for token in (attackers_token, sessions.csrf_token(PLANTED_SECRET, "page")):
            api = browser.post(f"/api/v1/kpis/{kpi_id}/actuals", json=body, headers={"x-csrf-token": token})
            assert api.status_code == 403 and api.json()["error"]["code"] == "csrf_failed"
            form = browser.post(f"/kpis/{kpi_id}", data={**body, "csrf_token": token})
            assert form.status_code == 403
            browser.cookies.set("keikaku_csrf", PLANTED_SECRET, domain="testserver.local")  # planted again
            again = browser.post(f"/api/v1/kpis/{kpi_id}/actuals", json=body, headers={"x-csrf-token": token})
            assert again.status_code == 403
        assert_intact(sqlite_loaded_engine, before, "planted CSRF secret")


def test_session_ids_and_api_tokens_are_not_interchangeable(sqlite_loaded_engine: Engine) -> None:
    add_user(sqlite_loaded_engine, "kanri", Role.BUREAU_ADMIN)
    api_token = create_api_token(
        "kanri", ["actuals:write"], actor=local_admin({"USER": "t"}), engine=sqlite_loaded_engine
    ).token
    with make_client(sqlite_loaded_engine, PUBLIC) as client:
        kpi_id = find_ids(client).platform_kpis[1]
        login(client, "kanri")
        session_id = client.cookies["keikaku_session"]
        token = client.headers["x-csrf-token"]
    before = fingerprint(sqlite_loaded_engine)
    body = {"fiscal_year": "2026", "value": "666"}
    with _anonymous(sqlite_loaded_engine) as other:
        as_bearer = other.post(
            f"/api/v1/kpis/{kpi_id}/actuals", json=body, headers={"authorization": f"Bearer {session_id}"}
        )
        assert as_bearer.status_code == 401 and as_bearer.json()["error"]["code"] == "unauthenticated"
        other.cookies.set("keikaku_session", api_token, domain="testserver.local")
        assert other.get("/account", follow_redirects=False).headers["location"] == "/login?next=/account"
        as_cookie = other.post(f"/api/v1/kpis/{kpi_id}/actuals", json=body, headers={"x-csrf-token": token})
        assert as_cookie.status_code == 403
    assert_intact(sqlite_loaded_engine, before, "swapped credentials")


def test_a_cookie_replayed_after_logout_acts_as_nobody(sqlite_loaded_engine: Engine) -> None:
    add_user(sqlite_loaded_engine, "kanri", Role.BUREAU_ADMIN)
    with make_client(sqlite_loaded_engine, PUBLIC) as client:
        kpi_id = find_ids(client).platform_kpis[1]
        login(client, "kanri")
        stolen, token = client.cookies["keikaku_session"], client.headers["x-csrf-token"]
        assert client.post("/logout", follow_redirects=False).status_code == 303
    assert sessions.get_session(stolen, engine=sqlite_loaded_engine) is None
    before = fingerprint(sqlite_loaded_engine)
    with _anonymous(sqlite_loaded_engine) as replay:
        replay.cookies.set("keikaku_session", stolen, domain="testserver.local")
        assert replay.get("/account", follow_redirects=False).status_code == 303
        assert "kanri としてログイン中" not in replay.get("/").text
        refused = replay.post(
            f"/api/v1/kpis/{kpi_id}/actuals",
            json={"fiscal_year": "2026", "value": "666"},
            headers={"x-csrf-token": token},
        )
        assert refused.status_code == 403
    assert_intact(sqlite_loaded_engine, before, "replayed session")
