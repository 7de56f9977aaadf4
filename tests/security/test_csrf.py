"""CSRF: every state-changing route, enumerated from the app, refuses a logged-in administrator's request that
does not carry the session's token — whatever the body's type, wherever a forged token is put — with 403
``csrf_failed`` and the database unchanged.  The same requests with the token go through (the control).
"""

import gc
import warnings
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from tests.web.workbooks import filled_workbook

from keikaku.services.core.actors import PUBLIC, Role
from keikaku.services.governance.sessions import get_session
from keikaku.web import create_app
from keikaku.web.settings import WebSettings

from .conftest import (
    PASSWORD,
    Route,
    add_user,
    app_routes,
    assert_intact,
    csrf_from,
    find_ids,
    fingerprint,
    first_link_id,
    login,
    make_client,
    sample_path,
    warm_up,
)

pytestmark = pytest.mark.usefixtures("cheap_hasher")

UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FIELDS = {
    "fiscal_year": "2026",
    "value": "42",
    "note": "CSRF",
    "action": "confirm",
    "username": "kanri",
    "password": "x",
    "current_password": "x",
    "new_password": "y" * 12,
}


def _unsafe_routes() -> list[tuple[str, Route]]:
    routes = [(m, r) for r in app_routes(create_app()) for m in sorted(r.methods & UNSAFE)]
    paths = {r.path for _, r in routes}
    assert {
        "/login",
        "/logout",
        "/account/password",
        "/kpis/{kpi_id}",
        "/partners/links/{link_id}",
        "/actuals/import",
        "/api/v1/kpis/{kpi_id}/actuals",
        "/api/v1/partners/links/{link_id}",
        "/api/v1/actuals/import",
    } <= paths, paths
    return routes


def _forgeries(workbook: bytes, foreign_token: str) -> list[tuple[str, dict[str, Any]]]:
    """Ways a cross-site page (or a careless client) would send the request without the session's token."""
    return [
        ("form, no token", {"data": FIELDS}),
        ("JSON, no token", {"json": FIELDS}),
        ("multipart, no token", {"data": FIELDS, "files": {"file": ("a.xlsx", workbook, XLSX)}}),
        ("text/plain", {"content": "fiscal_year=2026&value=42", "headers": {"content-type": "text/plain"}}),
        ("empty token", {"data": {**FIELDS, "csrf_token": ""}}),
        ("forged token", {"data": {**FIELDS, "csrf_token": "page.deadbeef"}, "headers": {"x-csrf-token": "x.y"}}),
        ("another session's token", {"data": {**FIELDS, "csrf_token": foreign_token}}),
        ("token in the query", {"data": FIELDS, "params": {"csrf_token": foreign_token}}),
    ]


def _assert_refused(route: Route, response: Any, what: str) -> None:
    assert response.status_code == 403, (route.path, what, response.status_code, response.text[:300])
    if route.is_api:
        assert response.json()["error"]["code"] == "csrf_failed", (route.path, what)
    else:
        assert "確認用トークン" in response.text, (route.path, what)


def test_every_state_changing_route_refuses_a_request_without_the_sessions_token(
    sqlite_loaded_engine: Engine,
) -> None:
    engine = sqlite_loaded_engine
    add_user(engine, "kanri", Role.BUREAU_ADMIN)
    add_user(engine, "other", Role.BUREAU_ADMIN)
    routes = _unsafe_routes()
    with make_client(engine, PUBLIC) as other:
        login(other, "other")
        foreign = other.headers["x-csrf-token"]
    with make_client(engine, PUBLIC) as client:
        ids = find_ids(client)
        link_id = first_link_id(client, ids)
        warm_up(client)
        login(client, "kanri")
        own = client.headers.pop("x-csrf-token")
        session = client.cookies["keikaku_session"]
        workbook = filled_workbook(engine, {ids.platform_kpis[1]: {"実績値": 42}})
        before = fingerprint(engine)
        for method, route in routes:
            url = sample_path(route, ids, link_id)
            for what, request in _forgeries(workbook, foreign):
                response = client.request(method, url, follow_redirects=False, **request)
                _assert_refused(route, response, what)
                assert_intact(engine, before, f"{method} {route.path} ({what})")
        gc.collect()  # the leaked upload files go now, under this test's warning filter
        # Still logged in: the refused logout did not end the session, the refused login did not replace it.
        assert client.cookies["keikaku_session"] == session and get_session(session, engine=engine) is not None
        # The control: with the session's own token the same requests go through.
        kpi = sample_path(next(r for _, r in routes if r.path == "/kpis/{kpi_id}"), ids, link_id)
        saved = client.post(kpi, data={**FIELDS, "csrf_token": own}, follow_redirects=False)
        assert saved.status_code == 303
        imported = client.post(
            "/api/v1/actuals/import",
            files={"file": ("a.xlsx", workbook, XLSX)},
            headers={"x-csrf-token": own},
        )
        assert imported.status_code == 200 and imported.json()["recorded"] == 1


def test_a_bearer_header_never_falls_back_to_the_session(sqlite_loaded_engine: Engine) -> None:
    """A request with the session cookie and a bad API token is 401, not the session's user without CSRF."""
    add_user(sqlite_loaded_engine, "kanri", Role.BUREAU_ADMIN)
    with make_client(sqlite_loaded_engine, PUBLIC) as client:
        kpi_id = find_ids(client).platform_kpis[1]
        login(client, "kanri")
        client.headers.pop("x-csrf-token")
        before = fingerprint(sqlite_loaded_engine)
        for header in ("Bearer kk_forged", "Bearer ", "bearer " + client.cookies["keikaku_session"]):
            response = client.post(
                f"/api/v1/kpis/{kpi_id}/actuals",
                json={"fiscal_year": "2026", "value": "1"},
                headers={"authorization": header},
            )
            assert response.status_code == 401, (header, response.text)
        assert_intact(sqlite_loaded_engine, before, "bearer")


def test_an_attackers_own_login_token_does_not_log_a_visitor_in(sqlite_loaded_engine: Engine) -> None:
    """Login CSRF: a token valid for the attacker's pre-login cookie is worthless in the visitor's browser."""
    add_user(sqlite_loaded_engine, "kanri", Role.BUREAU_ADMIN)
    settings = WebSettings(engine=sqlite_loaded_engine, actor=PUBLIC)
    with TestClient(create_app(settings)) as attacker, TestClient(create_app(settings)) as visitor:
        attackers_token = csrf_from(attacker.get("/login").text)
        visitor.get("/login")  # the visitor has a pre-login cookie of its own
        before = fingerprint(sqlite_loaded_engine)
        response = visitor.post(
            "/login",
            data={"username": "kanri", "password": PASSWORD, "csrf_token": attackers_token},
            follow_redirects=False,
        )
        assert response.status_code == 403 and "keikaku_session" not in visitor.cookies
        assert_intact(sqlite_loaded_engine, before, "login CSRF")


def test_the_csrf_check_closes_the_files_it_parsed(sqlite_loaded_engine: Engine) -> None:
    with make_client(sqlite_loaded_engine) as client:
        token = client.headers.pop("x-csrf-token")
        kpi_id = find_ids(client).platform_kpis[1]
        leaked = []
        for url, data in ((f"/api/v1/kpis/{kpi_id}/actuals", {}), ("/logout", {"csrf_token": token})):
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                response = client.post(url, data=data, files={"file": ("a.xlsx", b"x" * 100)}, follow_redirects=False)
                assert response.status_code in (303, 403)
                gc.collect()
            leaked += [str(w.message) for w in caught if issubclass(w.category, ResourceWarning)]
        assert leaked == []
