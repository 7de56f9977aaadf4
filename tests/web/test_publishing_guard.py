"""The publishing guard (issue 15): the coverage comes first, and an incomplete evaluation is published only
with a reason and an explicit confirmation, on the page and through the API; both are audited."""

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from tests.web.conftest import make_client

from keikaku.services.actuals.record import ActualInput, set_actual
from keikaku.services.core.actors import PUBLIC, Actor, Role
from keikaku.services.governance.audit import list_audit
from keikaku.services.publication.state import publication_states

ADMIN = Actor("管理者", frozenset({Role.BUREAU_ADMIN}))


@pytest.fixture
def admin(sqlite_loaded_engine: Engine) -> Iterator[TestClient]:
    set_actual(ActualInput(kpi="参加者数", fiscal_year=2026, value="205人"), actor=ADMIN, engine=sqlite_loaded_engine)
    with make_client(sqlite_loaded_engine, ADMIN) as client:
        yield client


def _plan_2026(client: TestClient) -> int:
    return next(p["id"] for p in client.get("/api/v1/plans").json()["items"] if p["fiscal_year"] == 2026)


def _published(engine: Engine, plan_id: int) -> bool:
    states = publication_states(actor=ADMIN, engine=engine)
    return any(s.object_type == "evaluation" and s.object_id == plan_id and s.state == "published" for s in states)


def test_the_page_shows_coverage_and_needs_reason_and_confirmation(
    admin: TestClient, sqlite_loaded_engine: Engine
) -> None:
    plan_id = _plan_2026(admin)
    coverage = admin.get(f"/api/v1/plans/{plan_id}/evaluation/coverage", params={"fiscal_year": 2026}).json()
    assert coverage["measured"] == 1 and coverage["total"] > 1 and not coverage["complete"]
    text = f"{coverage['total']}件中1件測定済み"
    assert coverage["text"] == text
    page = admin.get("/admin/publication").text
    assert text in page
    assert 'name="confirm_incomplete"' in page

    form = {"plan_id": str(plan_id), "target": "evaluation", "state": "published", "fiscal_year": "2026"}
    no_reason = admin.post("/admin/publication", data=form)
    assert no_reason.status_code == 422
    assert "公表する理由を入力してください" in no_reason.text
    no_confirm = admin.post("/admin/publication", data={**form, "reason": "中間報告の速報値"})
    assert no_confirm.status_code == 422
    assert "確認してから公表してください" in no_confirm.text
    assert "中間報告の速報値" in no_confirm.text  # what was typed comes back
    assert not _published(sqlite_loaded_engine, plan_id)

    done = admin.post(
        "/admin/publication",
        data={**form, "reason": "中間報告の速報値", "confirm_incomplete": "yes"},
        follow_redirects=False,
    )
    assert done.status_code == 303
    assert _published(sqlite_loaded_engine, plan_id)
    entry = next(e for e in list_audit(ADMIN, engine=sqlite_loaded_engine).entries if e.action == "evaluation.publish")
    assert entry.reason == "中間報告の速報値"
    assert entry.after is not None and entry.after["coverage"] == text
    with make_client(sqlite_loaded_engine, PUBLIC) as public:
        assert public.get("/api/v1/dashboard", params={"fiscal_year": 2026}).json()["plan_status"] == "評価中"


def test_the_api_refuses_without_confirmation_and_says_the_coverage(
    admin: TestClient, sqlite_loaded_engine: Engine
) -> None:
    plan_id = _plan_2026(admin)
    url = f"/api/v1/plans/{plan_id}/publication"
    body = {"target": "evaluation", "state": "published", "fiscal_year": 2026}
    refused = admin.post(url, json=body)
    assert refused.status_code == 422
    assert refused.json()["error"]["code"] == "coverage_reason_required"
    refused = admin.post(url, json={**body, "reason": "速報"})
    error = refused.json()["error"]
    assert refused.status_code == 422 and error["code"] == "coverage_confirmation_required"
    assert error["details"]["measured"] == 1 and "件中1件測定済み" in error["details"]["coverage"]
    assert not _published(sqlite_loaded_engine, plan_id)
    ok = admin.post(url, json={**body, "reason": "速報", "confirm_incomplete": True})
    assert ok.status_code == 200, ok.text
    assert ok.json()["state"] == "published"
