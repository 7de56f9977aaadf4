"""Pages and API on SQLite and PostgreSQL: a draft plan is 404 for the public on every route that names it and
absent from every list; an evaluation not yet published says so in both languages, until it is published."""

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from tests.services.drafts import WORD, Draft, add_draft_plan
from tests.web.conftest import make_client

from keikaku.services.core.actors import PUBLIC, Actor, Role
from keikaku.services.publication.state import publish_evaluation
from keikaku.services.search.index import forget_checks

ADMIN = Actor("管理者", frozenset({Role.BUREAU_ADMIN}))
COUNCIL = Actor("委員", frozenset({Role.COUNCIL_MEMBER}))
EDITOR = Actor("担当課", frozenset({Role.DEPARTMENT_EDITOR}), frozenset({"ものづくり支援課"}))
NOT_PUBLISHED = "評価は未公表"


@dataclass(frozen=True)
class Site:
    """A database with the bundled data and a draft FY2027 plan."""

    engine: Engine
    draft: Draft

    def client(self, actor: Actor) -> TestClient:
        return make_client(self.engine, actor)


@pytest.fixture
def site(loaded_engine: Engine) -> Iterator[Site]:
    draft = add_draft_plan(loaded_engine)
    forget_checks()
    yield Site(loaded_engine, draft)
    forget_checks()


def _naming_the_draft(draft: Draft) -> list[str]:
    return [
        f"/plans/{draft.plan}",
        f"/projects/{draft.project}",
        f"/kpis/{draft.kpi}",
        "/?fiscal_year=2027",
        "/tree?fiscal_year=2027",
        "/compare?before=2026&after=2027",
        f"/documents/{draft.document}?line=2",
        f"/api/v1/plans/{draft.plan}",
        f"/api/v1/projects/{draft.project}",
        f"/api/v1/kpis/{draft.kpi}",
        "/api/v1/dashboard?fiscal_year=2027",
        "/api/v1/tree?fiscal_year=2027",
        "/api/v1/compare?before=2026&after=2027",
        f"/api/v1/documents/{draft.document}?line=2",
        "/api/v1/export/json?fiscal_year=2027",
        "/api/v1/export/csv?fiscal_year=2027",
        "/api/v1/reports/comparison?format=html&before=2026&after=2027",
    ]


def test_the_draft_is_not_found_by_the_public(site: Site) -> None:
    with site.client(PUBLIC) as public:
        for url in [*_naming_the_draft(site.draft), "/api/v1/reports/evaluation?format=html&fiscal_year=2027"]:
            response = public.get(url)
            assert response.status_code == 404, url
            if url.startswith("/api/"):
                assert response.json()["error"]["code"].endswith("_not_found"), url


@pytest.mark.parametrize("insider", [ADMIN, COUNCIL, EDITOR], ids=["admin", "council", "editor"])
def test_insiders_open_the_draft(site: Site, insider: Actor) -> None:
    with site.client(insider) as client:
        for url in _naming_the_draft(site.draft):
            assert client.get(url).status_code == 200, url
        assert "量子技術の実装支援" in client.get(f"/plans/{site.draft.plan}").text
        assert site.draft.plan in {p["id"] for p in client.get("/api/v1/plans").json()["items"]}
        assert client.get("/api/v1/search", params={"q": WORD}).json()["total"] >= 1
        assert 2027 in client.get("/api/v1/downloads").json()["fiscal_years"]


def test_the_draft_is_absent_from_every_list_for_the_public(site: Site) -> None:
    draft = site.draft
    with site.client(PUBLIC) as public:
        plans = public.get("/api/v1/plans").json()
        assert plans["total"] == 2 and draft.plan not in {p["id"] for p in plans["items"]}
        assert f"/plans/{draft.plan}" not in public.get("/plans").text
        assert public.get("/api/v1/projects", params={"fiscal_year": 2027}).json()["total"] == 0
        assert f"/projects/{draft.project}" not in public.get("/projects").text
        found = public.get("/api/v1/search", params={"q": WORD}).json()
        assert (found["total"], found["hits"]) == (0, [])
        assert "量子技術" not in public.get("/search", params={"q": WORD}).text
        board = public.get("/api/v1/dashboard").json()
        assert (board["fiscal_year"], board["fiscal_years"]) == (2026, [2023, 2026])
        assert 2027 not in {b["fiscal_year"] for b in board["budgets"]}
        assert "量子" not in public.get("/").text and "量子" not in public.get("/tree").text
        assert public.get("/api/v1/tree").json()["fiscal_year"] == 2026
        compared = public.get("/api/v1/compare").json()
        assert (compared["before_year"], compared["after_year"]) == (2023, 2026)
        downloads = public.get("/api/v1/downloads").json()
        assert downloads["fiscal_years"] == [2023, 2026]
        assert not any("2027" in f["href"] for f in downloads["files"])
        assert "fiscal_year=2027" not in public.get("/downloads").text
        everything = public.get("/api/v1/export/json")
        assert everything.status_code == 200 and WORD not in everything.text
        assert [p["fiscal_year"] for p in everything.json()["plans"]] == [2023, 2026]
        assert WORD not in public.get("/api/v1/export/csv").content.decode("utf-8-sig")


def test_unpublished_evaluations_say_so_until_published(site: Site) -> None:
    with site.client(ADMIN) as admin:
        plan = next(p["id"] for p in admin.get("/api/v1/plans").json()["items"] if p["fiscal_year"] == 2026)
        rows = admin.get(f"/api/v1/plans/{plan}").json()["rows"]["items"]
        platform = next(r["id"] for r in rows if r["code"] == "⑤")
        kpi = admin.get(f"/api/v1/projects/{platform}").json()["kpis"][0]["id"]
    with site.client(PUBLIC) as public, site.client(COUNCIL) as council:
        page = public.get(f"/api/v1/plans/{plan}").json()
        assert page["evaluation_visible"] is False and {r["status"] for r in page["rows"]["items"]} == {None}
        project = public.get(f"/api/v1/projects/{platform}").json()
        assert project["evaluation_visible"] is False and project["status"] is None
        assert public.get(f"/api/v1/kpis/{kpi}").json()["kpi"]["evaluation_visible"] is False
        board = public.get("/api/v1/dashboard").json()
        assert (board["evaluation_visible"], board["kpi_statuses"], board["evaluation_years"]) == (False, [], [])
        for url in (f"/plans/{plan}", f"/projects/{platform}", f"/kpis/{kpi}", "/", "/tree"):
            html = public.get(url).text
            assert NOT_PUBLISHED in html and 'data-testid="evaluation-hidden"' in html, url
        downloads = public.get("/downloads").text
        assert 'data-testid="evaluation-hidden-2026"' in downloads
        assert "reports/evaluation?format=pdf&amp;fiscal_year=2026" not in downloads
        assert (
            public.get("/api/v1/reports/evaluation", params={"fiscal_year": 2026, "format": "html"}).status_code == 404
        )
        public.get("/lang/en", params={"next": "/"})
        assert "Evaluation not yet published" in public.get(f"/plans/{plan}").text
        public.get("/lang/ja", params={"next": "/"})

        seen = council.get(f"/api/v1/plans/{plan}").json()
        assert seen["evaluation_visible"] is True and any(r["status"] for r in seen["rows"]["items"])
        assert NOT_PUBLISHED not in council.get(f"/plans/{plan}").text
        assert council.get("/api/v1/dashboard").json()["kpi_statuses"]
        assert "reports/evaluation?format=pdf&amp;fiscal_year=2026" in council.get("/downloads").text

        publish_evaluation(ADMIN, plan, 2026, engine=site.engine)
        page = public.get(f"/api/v1/plans/{plan}").json()
        assert page["evaluation_visible"] is True and any(r["status"] for r in page["rows"]["items"])
        assert NOT_PUBLISHED not in public.get(f"/plans/{plan}").text
        assert public.get("/api/v1/dashboard").json()["evaluation_years"] == [2026]
        assert "reports/evaluation?format=pdf&amp;fiscal_year=2026" in public.get("/downloads").text
        report = public.get("/api/v1/reports/evaluation", params={"fiscal_year": 2026, "format": "html"})
        assert report.status_code == 200
