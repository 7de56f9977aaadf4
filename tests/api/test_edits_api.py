"""Editing through the API: projects and KPI targets with state tokens, cooperative projects, comments, the audit
trail, publication and year locks; who may (the services decide), what is recorded, and the documented errors."""

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from tests.web.conftest import cheap_hasher, find_ids, make_client, user_client  # noqa: F401  (a fixture)

from keikaku.services.actuals.periods import reopen_period
from keikaku.services.core.actors import PUBLIC, SYSTEM, Actor, Role
from keikaku.services.core.errors import PermissionDeniedError, ValidationError
from keikaku.services.governance.accounts import local_admin
from keikaku.services.governance.api_tokens import create_api_token
from keikaku.services.plans.edit import ProjectChanges, update_project
from keikaku.services.publication.state import add_comment
from keikaku.web import create_app
from keikaku.web.settings import WebSettings

pytestmark = pytest.mark.usefixtures("cheap_hasher")

MONOZUKURI = "ものづくり支援課"


def _other_departments_project(client: TestClient, plan_id: int) -> int:
    rows = client.get(f"/api/v1/plans/{plan_id}").json()["rows"]["items"]
    return next(r["id"] for r in rows if r["departments"] and MONOZUKURI not in r["departments"] and r["kpi_count"])


def test_editing_a_project_and_its_targets(loaded_engine: Engine) -> None:
    editor = user_client(loaded_engine, "monozukuri", Role.DEPARTMENT_EDITOR, departments=(MONOZUKURI,))
    admin = make_client(loaded_engine)
    ids = find_ids(editor)
    url = f"/api/v1/projects/{ids.platform}"
    shown = editor.get(f"{url}/edit").json()
    assert shown["departments"] == [MONOZUKURI] and [k["id"] for k in shown["kpis"]] == ids.platform_kpis
    body = {"budget_thousand_yen": 5000, "title": None, "reason": "補正予算", "state": shown["state"]}
    changed = editor.patch(url, json=body)
    assert changed.status_code == 200, changed.text
    result = changed.json()
    assert result["changed"] == {
        "budget_thousand_yen": {"before": shown["budget_thousand_yen"], "after": 5000},
        "title": {"before": shown["title"], "after": None},
    }
    now = editor.get(f"{url}/edit").json()
    assert result["state"] == now["state"] != shown["state"] and now["name"] == shown["name"]  # not sent: kept

    stale = editor.patch(url, json={**body, "budget_thousand_yen": 1})
    assert stale.status_code == 409 and stale.json()["error"]["details"]["state"] == now["state"]
    assert editor.patch(url, json={"budget_thousand_yen": 1, "state": now["state"]}).status_code == 422  # no reason
    blank = editor.patch(url, json={"budget_thousand_yen": 1, "reason": " ", "state": now["state"]})
    assert blank.status_code == 422 and "reason" in blank.json()["error"]["details"]["fields"]
    assert editor.patch(url, json={"name": "", "reason": "x", "state": now["state"]}).status_code == 422
    assert editor.get(f"{url}/edit").json()["budget_thousand_yen"] == 5000

    other = _other_departments_project(editor, ids.plan_2026)
    other_url = f"/api/v1/projects/{other}"
    assert editor.get(f"{other_url}/edit").status_code == 403
    other_state = admin.get(f"{other_url}/edit").json()
    refused = editor.patch(other_url, json={"budget_thousand_yen": 1, "reason": "x", "state": other_state["state"]})
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "forbidden"
    assert admin.get(f"{other_url}/edit").json() == other_state

    kpi = shown["kpis"][0]
    target_url = f"/api/v1/kpis/{kpi['id']}/target"
    bad = editor.put(target_url, json={"text": "よろしくお願いします", "reason": "x", "state": kpi["state"]})
    assert bad.status_code == 422 and "target" in bad.json()["error"]["details"]["fields"]
    put = editor.put(
        target_url, json={"text": "利用満足度：９０％以上", "reason": "目標の引き上げ", "state": kpi["state"]}
    )
    assert put.status_code == 200 and put.json()["changed"]["target"] == {"before": 80, "after": 90}
    again = editor.put(target_url, json={"text": "利用満足度：95%以上", "reason": "x", "state": kpi["state"]})
    assert again.status_code == 409
    (other_kpi, *_) = admin.get(f"{other_url}/edit").json()["kpis"]
    denied = {"text": "参加者数：1人以上", "reason": "x", "state": other_kpi["state"]}
    assert editor.put(f"/api/v1/kpis/{other_kpi['id']}/target", json=denied).status_code == 403
    assert admin.get(f"{other_url}/edit").json()["kpis"][0] == other_kpi

    trail = admin.get(f"/api/v1/audit?object_type=project&object_id={ids.platform}").json()
    assert trail["total"] == 2  # the update, and the stale attempt refused as a conflict
    refused_attempt, entry = sorted(trail["items"], key=lambda e: e["action"])
    assert refused_attempt["action"] == "project.conflict" and refused_attempt["after"]["budget_thousand_yen"] == 1
    assert (entry["actor"], entry["action"], entry["reason"]) == ("monozukuri", "project.update", "補正予算")
    assert entry["before"]["budget_thousand_yen"] == shown["budget_thousand_yen"] and entry["after"]["title"] is None
    assert entry["request_id"] and entry["at"].endswith("Z")
    kpi_trail = admin.get(f"/api/v1/audit?object_type=kpi&object_id={kpi['id']}").json()["items"]
    assert sorted((e["action"], e["reason"]) for e in kpi_trail) == [
        ("kpi.conflict", "x"),  # the stale attempt, kept
        ("kpi.update_target", "目標の引き上げ"),
    ]
    editor.close()
    admin.close()


def test_api_tokens_act_within_their_scopes(sqlite_loaded_engine: Engine) -> None:
    editor = user_client(sqlite_loaded_engine, "monozukuri", Role.DEPARTMENT_EDITOR, departments=(MONOZUKURI,))
    ids = find_ids(editor)
    url = f"/api/v1/projects/{ids.platform}"
    state = editor.get(f"{url}/edit").json()["state"]
    admin = local_admin({"USER": "test"})
    write = create_api_token("monozukuri", ["plans:write"], actor=admin, engine=sqlite_loaded_engine).token
    read = create_api_token("monozukuri", ["read"], actor=admin, engine=sqlite_loaded_engine).token
    body = {"budget_thousand_yen": 4321, "reason": "API から", "state": state}
    with TestClient(create_app(WebSettings(engine=sqlite_loaded_engine))) as client:
        refused = client.patch(url, json=body, headers={"authorization": f"Bearer {read}"})
        assert refused.status_code == 403
        client.cookies.set("keikaku_session", editor.cookies["keikaku_session"])
        no_csrf = client.patch(url, json=body)
        assert no_csrf.status_code == 403 and no_csrf.json()["error"]["code"] == "csrf_failed"
        saved = client.patch(url, json=body, headers={"authorization": f"Bearer {write}"})  # no CSRF for a token
        assert saved.status_code == 200 and saved.json()["changed"]["budget_thousand_yen"]["after"] == 4321
    editor.close()


def test_cooperative_projects(sqlite_loaded_engine: Engine) -> None:
    hyogo = user_client(sqlite_loaded_engine, "hyogo", Role.MEMBER_CONTRIBUTOR, member_government="兵庫県")
    admin = make_client(sqlite_loaded_engine)
    plan = find_ids(hyogo).plan_2026
    url = f"/api/v1/plans/{plan}/cooperative-projects"
    made = hyogo.post(url, json={"name": "ひょうご水素実証", "member_government": "兵庫県", "challenge": 3})
    assert made.status_code == 201, made.text
    own = made.json()
    assert hyogo.post(url, json={"name": "大阪の事業", "member_government": "大阪府"}).status_code == 403
    other = admin.post(url, json={"name": "大阪の事業", "member_government": "大阪府"}).json()
    assert [r["id"] for r in hyogo.get(url).json()["items"]] == [own["id"], other["id"]]

    edit = {"name": "ひょうご水素社会実証", "member_government": "兵庫県", "challenge": 3, "field": "グリーン"}
    changed = hyogo.patch(
        f"/api/v1/cooperative-projects/{own['id']}", json={**edit, "reason": "名称変更", "state": own["state"]}
    )
    assert changed.status_code == 200 and changed.json()["field"] == "グリーン"
    incomplete = hyogo.patch(
        f"/api/v1/cooperative-projects/{own['id']}", json={"name": "x", "reason": "x", "state": own["state"]}
    )
    assert incomplete.status_code == 422  # every field is sent: nothing is cleared by leaving it out
    takeover = {**edit, "name": "乗っ取り", "member_government": "大阪府", "reason": "x", "state": other["state"]}
    assert hyogo.patch(f"/api/v1/cooperative-projects/{other['id']}", json=takeover).status_code == 403
    delete = f"/api/v1/cooperative-projects/{own['id']}"
    stale = hyogo.delete(delete, params={"reason": "中止", "state": own["state"]})
    assert stale.status_code == 409
    assert (
        hyogo.delete(
            f"/api/v1/cooperative-projects/{other['id']}", params={"reason": "x", "state": other["state"]}
        ).status_code
        == 403
    )
    gone = hyogo.delete(delete, params={"reason": "中止", "state": changed.json()["state"]})
    assert gone.status_code == 204 and gone.content == b""
    assert [r["name"] for r in hyogo.get(url).json()["items"]] == ["大阪の事業"]
    trail = admin.get(f"/api/v1/audit?object_type=cooperative_project&object_id={own['id']}").json()["items"]
    assert [(e["action"], e["reason"]) for e in trail] == [
        ("cooperative.remove", "中止"),
        ("cooperative.update", "名称変更"),
        ("cooperative.create", None),
    ]
    hyogo.close()
    admin.close()


def test_comments(sqlite_loaded_engine: Engine) -> None:
    council = user_client(sqlite_loaded_engine, "iin", Role.COUNCIL_MEMBER)
    ids = find_ids(council)
    url = f"/api/v1/plans/{ids.plan_2026}/comments"
    made = council.post(url, json={"fiscal_year": 2026, "body": "達成状況は概ね良好", "project_id": ids.platform})
    assert made.status_code == 201 and made.json()["author"] == "iin" and made.json()["project_id"] == ids.platform
    council.post(url, json={"fiscal_year": 2025, "body": "前年度について"})
    listed = council.get(url, params={"fiscal_year": 2026}).json()
    assert [c["body"] for c in listed["items"]] == ["達成状況は概ね良好"] and listed["fiscal_year"] == 2026
    assert len(council.get(url).json()["items"]) == 2
    assert council.post(url, json={"fiscal_year": 2026, "body": " "}).status_code == 422
    nul = council.post(url, json={"fiscal_year": 2026, "body": "a\u0000b"})
    assert nul.status_code == 422 and "body.body" in nul.json()["error"]["details"]["fields"]
    elsewhere = council.post(url, json={"fiscal_year": 2026, "body": "x", "project_id": 424242})
    assert elsewhere.status_code == 404
    with make_client(sqlite_loaded_engine, PUBLIC) as public:
        refused = public.get(url)
        assert refused.status_code == 403 and "概ね良好" not in refused.text
        assert public.post(url, json={"fiscal_year": 2026, "body": "一般"}).status_code == 403
    editor = user_client(sqlite_loaded_engine, "henshu", Role.DEPARTMENT_EDITOR, departments=(MONOZUKURI,))
    assert editor.post(url, json={"fiscal_year": 2026, "body": "担当課"}).status_code == 403
    assert len(council.get(url).json()["items"]) == 2
    council.close()
    editor.close()


def test_audit_publication_and_year_locks(sqlite_loaded_engine: Engine) -> None:
    admin = user_client(sqlite_loaded_engine, "kikaku", Role.BUREAU_ADMIN)
    council = user_client(sqlite_loaded_engine, "iin", Role.COUNCIL_MEMBER)
    editor = user_client(sqlite_loaded_engine, "henshu", Role.DEPARTMENT_EDITOR, departments=(MONOZUKURI,))
    plan = find_ids(admin).plan_2026
    publication = f"/api/v1/plans/{plan}/publication"

    for client in (council, editor):
        assert client.post(publication, json={"target": "plan", "state": "published"}).status_code == 403
        assert client.post("/api/v1/periods/2026/lock", json={}).status_code == 403
    published = admin.post(publication, json={"target": "plan", "state": "published"})
    assert published.status_code == 200 and published.json()["state"] == "published"
    assert admin.post(publication, json={"target": "plan", "state": "draft"}).status_code == 422  # no reason
    withdrawn = admin.post(publication, json={"target": "plan", "state": "draft", "reason": "訂正のため"})
    assert withdrawn.json()["state"] == "draft" and withdrawn.json()["reason"] == "訂正のため"
    guarded = admin.post(publication, json={"target": "evaluation", "state": "published"})
    assert guarded.status_code == 422 and guarded.json()["error"]["code"] == "coverage_reason_required"
    confirmed = {"reason": "中間報告として公表", "confirm_incomplete": True}
    evaluation = admin.post(publication, json={"target": "evaluation", "state": "published", **confirmed})
    assert evaluation.json()["fiscal_year"] == 2026 and evaluation.json()["object_type"] == "evaluation"

    locked = admin.post("/api/v1/periods/2026/lock", json={"reason": "評価確定"})
    assert locked.status_code == 201 and locked.json()["locked"] is True
    assert admin.post("/api/v1/periods/2026/lock", json={}).status_code == 409
    assert admin.post("/api/v1/periods/2026/reopen", json={}).status_code == 422
    assert admin.post("/api/v1/periods/2025/reopen", json={"reason": "x"}).status_code == 409  # not locked
    reopened = admin.post("/api/v1/periods/2026/reopen", json={"reason": "実績の訂正"})
    assert reopened.status_code == 200 and reopened.json()["locked"] is False

    trail = admin.get("/api/v1/audit", params={"actor": "kikaku", "per_page": 2}).json()
    assert trail["total"] >= 5 and trail["pages"] == -(-trail["total"] // 2) and len(trail["items"]) == 2
    assert [e["action"] for e in trail["items"]] == ["period.reopen", "period.lock"]
    second = admin.get("/api/v1/audit", params={"actor": "kikaku", "per_page": 2, "page": 2}).json()
    assert [e["action"] for e in second["items"]] == ["evaluation.publish", "plan.unpublish"]
    assert council.get("/api/v1/audit").status_code == 200  # auditors: administrators and council members
    assert editor.get("/api/v1/audit").status_code == 403
    with make_client(sqlite_loaded_engine, PUBLIC) as public:
        assert public.get("/api/v1/audit").status_code == 403
    for client in (admin, council, editor):
        client.close()


def test_the_errors_are_documented(client: TestClient) -> None:
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    expected = {
        ("/api/v1/projects/{project_id}", "patch"): {"403", "409", "422"},
        ("/api/v1/kpis/{kpi_id}/target", "put"): {"403", "409", "422"},
        ("/api/v1/plans/{plan_id}/cooperative-projects", "post"): {"403", "422"},
        ("/api/v1/cooperative-projects/{cooperative_id}", "patch"): {"403", "409", "422"},
        ("/api/v1/cooperative-projects/{cooperative_id}", "delete"): {"403", "409", "422"},
        ("/api/v1/plans/{plan_id}/comments", "post"): {"403", "422"},
        ("/api/v1/plans/{plan_id}/comments", "get"): {"403"},
        ("/api/v1/audit", "get"): {"403", "422"},
        ("/api/v1/plans/{plan_id}/publication", "post"): {"403", "422"},
        ("/api/v1/periods/{fiscal_year}/lock", "post"): {"403", "409", "422"},
        ("/api/v1/periods/{fiscal_year}/reopen", "post"): {"403", "409", "422"},
    }
    for (path, method), codes in expected.items():
        responses = paths[path][method]["responses"]
        assert codes <= set(responses), (path, method)
        for code in codes:
            assert responses[code]["content"]["application/json"]["schema"] == {
                "$ref": "#/components/schemas/ErrorPublic"
            }


# -- service rules the API relies on -----------------------------------------------------------------------


def test_services_refuse_control_characters_in_comments_and_reasons(loaded_engine: Engine) -> None:
    with make_client(loaded_engine) as client:
        ids = find_ids(client)
    with pytest.raises(ValidationError):
        add_comment(SYSTEM, ids.plan_2026, 2026, "a\x00b", engine=loaded_engine)
    with pytest.raises(ValidationError):
        changes = ProjectChanges(budget_thousand_yen=1)
        update_project(ids.platform, changes, actor=SYSTEM, reason="x\x00", engine=loaded_engine)
    with pytest.raises(ValidationError):
        reopen_period(SYSTEM, 2026, "x\x00", engine=loaded_engine)


def test_a_department_editor_cannot_edit_a_project_without_departments(sqlite_loaded_engine: Engine) -> None:
    with make_client(sqlite_loaded_engine) as client:
        rows = client.get(f"/api/v1/plans/{find_ids(client).plan_2026}").json()["rows"]["items"]
    unowned = next(r for r in rows if not r["departments"])
    editor = Actor("ed", frozenset({Role.DEPARTMENT_EDITOR}), frozenset({MONOZUKURI}))
    with pytest.raises(PermissionDeniedError):
        update_project(
            unowned["id"], ProjectChanges(budget_thousand_yen=1), actor=editor, reason="x", engine=sqlite_loaded_engine
        )
