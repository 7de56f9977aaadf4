"""The administration commands end to end, in a subprocess as an administrator would run them (SQLite)."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import Engine

from keikaku.services.governance.api_tokens import verify_api_token
from keikaku.services.governance.sessions import AuthenticationError, login
from keikaku.storage.engine import make_engine
from keikaku.storage.migrate import upgrade


def run(home: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    """``keikaku ARGS`` with its own database under ``home``, acting as the local administrator ``cli:auditor``."""
    env = {k: v for k, v in os.environ.items() if k != "KEIKAKU_DATABASE_URL"}
    env.update({"KEIKAKU_HOME": str(home), "COLUMNS": "250", "USER": "auditor"})
    return subprocess.run(
        [sys.executable, "-m", "keikaku.cli.app", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


def one_line_error(result: subprocess.CompletedProcess[str], needle: str) -> None:
    assert result.returncode == 2, result.stdout + result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("エラー: ") and needle in lines[0], result.stderr


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """A migrated, empty database for the commands."""
    engine = make_engine(f"sqlite:///{tmp_path / 'keikaku.sqlite3'}")
    upgrade(engine)
    engine.dispose()
    return tmp_path


def _engine(home: Path) -> Engine:
    return make_engine(f"sqlite:///{home / 'keikaku.sqlite3'}")


def test_user_add_prints_a_one_time_password_that_logs_in(home: Path) -> None:
    added = run(home, "user", "add", "tanaka", "--role", "department_editor", "-d", "産業振興企画課")
    assert added.returncode == 0, added.stderr
    password = re.search(r"初期パスワード.*: (\S+)$", added.stdout, re.MULTILINE)
    assert password is not None
    assert "担当課「産業振興企画課」" in added.stderr  # warned: no plan names that department yet
    engine = _engine(home)
    session = login("tanaka", password.group(1), ip="127.0.0.1", engine=engine).session
    assert session.user.must_change_password
    listed = run(home, "user", "list")
    assert "tanaka" in listed.stdout and "要パスワード変更" in listed.stdout
    engine.dispose()


def test_user_add_reads_a_password_from_stdin_and_commands_act_as_cli_user(home: Path) -> None:
    added = run(
        home, "user", "add", "boss", "--role", "bureau_admin", "--password-stdin", stdin="a very long password\n"
    )
    assert added.returncode == 0, added.stderr
    assert "初期パスワード" not in added.stdout
    engine = _engine(home)
    assert login("boss", "a very long password", ip="127.0.0.1", engine=engine).token
    engine.dispose()
    one_line_error(run(home, "user", "add", "boss", "--role", "bureau_admin"), "既に登録されています")
    one_line_error(run(home, "user", "add", "x y", "--role", "bureau_admin"), "ユーザー名")
    short = run(home, "user", "add", "weak", "--role", "bureau_admin", "--password-stdin", stdin="short\n")
    one_line_error(short, "12 文字以上")
    assert run(home, "user", "disable", "boss", "--reason", "異動").returncode == 0
    reset = run(home, "user", "reset-password", "boss")
    assert reset.returncode == 0 and "初期パスワード" in reset.stdout
    audit = run(home, "audit", "list", "--object-type", "user")
    assert audit.returncode == 0 and "cli:auditor" in audit.stdout and "user.disable" in audit.stdout
    assert "user.reset_password" in audit.stdout and "件中" in audit.stderr


def test_token_create_prints_a_token_that_verifies_once(home: Path) -> None:
    assert run(home, "user", "add", "ed", "--role", "council_member").returncode == 0
    created = run(home, "token", "create", "--user", "ed", "--scope", "read", "--scope", "comments:write")
    assert created.returncode == 0, created.stderr
    token = created.stdout.strip().splitlines()[-1]
    assert token.startswith("kk_")
    engine = _engine(home)
    actor = verify_api_token(token, engine=engine)
    assert actor.name == "ed" and actor.scopes == {"read", "comments:write"}
    listed = run(home, "token", "list")
    assert token[:11] in listed.stdout and token not in listed.stdout
    assert run(home, "token", "revoke", token[:11], "--reason", "不要").returncode == 0
    with pytest.raises(AuthenticationError, match="無効"):
        verify_api_token(token, engine=engine)
    engine.dispose()
    one_line_error(run(home, "token", "create", "--user", "ed", "--scope", "admin"), "admin スコープ")


def test_backup_and_restore_commands(home: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    assert run(home, "user", "add", "before", "--role", "council_member").returncode == 0
    out = tmp_path_factory.mktemp("backups") / "keikaku-backup.sqlite3"
    made = run(home, "backup", "-o", str(out))
    assert made.returncode == 0, made.stderr
    assert out.is_file()
    assert run(home, "user", "add", "after", "--role", "council_member").returncode == 0
    refused = run(home, "restore", str(out), stdin="")  # no terminal to confirm on
    one_line_error(refused, "--yes")
    restored = run(home, "restore", str(out), "--yes")
    assert restored.returncode == 0, restored.stderr
    users = run(home, "user", "list").stdout
    assert "before" in users and "after" not in users
    one_line_error(run(home, "restore", str(out) + ".missing", "--yes"), "バックアップファイルがありません")


def test_period_publish_and_audit_export_commands(home: Path, tmp_path: Path) -> None:
    assert run(home, "period", "lock", "令和8年度", "--reason", "評価確定").returncode == 0
    one_line_error(run(home, "period", "lock", "2026"), "既に確定済み")
    reopen_without_reason = run(home, "period", "reopen", "2026")
    assert reopen_without_reason.returncode != 0
    assert run(home, "period", "reopen", "2026", "--reason", "誤りの訂正").returncode == 0
    status = run(home, "period", "status")
    assert "2026" in status.stdout and "誤りの訂正" in status.stdout
    one_line_error(run(home, "publish", "plan", "999"), "見つかりません")
    xlsx = tmp_path / "audit.xlsx"
    exported = run(home, "audit", "export", "--format", "xlsx", "-o", str(xlsx))
    assert exported.returncode == 0, exported.stderr
    sheet = load_workbook(xlsx).active
    assert sheet is not None
    actions = [row[3] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert actions == ["period.lock", "period.reopen"]


def test_help_lists_the_administration_commands(home: Path) -> None:
    result = run(home, "--help")
    for command in ("user", "token", "backup", "restore", "audit", "period", "publish", "unpublish"):
        assert re.search(rf"│ {command}\s", result.stdout), command


def test_ensure_admin_creates_a_first_administrator_once(home: Path) -> None:
    first = run(home, "user", "ensure-admin")
    assert first.returncode == 0, first.stderr
    password = re.search(r"初期パスワード.*: (\S+)$", first.stdout, re.MULTILINE)
    assert password is not None
    engine = _engine(home)
    session = login("admin", password.group(1), ip="127.0.0.1", engine=engine).session
    assert "bureau_admin" in session.user.roles and session.user.must_change_password
    again = run(home, "user", "ensure-admin")
    assert again.returncode == 0 and "既にあります" in again.stdout and "初期パスワード" not in again.stdout
    assert run(home, "user", "disable", "admin", "--reason", "退職").returncode == 0
    replaced = run(home, "user", "ensure-admin", "kikaku")
    assert replaced.returncode == 0 and "管理者 kikaku を作成しました" in replaced.stdout
    engine.dispose()
