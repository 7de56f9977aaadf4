"""SQL injection in every filter, search and path parameter of every GET route, pages and API, both databases.

The routes and their parameters come from the app (see ``conftest.app_routes``), so a new route is attacked
too.  Each payload goes into one parameter at a time, the others valid; the answer must be a 4xx or a normal
(empty or filtered) result — never a server error, never another user's data, never a changed database.
"""

import json
from typing import Any
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from keikaku.services.core.actors import Role
from keikaku.web import create_app

from .conftest import (
    EDITOR,
    Route,
    add_user,
    app_routes,
    assert_intact,
    find_ids,
    fingerprint,
    first_link_id,
    make_client,
    required_query,
    sample_path,
    table_counts,
    warm_up,
)

pytestmark = pytest.mark.usefixtures("cheap_hasher")

PAYLOADS = [
    "' OR 1=1 --",
    "1; DROP TABLE plans",
    "%' UNION SELECT username, password_hash, NULL FROM users --",
    "\x00",
    "1' AND (SELECT pg_sleep(3)) IS NULL --",
    "') OR ('1'='1",
    "関西'; DELETE FROM actual_values; --",
    "2026 OR 1=1",
]
#: Filters that match a name exactly: an injection must find nothing, not everything.
EXACT_FILTERS = {"department", "issuer"}
#: Counts in a JSON answer that an exact filter with an unknown value leaves at zero.
RESULT_COUNTS = ("total", "shown_total")


def _get_routes(app_routes_: list[Route]) -> list[Route]:
    routes = [r for r in app_routes_ if "GET" in r.methods and r.path != "/api/v1/docs"]
    # The enumeration must see the pages (not in the OpenAPI document) as well as the API.
    paths = {r.path for r in routes}
    assert {"/api/v1/projects", "/projects", "/plans/{plan_id}", "/search", "/api/v1/search"} <= paths
    assert len(routes) >= 35
    return routes


def _attacks(route: Route) -> list[tuple[str, bool]]:
    """(parameter, is a path parameter) of every parameter a payload can go into."""
    names = [(p.name, False) for p in route.query]
    names += [(p.name, True) for p in route.path_params]
    return names


def _check_answer(route: Route, param: str, payload: str, response: Any) -> None:
    where = f"{route.path} {param}={payload!r}"
    status, body, ctype = response.status_code, response.content, response.headers.get("content-type", "")
    assert status < 500, f"{where}: {status} {body[:300]!r}"
    assert b"$argon2" not in body, f"{where}: a password hash leaked"
    if status == 200 and param in EXACT_FILTERS and ctype.startswith("application/json"):
        data = json.loads(body)
        for key in RESULT_COUNTS:
            if key in data:
                assert data[key] == 0, f"{where}: {key}={data[key]}"


def test_every_get_parameter_resists_sql_injection(loaded_engine: Engine) -> None:
    add_user(loaded_engine, "victim", Role.BUREAU_ADMIN)
    routes = _get_routes(app_routes(create_app()))
    with make_client(loaded_engine, EDITOR) as client:
        ids = find_ids(client)
        link_id = first_link_id(client, ids)
        warm_up(client)
        before = fingerprint(loaded_engine)
        attacked = 0
        for route in routes:
            counts = table_counts(loaded_engine)
            for param, in_path in _attacks(route):
                for payload in PAYLOADS:
                    if in_path:
                        url = sample_path(route, ids, link_id, **{param: quote(payload, safe="")})
                        query = required_query(route)
                    else:
                        url = sample_path(route, ids, link_id)
                        query = required_query(route, **{param: payload})
                    response = client.get(url, params=query, follow_redirects=False)
                    _check_answer(route, param, payload, response)
                    assert table_counts(loaded_engine) == counts, (route.path, param, payload)
                    attacked += 1
            assert_intact(loaded_engine, before, route.path)
        assert attacked >= 40 * len(PAYLOADS)


def test_a_union_payload_in_a_filter_finds_nothing(both_client: TestClient) -> None:
    """The exact filters compare values, never splice them: a payload matching every row finds none."""
    for path in ("/api/v1/projects", "/api/v1/plans"):
        everything = both_client.get(path).json()["total"]
        assert everything > 0
        for param in ("department", "issuer") if path.endswith("projects") else ("issuer",):
            for payload in PAYLOADS[:3]:
                response = both_client.get(path, params={param: payload})
                assert response.status_code == 200 and response.json()["total"] == 0, (path, param, payload)
    plans = both_client.get("/api/v1/plans").json()["items"]
    plan = both_client.get(f"/api/v1/plans/{plans[0]['id']}", params={"department": "' OR 1=1 --"})
    assert plan.status_code == 200 and plan.json()["shown_total"] == 0
