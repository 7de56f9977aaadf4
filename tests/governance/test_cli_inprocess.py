"""The administration commands in-process (Typer's runner): every command once, output and exit codes."""

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from keikaku.cli.app import build_app
from keikaku.services.core.errors import ServiceError
from keikaku.storage import models as m
from keikaku.storage.engine import dispose_engines, make_engine
from keikaku.storage.migrate import upgrade
from keikaku.storage.uow import unit_of_work

MODULES = ["users", "tokens", "backup", "audit", "periods", "publish"]


@pytest.fixture
def db(sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Engine]:
    """A migrated SQLite database the commands use through KEIKAKU_DATABASE_URL, with one plan."""
    monkeypatch.setenv("KEIKAKU_DATABASE_URL", sqlite_url)
    monkeypatch.setenv("USER", "runner")
    monkeypatch.setenv("COLUMNS", "200")
    dispose_engines()
    engine = make_engine(sqlite_url)
    upgrade(engine)
    with unit_of_work(engine) as session:
        session.add(m.Plan(id=7, issuer="関西広域連合", fiscal_year=2026))
    yield engine
    engine.dispose()
    dispose_engines()


def invoke(*args: str, stdin: str | None = None) -> tuple[int, str, ServiceError | None]:
    """Run a command; a service error comes back as the exception (``main`` would print it on one line)."""
    result = CliRunner().invoke(build_app(MODULES), list(args), input=stdin)
    error = result.exception if isinstance(result.exception, ServiceError) else None
    if result.exception is not None and error is None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.output, error


def test_user_commands(db: Engine) -> None:
    code, output, _ = invoke("user", "add", "tanaka", "-r", "department_editor", "-d", "ものづくり支援課")
    assert code == 0 and "初期パスワード" in output and "注意: 担当課「ものづくり支援課」" in output
    code, output, _ = invoke("user", "add", "boss", "-r", "bureau_admin", "--password-stdin", stdin="long enough pw\n")
    assert code == 0 and "初期パスワード" not in output
    _, _, error = invoke("user", "add", "empty", "-r", "bureau_admin", "--password-stdin", stdin="")
    assert error is not None and "標準入力" in error.message
    code, output, _ = invoke(
        "user",
        "update",
        "tanaka",
        "-r",
        "department_editor",
        "-r",
        "council_member",
        "--display-name",
        "田中",
        "--reason",
        "兼務",
    )
    assert code == 0 and "council_member" in output
    assert "無効にしました" in invoke("user", "disable", "tanaka", "--reason", "異動")[1]
    assert "有効にしました" in invoke("user", "enable", "tanaka")[1]
    assert "初期パスワード" in invoke("user", "reset-password", "tanaka")[1]
    code, output, _ = invoke("user", "reset-password", "tanaka", "--password-stdin", stdin="another long pw\n")
    assert code == 0 and "初期パスワード" not in output
    code, output, _ = invoke("user", "list")
    assert code == 0 and "tanaka" in output and "boss" in output
    _, _, error = invoke("user", "disable", "nobody")
    assert error is not None and "登録されていません" in error.message


def test_token_commands(db: Engine) -> None:
    invoke("user", "add", "ed", "-r", "council_member")
    code, output, _ = invoke("token", "create", "-u", "ed", "-s", "read", "--name", "集計", "--expires-days", "0")
    assert code == 0 and "無期限" in output
    token = output.strip().splitlines()[-1]
    assert re.fullmatch(r"kk_[A-Za-z0-9_-]{43}", token)
    code, output, _ = invoke("token", "list", "-u", "ed")
    assert code == 0 and token[:11] in output and "有効" in output
    assert "失効させました" in invoke("token", "revoke", "1", "--reason", "不要")[1]
    assert "失効" in invoke("token", "list")[1]


def test_backup_audit_period_and_publish_commands(db: Engine, tmp_path: Path) -> None:
    out = tmp_path / "b.sqlite3"
    code, output, _ = invoke("backup", "-o", str(out))
    assert code == 0 and "バックアップを作成しました" in output
    _, _, error = invoke("restore", str(out))  # no terminal: refuse rather than wait for an answer
    assert error is not None and "--yes" in error.message
    code, output, _ = invoke("restore", str(out), "--yes")
    assert code == 0 and "から復元しました" in output

    assert "2026年度を確定しました" in invoke("period", "lock", "2026", "--reason", "確定")[1]
    assert "計画 7" in invoke("period", "lock", "R8", "--plan", "7")[1]
    assert "確定を解除しました" in invoke("period", "reopen", "2026", "--reason", "訂正")[1]
    code, output, _ = invoke("period", "status", "2026")
    assert code == 0 and "再開中" in output and "確定済み" in output
    _, _, error = invoke("period", "lock", "来年度")
    assert error is not None and "年度を解釈できません" in error.message

    assert "公開" in invoke("publish", "plan", "7")[1]
    assert "評価（計画 7、2026年度）: 公開" in invoke("publish", "evaluation", "7", "-y", "2026")[1]
    assert "非公開" in invoke("unpublish", "evaluation", "7", "-y", "2026", "--reason", "再評価")[1]
    assert "非公開" in invoke("unpublish", "plan", "7", "--reason", "誤り")[1]
    code, output, _ = invoke("publish", "status")
    assert code == 0 and "下書き" in output

    code, output, _ = invoke("audit", "list", "-t", "period", "-n", "2")
    assert code == 0 and "period.reopen" in output and "件中 2 件" in output
    csv_out = tmp_path / "audit.csv"
    code, output, _ = invoke("audit", "export", "-f", "csv", "-o", str(csv_out), "-t", "plan")
    assert code == 0 and csv_out.read_bytes().startswith(b"\xef\xbb\xbf")
    assert "plan.unpublish" in csv_out.read_text(encoding="utf-8-sig")
