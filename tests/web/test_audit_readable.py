"""The audit trail reads in words (issue 15): actions and roles in Japanese with their English, times in Japan
only, only the fields that changed, an import names its file; free text is kept exactly as typed."""

import ast
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

import keikaku
from keikaku.services.actuals.periods import lock_period
from keikaku.services.core.actors import SYSTEM, Role
from keikaku.services.governance.accounts import local_admin
from keikaku.services.governance.audit import list_audit
from keikaku.services.governance.audit_actions import AuditAction
from keikaku.services.governance.audit_view import ACTIONS, describe
from keikaku.storage.accounts import PeriodLock
from keikaku.storage.uow import read_session

from .conftest import csrf_from, find_ids, make_client, user_client
from .workbooks import filled_workbook, kpis_of

pytestmark = pytest.mark.usefixtures("cheap_hasher")

SRC = Path(keikaku.__file__).parent
#: Actions built from a variable, with every value the variable takes.
BUILT = {
    "user.disable",
    "user.enable",
    "plan.publish",
    "plan.unpublish",
    "evaluation.publish",
    "evaluation.unpublish",
    "partner_link.confirm",
    "partner_link.remove",
    "partner_link.restore",
}


def _recorded_actions() -> tuple[set[str], set[str]]:
    """(every action string literal, every ``AuditAction.NAME``) a service passes to ``audit.record`` or lists
    for ``audit.record_many`` (either branch of a conditional, or the argument of ``AuditAction(…)``)."""
    literals: set[str] = set()
    members: set[str] = set()
    for path in SRC.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
                continue
            recorded = node.func.attr == "record" and len(node.args) >= 3
            many = node.func.attr == "append" and node.args and isinstance(node.args[0], ast.Tuple)
            if not (recorded or many):
                continue
            action = node.args[2] if recorded else node.args[0].elts[0]  # type: ignore[attr-defined]
            for part in ast.walk(action):
                is_text = isinstance(part, ast.Constant) and isinstance(part.value, str)
                if recorded and is_text and "." in part.value.strip("."):  # type: ignore[attr-defined]
                    literals.add(part.value)  # type: ignore[attr-defined]
                if (
                    isinstance(part, ast.Attribute)
                    and isinstance(part.value, ast.Name)
                    and part.value.id == "AuditAction"
                ):
                    members.add(part.attr)
    return literals, members


def test_every_recorded_action_is_an_audit_action_with_words_in_both_languages() -> None:
    literals, members = _recorded_actions()
    assert len(members) > 50  # the scan found the services' calls
    assert members - {a.name for a in AuditAction} == set()
    # The services other helpers own still pass strings: each must be a member's code.
    assert (literals | BUILT) - set(AuditAction) == set()
    assert set(ACTIONS) == set(AuditAction)
    for action in AuditAction:
        assert re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", action.ja) and action.en.isascii(), action
        assert ACTIONS[action] == (action.ja, action.en) and action.ja != action.value


def test_the_trail_shows_words_japan_time_and_only_what_changed(sqlite_loaded_engine: Engine) -> None:
    admin = user_client(sqlite_loaded_engine, "kanri", Role.BUREAU_ADMIN)
    (changed,) = list_audit(SYSTEM, action="user.create", actor="cli:test", engine=sqlite_loaded_engine).entries
    login_entry = list_audit(SYSTEM, action="session.login", engine=sqlite_loaded_engine).entries[0]
    line = describe(changed)
    assert line.action == "アカウントの作成" and line.action_other == "Account created"
    roles = next(c for c in line.changes if c.field == "roles")
    assert roles.after == "広域産業振興局 管理者（Bureau administrator）" and "[" not in roles.after
    assert describe(login_entry, "en").action == "Signed in"

    # A password change records the whole account before and after: only what differs is shown.
    password = "新しい合言葉-関西-2026-あいう"
    account = admin.get("/account").text
    response = admin.post(
        "/account/password",
        data={
            "current_password": "関西の計画を守る合言葉-2026",
            "new_password": password,
            "new_password_confirm": password,
            "csrf_token": csrf_from(account),
        },
        follow_redirects=False,
    )
    assert response.status_code in (200, 303), response.text
    (change,) = list_audit(SYSTEM, action="user.change_password", engine=sqlite_loaded_engine).entries
    fields = {c.field for c in describe(change).changes}
    assert "roles" not in fields and "username" not in fields and "display_name" not in fields

    page = admin.get("/admin/audit").text
    assert "パスワードの変更" in page and "ログイン" in page and "アカウントの作成" in page
    assert '["bureau_admin"]' not in page and "広域産業振興局 管理者（Bureau administrator）" in page
    assert "UTC" not in page and "+00:00" not in page
    assert "日時（日本時間）" in page
    rows = re.findall(r"<tr>\s*<td class=\"num\">\d+</td>\s*<td>(.*?)</td>", page, flags=re.S)
    assert rows and all(re.fullmatch(r"令和\d+年\d+月\d+日（\d{4}-\d\d-\d\d）\d\d:\d\d", r.strip()) for r in rows)
    english = admin.get("/admin/audit?lang=en").text
    assert "Password changed" in english and "Bureau administrator (広域産業振興局 管理者)" in english


def test_an_import_names_its_file_in_the_trail(sqlite_loaded_engine: Engine) -> None:
    kpi = kpis_of(sqlite_loaded_engine, "ものづくり支援課")[1]
    with make_client(sqlite_loaded_engine) as client:
        client.headers.pop("x-csrf-token")
        page = client.get("/actuals/import")
        content = filled_workbook(sqlite_loaded_engine, {kpi: {"実績値": "120件"}})
        name = "令和8年度 実績（ものづくり支援課）.xlsx"
        response = client.post(
            "/actuals/import",
            data={"csrf_token": csrf_from(page.text)},
            files={"file": (name, content, "application/octet-stream")},
        )
        assert response.status_code == 200, response.text
        (entry,) = list_audit(SYSTEM, action="actual.set", engine=sqlite_loaded_engine).entries
        line = describe(entry)
        assert line.file == name and line.changes[0].label == "ファイル" and line.changes[0].after == name
        assert name in client.get("/admin/audit").text


def test_free_text_is_stored_exactly_as_typed(sqlite_loaded_engine: Engine, client: TestClient) -> None:
    typed = "評価確定（推進会議　第３回）ﾒﾓ"
    lock_period(local_admin({"USER": "test"}), 2025, reason=typed, engine=sqlite_loaded_engine)
    with read_session(sqlite_loaded_engine) as session:
        assert session.scalars(select(PeriodLock.lock_reason)).all() == [typed]
    (entry,) = list_audit(SYSTEM, action="period.lock", engine=sqlite_loaded_engine).entries
    assert entry.reason == typed

    note = "（速報値）アンケート回収率　８割"
    ids = find_ids(client)
    saved = client.post(
        f"/kpis/{ids.platform_kpis[0]}",
        data={"fiscal_year": "2026", "value": "８５", "note": note, "evidence_text": "（株）調査"},
        follow_redirects=False,
    )
    assert saved.status_code == 303
    (version,) = client.get(f"/api/v1/kpis/{ids.platform_kpis[0]}").json()["kpi"]["history"]
    assert version["note"] == note and version["evidence_text"] == "（株）調査"
