"""Fixtures of the web tests: an app over a database with the bundled Kansai data, and a client for it."""

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from keikaku.services.actors import Actor, Role, local_editor
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


def make_client(engine: Engine, actor: Actor = EDITOR, max_body: int = 1024 * 1024) -> TestClient:
    """A test client of an app over ``engine`` acting as ``actor``."""
    app = create_app(WebSettings(engine=engine, actor=actor, max_body=max_body))
    return TestClient(app, raise_server_exceptions=True)


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
    with make_client(sqlite_loaded_engine, local_editor({"KEIKAKU_WEB_READ_ONLY": "1"})) as c:
        yield c


@pytest.fixture
def ids(client: TestClient) -> Ids:
    """Ids of the bundled data in the SQLite app."""
    return find_ids(client)
