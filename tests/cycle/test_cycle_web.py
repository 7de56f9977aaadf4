"""The cycle's pages and their JSON twins, driven through the real app: an administrator opens the call and
reads the board; a department editor, signed in, fills in and submits its checklist."""

import datetime as dt

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from tests.web.conftest import make_client, user_client

from keikaku.services.core.actors import PUBLIC, Role
from keikaku.services.cycle.checklist import today_in_japan

from .conftest import ADMIN, add_editor, audit_entries


def _admin(engine: Engine) -> TestClient:
    return make_client(engine, ADMIN)


def test_an_administrator_opens_the_call_from_the_form_and_sees_the_board(
    sqlite_loaded_engine: Engine,
) -> None:
    with _admin(sqlite_loaded_engine) as client:
        page = client.get("/admin/cycle")
        assert page.status_code == 200 and "実績照会の開始" in page.text
        assert '<option value="2026"' in page.text
        bad = client.post(
            "/admin/cycle", data={"fiscal_year": "2026", "due_date": "5月のどこか", "note": "提出願います"}
        )
        assert bad.status_code == 422
        assert 'value="5月のどこか"' in bad.text and "提出願います" in bad.text  # what was typed is kept
        assert "日付として解釈できません" in bad.text
        opened = client.post(
            "/admin/cycle",
            data={"fiscal_year": "2026", "due_date": "令和9年5月31日", "remind_before_days": "10"},
            follow_redirects=False,
        )
        assert opened.status_code == 303 and opened.headers["location"] == "/admin/cycle/2026?done=opened"
        board = client.get("/admin/cycle/2026")
        assert board.status_code == 200
        assert "令和9年5月31日" in board.text and "2027-05-31" in board.text
        # The dates are <time> elements, not their tags shown as text (t() used to escape date()'s markup).
        assert '<time datetime="2027-05-31">' in board.text and "&lt;time" not in board.text
        assert 'href="/api/v1/cycle/2026/board"' in board.text
        twin = client.get("/api/v1/cycle/2026/board").json()
        assert twin["call"]["due_date"] == "2027-05-31" and twin["call"]["remind_before_days"] == 10
        assert twin["rows"] and all(r["state"] in ("in_progress", "overdue") for r in twin["rows"])
        for row in twin["rows"]:
            assert f"{row['total']}件中{row['measured']}件測定済み" in board.text
        again = client.post("/admin/cycle", data={"fiscal_year": "2026", "due_date": "2027-06-30"})
        assert again.status_code == 409 and "既に開始されています" in again.text
        assert "/admin/cycle" in client.get("/admin/periods").text  # linked from the administration pages
        assert client.get("/api/v1/cycle/calls").json()["items"][0]["fiscal_year"] == 2026


def test_an_editor_fills_the_checklist_and_submits_it(sqlite_loaded_engine: Engine, cheap_hasher: None) -> None:
    with _admin(sqlite_loaded_engine) as admin:
        admin.post("/admin/cycle", data={"fiscal_year": "2026", "due_date": "2027-05-31"})
        department = admin.get("/api/v1/cycle/2026/board").json()["rows"][0]["department"]
    editor = user_client(sqlite_loaded_engine, "editor", Role.DEPARTMENT_EDITOR, departments=(department,))
    with editor:
        assert 'href="/cycle"' in editor.get("/").text  # the staff navigation offers the checklist
        landing = editor.get("/cycle", follow_redirects=False)
        assert landing.status_code == 303 and landing.headers["location"] == "/cycle/2026/checklist"
        page = editor.get("/cycle/2026/checklist")
        assert page.status_code == 200 and department in page.text and "未測定" in page.text
        checklist = editor.get("/api/v1/cycle/2026/checklist", params={"department": department}).json()
        assert checklist["measured"] == 0 and checklist["state"] == "in_progress"
        kpi = checklist["items"][0]["kpi_id"]
        assert editor.get("/admin/cycle/2026").status_code == 403
        assert editor.get("/api/v1/cycle/2026/board").status_code == 403

        recorded = editor.post(f"/api/v1/kpis/{kpi}/actuals", json={"fiscal_year": "2026", "value": "42"})
        assert recorded.status_code == 201, recorded.text
        page = editor.get("/cycle/2026/checklist")
        assert f"{checklist['total']}件中1件測定済み" in page.text

        refused = editor.post("/cycle/2026/checklist", data={"department": department})
        assert refused.status_code == 422 and "未測定の KPI が" in refused.text
        assert 'aria-invalid="true"' in refused.text
        submitted = editor.post(
            "/cycle/2026/checklist",
            data={"department": department, "confirm_incomplete": "yes"},
            follow_redirects=False,
        )
        assert submitted.status_code == 303
        assert "提出済みです" in editor.get(submitted.headers["location"]).text
        twice = editor.post("/cycle/2026/checklist", data={"department": department, "confirm_incomplete": "yes"})
        assert twice.status_code == 409
    (entry,) = audit_entries(sqlite_loaded_engine, "cycle.submit")
    assert entry.actor == "editor" and entry.after["measured"] == 1

    with _admin(sqlite_loaded_engine) as admin:
        row = next(r for r in admin.get("/api/v1/cycle/2026/board").json()["rows"] if r["department"] == department)
        assert row["state"] == "submitted" and row["submission"]["submitted_by"] == "editor"
        board = admin.get("/admin/cycle/2026").text
        assert "提出を取り消す" in board
        empty = admin.post("/admin/cycle/2026/withdraw", data={"department": department, "row": "1", "reason": ""})
        assert empty.status_code == 422 and "理由を入力してください" in empty.text
        done = admin.post(
            "/admin/cycle/2026/withdraw",
            data={"department": department, "row": "1", "reason": "数値の再確認"},
            follow_redirects=False,
        )
        assert done.status_code == 303
        row = next(r for r in admin.get("/api/v1/cycle/2026/board").json()["rows"] if r["department"] == department)
        assert row["state"] in ("in_progress", "overdue") and row["submission"]["withdraw_reason"] == "数値の再確認"


def test_send_reminders_now_from_the_board(
    sqlite_loaded_engine: Engine, cheap_hasher: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("KEIKAKU_SMTP_URL", raising=False)
    due = today_in_japan() + dt.timedelta(days=3)  # the before reminder (7 days) is due today
    with _admin(sqlite_loaded_engine) as admin:
        admin.post("/admin/cycle", data={"fiscal_year": "2026", "due_date": due.isoformat()})
        departments = [r["department"] for r in admin.get("/api/v1/cycle/2026/board").json()["rows"]]
        add_editor(sqlite_loaded_engine, "koryu", departments[0], "koryu@example.jp")
        board = admin.get("/admin/cycle/2026")
        assert "今すぐ督促を送る" in board.text and 'action="/admin/cycle/2026/remind"' in board.text
        sent = admin.post("/admin/cycle/2026/remind")
        assert sent.status_code == 200
        assert f"督促を {len(departments)} 件送りました（メール 1 通" in sent.text
        again = admin.post("/admin/cycle/2026/remind")
        assert again.status_code == 200 and "送るべき督促はありませんでした" in again.text
        missing = admin.post("/admin/cycle/2025/remind")
        assert missing.status_code == 404
    entries = audit_entries(sqlite_loaded_engine, "cycle.remind")
    assert sorted(e.object_id for e in entries) == sorted(f"2026/{d}" for d in departments)
    assert {e.actor for e in entries} == {ADMIN.name}  # who pressed the button, not the scheduled job
    editor = user_client(sqlite_loaded_engine, "editor", Role.DEPARTMENT_EDITOR, departments=(departments[0],))
    with editor:
        assert editor.post("/admin/cycle/2026/remind").status_code == 403


def test_the_call_settings_change_from_the_board(sqlite_loaded_engine: Engine) -> None:
    with _admin(sqlite_loaded_engine) as client:
        client.post("/admin/cycle", data={"fiscal_year": "2026", "due_date": "2027-05-31"})
        bad = client.post("/admin/cycle/2026", data={"remind_after_days": "0"})
        assert bad.status_code == 422 and "1〜90" in bad.text
        ok = client.post(
            "/admin/cycle/2026", data={"due_date": "2027-06-30", "reason": "日程変更"}, follow_redirects=False
        )
        assert ok.status_code == 303
        call = client.get("/api/v1/cycle/calls").json()["items"][0]
        assert call["due_date"] == "2027-06-30"
        assert dt.date.fromisoformat(call["due_date"]) > dt.date(2027, 5, 31)


def test_the_api_opens_a_call_and_submits(sqlite_loaded_engine: Engine) -> None:
    with _admin(sqlite_loaded_engine) as client:
        created = client.post("/api/v1/cycle/calls", json={"fiscal_year": 2026, "due_date": "2027-05-31"})
        assert created.status_code == 201 and created.json()["remind_after_days"] == 1
        department = client.get("/api/v1/cycle/2026/board").json()["rows"][0]["department"]
        incomplete = client.post("/api/v1/cycle/2026/submissions", json={"department": department})
        assert incomplete.status_code == 422 and incomplete.json()["error"]["code"] == "submission_incomplete"
        done = client.post(
            "/api/v1/cycle/2026/submissions", json={"department": department, "confirm_incomplete": True}
        )
        assert done.status_code == 201 and done.json()["department"] == department
        missing = client.get("/api/v1/cycle/2025/board")
        assert missing.status_code == 404 and missing.json()["error"]["code"] == "call_not_found"


def test_the_public_sees_nothing_of_the_cycle(sqlite_loaded_engine: Engine) -> None:
    with _admin(sqlite_loaded_engine) as admin:
        admin.post("/admin/cycle", data={"fiscal_year": "2026", "due_date": "2027-05-31"})
    with make_client(sqlite_loaded_engine, PUBLIC) as public:
        for path in ("/admin/cycle", "/admin/cycle/2026", "/cycle", "/api/v1/cycle/calls", "/api/v1/cycle/2026/board"):
            assert public.get(path, follow_redirects=False).status_code in (401, 403, 303), path
        checklist = public.get("/api/v1/cycle/2026/checklist", params={"department": "ものづくり支援課"})
        assert checklist.status_code in (401, 403)
        assert 'href="/cycle"' not in public.get("/").text
