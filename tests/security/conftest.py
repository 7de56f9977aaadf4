"""What the security tests share: a fingerprint of the whole database, the app's routes, sample values.

Every attack is "refused or neutralised with the data intact": :func:`fingerprint` (the row count of every
table, and a digest of every row of every table but the few that reading requests touch) is taken before
and compared after each refused request.  The routes are enumerated from the app itself
(:func:`app_routes`), so a new route or parameter is attacked without anyone adding it to a list; a route
parameter no sample value is known for fails loudly (:func:`sample_path`).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from tests import db_fingerprint
from tests.db_fingerprint import changed_tables, table_counts  # noqa: F401  (table_counts: for the tests)
from tests.web.conftest import (  # noqa: F401  (fixtures are found by name)
    EDITOR,
    PASSWORD,
    Ids,
    add_user,
    both_client,
    cheap_hasher,
    client,
    csrf_from,
    find_ids,
    ids,
    login,
    make_client,
    public_client,
    user_client,
)

#: Tables a reading request may legitimately touch: a session's or token's last use, failed logins.
VOLATILE = frozenset({"sessions", "api_tokens", "login_attempts"})

# --- the database fingerprint ----------------------------------------------------------------------------


def fingerprint(engine: Engine) -> dict[str, Any]:
    """Row counts of every table and a digest of every row of every table except :data:`VOLATILE`."""
    return db_fingerprint.fingerprint(engine, skip=VOLATILE)


def assert_intact(engine: Engine, before: dict[str, Any], what: object) -> None:
    """The database is as :func:`fingerprint` saw it (tables named when not)."""
    changed = changed_tables(before, fingerprint(engine))
    assert not changed, f"{what}: tables changed: {changed}"


def warm_up(http: TestClient) -> None:
    """Build what the first reads build lazily (the search index, the partner link suggestions)."""
    assert http.get("/partners").status_code == 200
    assert http.get("/search", params={"q": "水素"}).status_code == 200


# --- the app's routes ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Param:
    """A query or path parameter of a route."""

    name: str
    annotation: Any
    required: bool


@dataclass(frozen=True)
class Route:
    """An endpoint: path, methods, its query and path parameters, and whether the OpenAPI document lists it."""

    path: str
    methods: frozenset[str]
    query: tuple[Param, ...]
    path_params: tuple[Param, ...]
    in_schema: bool

    @property
    def is_api(self) -> bool:
        """Under ``/api/``: errors are JSON."""
        return self.path.startswith("/api/")


def _params(fields: list[Any]) -> tuple[Param, ...]:
    return tuple(Param(f.alias, f.field_info.annotation, bool(f.field_info.is_required())) for f in fields)


def _with_dependencies(dependant: Any, kind: str) -> list[Any]:
    """The route's own parameters of ``kind`` and those of the dependencies it declares (a shared filter such
    as ``ProjectFiltersDep`` takes query parameters for the route), each name once."""
    fields: dict[str, Any] = {}
    pending = [dependant]
    while pending:
        current = pending.pop(0)
        for field in getattr(current, kind):
            fields.setdefault(field.alias, field)
        pending.extend(current.dependencies)
    return list(fields.values())


def app_routes(app: FastAPI) -> list[Route]:
    """Every endpoint of the app with its parameters, read from the routes themselves (included routers too).

    Cross-checked with the OpenAPI document: every operation it lists must be found here with the same
    query parameters, so that this enumeration cannot silently go empty when FastAPI changes.
    """
    routes = []
    for context in iter_route_contexts(app.routes):
        dependant = getattr(context, "dependant", None)
        path = getattr(context, "path", None)
        if dependant is None or path is None:
            continue
        routes.append(
            Route(
                path=path,
                methods=frozenset(context.methods or ()),
                query=_params(_with_dependencies(dependant, "query_params")),
                path_params=_params(_with_dependencies(dependant, "path_params")),
                in_schema=bool(getattr(context, "include_in_schema", False)),
            )
        )
    found = {(m.lower(), r.path): {p.name for p in r.query} for r in routes for m in r.methods}
    for path, operations in app.openapi()["paths"].items():
        for method, operation in operations.items():
            assert (method, path) in found, f"{method.upper()} {path} is in the OpenAPI document but not enumerated"
            documented = {p["name"] for p in operation.get("parameters", []) if p["in"] == "query"}
            assert documented == found[(method, path)], (path, documented, found[(method, path)])
    return routes


def _enum_value(annotation: Any) -> str | None:
    members = getattr(annotation, "__members__", None)
    return str(next(iter(members.values())).value) if members else None


def sample_path(route: Route, known: Ids, link_id: int, **override: str) -> str:
    """The route's path with a valid value in each path parameter (``override`` replaces some)."""
    values = {
        "plan_id": str(known.plan_2026),
        "project_id": str(known.platform),
        "kpi_id": str(known.platform_kpis[0]),
        "initiative_id": str(known.initiative_startup),
        "link_id": str(link_id),
        "key": known.document,
        "page": "1",
        "fmt": "csv",
        "identifier": "evaluation",
        "code": "en",
        "cooperative_id": "1",
        "fiscal_year": "2026",
        # Need not exist: the checks run before the route looks anything up.
        "event_id": "1",
        "token": "t" * 32,
        "username": "kikaku",
        "issue_id": "1",
        "directory": "kansai_companies",
        "entry_id": "1",
        "record_id": "1",
        "upload_id": "0" * 32,
        "token_id": "1",
        "property_code": "site",
        "kind": "post",
        "case_id": "1",
        "survey_id": "1",
        "interview_id": "1",
        "attachment_id": "1",
        "seed_id": "1",
        "institution_id": "1",
    }
    path = route.path
    for param in route.path_params:
        value = override.get(param.name) or values.get(param.name) or _enum_value(param.annotation)
        assert value is not None, f"no sample value for the path parameter {param.name} of {route.path}: add one"
        path = path.replace("{" + param.name + "}", value)
    return path


def required_query(route: Route, **override: str) -> dict[str, str]:
    """Valid values of the route's required query parameters (``override`` replaces some)."""
    values = {"q": "水素", "fiscal_year": "2026", "department": "ものづくり支援課"}
    query = {}
    for param in route.query:
        if param.required or param.name in override:
            value = override.get(param.name) or values.get(param.name)
            assert value is not None, f"no sample value for the required parameter {param.name} of {route.path}"
            query[param.name] = value
    return query


def first_link_id(http: TestClient, known: Ids) -> int:
    """A partner link of the start-up initiative, whatever its state.

    The suggestions are made when the partner pages are first read; the public sees confirmed links
    only, so the link is read from the database rather than from the page.
    """
    from sqlalchemy import select

    from keikaku.storage import web_models
    from keikaku.storage.uow import read_session

    http.get(f"/api/v1/partners/initiatives/{known.initiative_startup}").raise_for_status()
    engine = http.app.state.settings.engine  # type: ignore[attr-defined]
    with read_session(engine) as s:
        link = s.scalar(
            select(web_models.PartnerLink.id)
            .where(web_models.PartnerLink.initiative_id == known.initiative_startup)
            .order_by(web_models.PartnerLink.id)
        )
    assert link is not None, "the start-up initiative has no partner link"
    return int(link)


@pytest.fixture
def admin_client(sqlite_loaded_engine: Engine, request: pytest.FixtureRequest) -> Iterator[TestClient]:
    """A bureau administrator logged in through the login form (SQLite, the bundled data)."""
    from keikaku.services.core.actors import Role

    request.getfixturevalue("cheap_hasher")
    with user_client(sqlite_loaded_engine, "kanri", Role.BUREAU_ADMIN) as c:
        yield c
