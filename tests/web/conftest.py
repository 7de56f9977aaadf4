"""Fixtures of the web tests: an app over a database with the bundled Kansai data, and a client for it."""

import re
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from keikaku.services.core.actors import PUBLIC, Actor, Role
from keikaku.web import create_app
from keikaku.web.settings import WebSettings


@dataclass(frozen=True)
class Ids:
    """Ids the tests need."""

    plan_2026: int
    plan_2023: int
    platform: int
    platform_kpis: list[int]
    component: int
    initiative_startup: int
    initiative_hydrogen: int
    document: str
    line: int


def find_ids(client: TestClient) -> Ids:
    """Look the ids up the way a client would."""
    plans = {p["fiscal_year"]: p["id"] for p in client.get("/api/v1/plans").json()["items"]}
    rows = client.get(f"/api/v1/plans/{plans[2026]}").json()["rows"]["items"]
    platform = next(r for r in rows if r["code"] == "⑤")
    component = next(c for r in rows for c in r["components"])
    project = client.get(f"/api/v1/projects/{platform['id']}").json()
    initiatives = [i for p in client.get("/api/v1/partners").json()["programmes"] for i in p["initiatives"]]
    startup = next(i for i in initiatives if "Global Startup EXPO" in i["name"])
    hydrogen = next(i for i in initiatives if "水素" in i["name"])
    return Ids(
        plan_2026=plans[2026],
        plan_2023=plans[2023],
        platform=platform["id"],
        platform_kpis=[k["id"] for k in project["kpis"]],
        component=component["id"],
        initiative_startup=startup["id"],
        initiative_hydrogen=hydrogen["id"],
        document=project["source"]["document"],
        line=project["source"]["line"],
    )


EDITOR = Actor("テスト編集者", frozenset({Role.BUREAU_ADMIN}))


CSRF_INPUT = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_from(html: str) -> str:
    """The CSRF token of the first form in a page."""
    found = CSRF_INPUT.search(html)
    assert found, "the page has no form with a CSRF token"
    return found.group(1)


def make_client(engine: Engine, actor: Actor = EDITOR, max_body: int = 1024 * 1024) -> TestClient:
    """A test client of an app over ``engine`` whose requests without a session act as ``actor``.

    The client sends a valid CSRF token with every request (taken from the login form, as a browser would
    from any form), so that tests of permissions and validation are not stopped by the CSRF check; the
    CSRF check itself is tested with clients that do not.
    """
    app = create_app(WebSettings(engine=engine, actor=actor, max_body=max_body))
    client = TestClient(app, raise_server_exceptions=True)
    client.headers["x-csrf-token"] = csrf_from(client.get("/login").text)
    return client


@pytest.fixture
def client(sqlite_loaded_engine: Engine) -> Iterator[TestClient]:
    """A client of the app over SQLite with the bundled data, acting as a bureau administrator."""
    with make_client(sqlite_loaded_engine) as c:
        yield c


@pytest.fixture
def both_client(loaded_engine: Engine) -> Iterator[TestClient]:
    """The same over SQLite and over PostgreSQL (when configured)."""
    with make_client(loaded_engine) as c:
        yield c


@pytest.fixture
def public_client(sqlite_loaded_engine: Engine) -> Iterator[TestClient]:
    """A client of a read-only app (the public visitor)."""
    with make_client(sqlite_loaded_engine, PUBLIC) as c:
        yield c


@pytest.fixture
def ids(client: TestClient) -> Ids:
    """Ids of the bundled data in the SQLite app."""
    return find_ids(client)


PASSWORD = "関西の計画を守る合言葉-2026"


@pytest.fixture
def cheap_hasher(monkeypatch: pytest.MonkeyPatch) -> None:
    """argon2 with its cheapest parameters: login tests check behaviour, not the cost of a hash."""
    from argon2 import PasswordHasher, profiles

    from keikaku.services.governance import passwords

    monkeypatch.setattr(passwords, "PASSWORD_HASHER", PasswordHasher.from_parameters(profiles.CHEAPEST))


def add_user(
    engine: Engine,
    username: str,
    *roles: Role,
    departments: tuple[str, ...] = (),
    member_government: str | None = None,
    institution: str | None = None,
) -> None:
    """Create an account with :data:`PASSWORD`, as the command line's administrator would."""
    from keikaku.services.governance.accounts import UserCreate, create_user, local_admin

    data = UserCreate(
        username,
        list(roles),
        departments=departments,
        member_government=member_government,
        password=PASSWORD,
        institution=institution,
    )
    create_user(data, actor=local_admin({"USER": "test"}), engine=engine)


def login(client: TestClient, username: str, password: str = PASSWORD) -> None:
    """Log ``client`` in through the login form (the session cookie stays in the client)."""
    client.headers.pop("x-csrf-token", None)
    token = csrf_from(client.get("/login").text)
    response = client.post(
        "/login", data={"username": username, "password": password, "csrf_token": token}, follow_redirects=False
    )
    assert response.status_code == 303, response.text
    client.headers["x-csrf-token"] = csrf_from(client.get("/account").text)


def user_client(engine: Engine, username: str, *roles: Role, **assignment: object) -> TestClient:
    """A client logged in as a new account with ``roles`` (public visitors by default when not logged in)."""
    add_user(engine, username, *roles, **assignment)  # type: ignore[arg-type]
    client = make_client(engine, PUBLIC)
    login(client, username)
    return client
