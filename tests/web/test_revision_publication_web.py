"""Pages and API while FY2026 has a draft 第2版: the public still reads the published 第1版 everywhere — the
dashboard, the plan list, /downloads, the FY2026 report, the project pages — and staff see both, labelled."""

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, select
from tests.services.revisions import add_revised_2026
from tests.web.conftest import make_client

from keikaku.services.core.actors import PUBLIC, Actor, Role
from keikaku.services.publication.state import publish_evaluation
from keikaku.services.search.index import forget_checks
from keikaku.storage import models as m
from keikaku.storage.uow import read_session

ADMIN = Actor("管理者", frozenset({Role.BUREAU_ADMIN}))


@pytest.fixture
def revised(loaded_engine: Engine) -> Iterator[tuple[Engine, int, int]]:
    with read_session(loaded_engine) as session:
        first = session.scalar(select(m.Plan.id).where(m.Plan.fiscal_year == 2026, m.Plan.revision == 1))
    assert first is not None
    publish_evaluation(ADMIN, first, 2026, engine=loaded_engine)
    second = add_revised_2026(loaded_engine)
    forget_checks()
    yield loaded_engine, first, second
    forget_checks()


def test_public_pages_keep_the_published_revision(revised: tuple[Engine, int, int]) -> None:
    eng, first, second = revised
    with make_client(eng, PUBLIC) as client:
        home = client.get("/api/v1/dashboard").json()
        assert (home["fiscal_year"], home["plan_id"]) == (2026, first)
        plans = {p["fiscal_year"]: p["id"] for p in client.get("/api/v1/plans").json()["items"]}
        assert plans[2026] == first
        assert "下書き" not in client.get("/plans").text
        downloads = client.get("/downloads").text
        assert "/api/v1/reports/evaluation?format=pdf&amp;fiscal_year=2026" in downloads
        report = client.get("/api/v1/reports/evaluation?format=html&fiscal_year=2026")
        assert report.status_code == 200 and "100,674" in report.text
        assert client.get("/api/v1/export/json?fiscal_year=2026").json()["plans"][0]["total_budget_thousand_yen"] == (
            100_674
        )
        rows = client.get(f"/api/v1/plans/{first}").json()["rows"]["items"]
        for row in rows:
            page = client.get(f"/projects/{row['id']}")
            assert page.status_code == 200, row["name"]
            assert "この版は最新ではありません" not in page.text
        assert client.get(f"/plans/{second}").status_code == 404


def test_staff_see_both_revisions_labelled(revised: tuple[Engine, int, int]) -> None:
    eng, first, second = revised
    with make_client(eng, ADMIN) as client:
        listed = client.get("/plans").text
        assert "第2版（下書き）" in listed and "第1版（公開中）" in listed
        assert f'href="/plans/{first}"' in listed
        page = client.get(f"/plans/{second}").text
        assert "第2版（下書き）" in page and f'href="/plans/{first}"' in page
        api = client.get("/api/v1/plans?fiscal_year=2026").json()["items"][0]
        assert api["id"] == second
        assert api["revisions"] == [
            {"id": second, "revision": 2, "published": False},
            {"id": first, "revision": 1, "published": True},
        ]
        client.cookies.set("lang", "en")
        assert "revision 2 (draft)" in client.get("/plans", params={"lang": "en"}).text
