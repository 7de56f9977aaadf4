"""Ingest in the browser's pages and through the API's two steps, and a plan's revisions page.

The FY2026 document with three changes is uploaded: the review shows the warning and a diff naming only the
three changes, nothing is stored until the reviewer stores it, the public keeps the published revision, and
publishing the draft carries the year's actual value over.
"""

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from tests.services.revisions import revised_seed_text
from tests.web.conftest import make_client

from keikaku.services.actuals.record import ActualInput, set_actual
from keikaku.services.core.actors import PUBLIC, Actor, Role
from keikaku.services.publication.state import publish_evaluation
from keikaku.services.search.index import forget_checks
from keikaku.storage import models as m
from keikaku.storage.uow import read_session
from keikaku.storage.uploads import IngestUpload

ADMIN = Actor("管理者", frozenset({Role.BUREAU_ADMIN}))
OTHER_EDITOR = Actor("他課の編集者", frozenset({Role.DEPARTMENT_EDITOR}), frozenset({"観光振興課"}))


def _plans(engine: Engine) -> int:
    with read_session(engine) as session:
        return int(session.scalar(select(func.count()).select_from(m.Plan)) or 0)


def _participants_kpi(engine: Engine, revision: int) -> int:
    with read_session(engine) as session:
        kpi = session.scalar(
            select(m.Kpi.id)
            .join(m.Project, m.Kpi.project_id == m.Project.id)
            .join(m.Plan, m.Project.plan_id == m.Plan.id)
            .where(m.Plan.fiscal_year == 2026, m.Plan.revision == revision, m.Kpi.indicator == "参加者数")
        )
    assert kpi is not None
    return int(kpi)


def _upload(client: TestClient, name: str, content: bytes) -> object:
    return client.post("/admin/ingest", files={"file": (name, content, "text/plain")}, follow_redirects=False)


@pytest.fixture
def engine_with_actual(sqlite_loaded_engine: Engine) -> Engine:
    """The bundled data with FY2026's evaluation published and an actual value on its 参加者数."""
    kpi = _participants_kpi(sqlite_loaded_engine, 1)
    with read_session(sqlite_loaded_engine) as session:
        plan_id = session.scalar(select(m.Kpi.project_id).where(m.Kpi.id == kpi))
        plan_id = session.scalar(select(m.Project.plan_id).where(m.Project.id == plan_id))
    publish_evaluation(ADMIN, int(plan_id or 0), 2026, engine=sqlite_loaded_engine)
    set_actual(ActualInput(kpi=kpi, fiscal_year=2026, value=231), actor=ADMIN, engine=sqlite_loaded_engine)
    forget_checks()
    return sqlite_loaded_engine


def test_upload_review_store_and_publish(engine_with_actual: Engine, seeds_dir: Path) -> None:
    eng = engine_with_actual
    before = _plans(eng)
    with make_client(eng, ADMIN) as client:
        response = _upload(client, "令和8年度事業計画（改訂）.txt", revised_seed_text(seeds_dir).encode())
        assert response.status_code == 303
        review_url = response.headers["location"]
        review = client.get(review_url).text
        assert _plans(eng) == before  # nothing of the plan is stored by the review
        assert "一覧表の予算額 10,043千円 と詳細ページの 11,000千円 が異なります" in review
        diff = re.search(r'<table data-testid="revision-diff">(.*?)</table>', review, re.S)
        assert diff is not None
        rows = re.findall(r"<tr><th scope=\"row\"", diff.group(1))
        assert len(rows) == 3, diff.group(1)  # the total, project ①'s budget, project ③'s target
        for figure in ("101,631", "11,000", "参加者数 &gt;= 250人"):
            assert figure in diff.group(1)
        assert "実績値 1 件" in review  # the actual value that publishing will carry over
        stored = client.post(f"{review_url}/store", follow_redirects=False)
        assert stored.status_code == 303
        revisions_url = stored.headers["location"].split("?")[0]
        assert _plans(eng) == before + 1
        page = client.get(revisions_url).text
        assert "第2版" in page and "下書き" in page and "公開中" in page
    forget_checks()
    with make_client(eng, PUBLIC) as public:
        assert public.get("/api/v1/dashboard").json()["total_budget_thousand_yen"] == 100_674
        assert public.get(revisions_url).status_code in (403, 404)
    with make_client(eng, ADMIN) as client:
        refused = client.post(f"{revisions_url}/publish", data={"reason": ""})
        assert refused.status_code == 422
        done = client.post(f"{revisions_url}/publish", data={"reason": "予算の補正"}, follow_redirects=False)
        assert done.status_code == 303
    forget_checks()
    with make_client(eng, PUBLIC) as public:
        board = public.get("/api/v1/dashboard").json()
        assert board["total_budget_thousand_yen"] == 101_631
        kpi = _participants_kpi(eng, 2)
        page = public.get(f"/kpis/{kpi}").text
        assert "231" in page and "250" in page


def test_the_same_document_again_changes_nothing(sqlite_loaded_engine: Engine, seeds_dir: Path) -> None:
    with make_client(sqlite_loaded_engine, ADMIN) as client:
        first = _upload(client, "plan.txt", revised_seed_text(seeds_dir).encode())
        client.post(f"{first.headers['location']}/store")  # type: ignore[attr-defined]
        again = client.get(_upload(client, "plan.txt", revised_seed_text(seeds_dir).encode()).headers["location"])  # type: ignore[attr-defined]
        assert "同じ文書がすでに登録されています" in again.text
        assert "disabled>下書きとして保存する" in again.text


def test_discard_stores_nothing_and_deletes_the_file(sqlite_loaded_engine: Engine, seeds_dir: Path) -> None:
    before = _plans(sqlite_loaded_engine)
    with make_client(sqlite_loaded_engine, ADMIN) as client:
        url = _upload(client, "plan.txt", revised_seed_text(seeds_dir).encode()).headers["location"]  # type: ignore[attr-defined]
        assert client.post(f"{url}/discard", follow_redirects=False).status_code == 303
        assert client.post(f"{url}/store").status_code == 409
    assert _plans(sqlite_loaded_engine) == before
    with read_session(sqlite_loaded_engine) as session:
        assert session.scalars(select(IngestUpload.content)).all() == [b""]


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("empty.txt", b"", "が空です"),
        ("notes.txt", "今日の昼ごはんはうどんでした。\n".encode(), "文書の種類を判別できません"),
        ("old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "旧形式のOffice文書"),
        ("broken.pdf", b"%PDF-1.7\n1 0 obj\n<<", "PDF"),
    ],
)
def test_bad_files_get_the_one_line_error_and_store_nothing(
    sqlite_loaded_engine: Engine, name: str, content: bytes, reason: str
) -> None:
    before = _plans(sqlite_loaded_engine)
    with make_client(sqlite_loaded_engine, ADMIN) as client:
        response = _upload(client, name, content)
        assert response.status_code in (400, 413, 422), response.text  # type: ignore[attr-defined]
        assert reason in response.text and name in response.text  # type: ignore[attr-defined]
    assert _plans(sqlite_loaded_engine) == before
    with read_session(sqlite_loaded_engine) as session:
        assert session.scalar(select(func.count()).select_from(IngestUpload)) == 0


def test_an_editor_may_not_upload_another_departments_plan(sqlite_loaded_engine: Engine, seeds_dir: Path) -> None:
    with make_client(sqlite_loaded_engine, OTHER_EDITOR) as client:
        assert client.get("/admin/ingest").status_code == 200
        assert _upload(client, "plan.txt", revised_seed_text(seeds_dir).encode()).status_code == 403  # type: ignore[attr-defined]
    with make_client(sqlite_loaded_engine, PUBLIC) as public:
        assert public.get("/admin/ingest").status_code in (401, 403)


def test_the_api_parses_then_commits_with_the_parse_id(sqlite_loaded_engine: Engine, seeds_dir: Path) -> None:
    before = _plans(sqlite_loaded_engine)
    with make_client(sqlite_loaded_engine, ADMIN) as client:
        parsed = client.post("/api/v1/ingest", files={"file": ("plan.txt", revised_seed_text(seeds_dir).encode())})
        assert parsed.status_code == 201, parsed.text
        body = parsed.json()
        assert body["status"] == "staged" and body["review"]["kind"] == "business_plan"
        diff = body["review"]["revisions"][0]["diff"]
        assert [c["field"] for c in diff["plan_changes"]] == ["total_budget_thousand_yen"]
        assert len(diff["changed"]) == 2 and not diff["added"] and not diff["removed"]
        assert _plans(sqlite_loaded_engine) == before
        committed = client.post(f"/api/v1/ingest/{body['id']}/commit").json()
        assert committed["status"] == "stored" and committed["plan_id"]
        revisions = client.get(f"/api/v1/plans/{committed['plan_id']}/revisions").json()
        assert [(r["revision"], r["published"]) for r in revisions["revisions"]] == [(1, True), (2, False)]
        assert revisions["draft_plan_id"] == committed["plan_id"]
        assert revisions["diff"]["plan_changes"][0]["new"] == "101,631"
    assert _plans(sqlite_loaded_engine) == before + 1


def test_a_project_page_shows_its_events_theme(sqlite_loaded_engine: Engine) -> None:
    with read_session(sqlite_loaded_engine) as session:
        project = session.scalar(select(m.Event.project_id).where(m.Event.theme.is_not(None)))
    with make_client(sqlite_loaded_engine, PUBLIC) as public:
        page = public.get(f"/projects/{project}").text
        assert "テーマ: 水素などの次世代のエネルギーや電池等" in page
        events = public.get(f"/api/v1/projects/{project}").json()["events"]
        assert any(e["theme"] and "水素" in e["theme"] for e in events)
