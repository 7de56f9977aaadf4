"""The core commands end to end, and the one-line errors for a database we cannot use."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text

from keikaku.storage.engine import make_engine
from keikaku.storage.migrate import upgrade


def run_cli(*args: str, env_url: str | None, home: Path) -> subprocess.CompletedProcess[str]:
    """Run ``keikaku`` in a subprocess, as a user would."""
    env = {k: v for k, v in os.environ.items() if k != "KEIKAKU_DATABASE_URL"}
    env["KEIKAKU_HOME"] = str(home)
    env["COLUMNS"] = "200"
    if env_url is not None:
        env["KEIKAKU_DATABASE_URL"] = env_url
    return subprocess.run(
        [sys.executable, "-m", "keikaku.cli.app", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


def assert_one_line_error(result: subprocess.CompletedProcess[str], needle: str) -> None:
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("エラー: ")
    assert needle in lines[0]


def test_init_tree_show_export_on_default_sqlite(tmp_path: Path) -> None:
    result = run_cli("init", env_url=None, home=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "keikaku.sqlite3").exists()
    tree = run_cli("tree", env_url=None, home=tmp_path)
    assert tree.returncode == 0
    assert "関西チャレンジ2「強みを活用」" in tree.stdout
    assert "32,000件" in tree.stdout
    shown = run_cli("show", "plan", "2026", env_url=None, home=tmp_path)
    assert shown.returncode == 0
    assert "100,674" in shown.stdout and "✓ 事業計画の合計" in shown.stdout
    out = tmp_path / "fy2026.json"
    exported = run_cli(
        "export", "--format", "json", "--fiscal-year", "2026", "-o", str(out), env_url=None, home=tmp_path
    )
    assert exported.returncode == 0, exported.stderr
    assert json.loads(out.read_text(encoding="utf-8"))["plans"][0]["total_budget_thousand_yen"] == 100_674
    csv_out = run_cli("export", "--format", "csv", env_url=None, home=tmp_path)
    assert csv_out.stdout.startswith("\ufeff年度,")


def test_show_unknown_year_is_one_line(tmp_path: Path) -> None:
    assert run_cli("init", env_url=None, home=tmp_path).returncode == 0
    assert_one_line_error(run_cli("show", "plan", "1990", env_url=None, home=tmp_path), "1990年度")


@pytest.mark.parametrize("url", ["not a url", "mysql://root@127.0.0.1/test", "postgresql://127.0.0.1:5432"])
def test_malformed_database_url(tmp_path: Path, url: str) -> None:
    result = run_cli("init", env_url=url, home=tmp_path)
    assert_one_line_error(result, "KEIKAKU_DATABASE_URL")
    assert not list(tmp_path.iterdir())


def test_unreachable_postgresql(tmp_path: Path) -> None:
    result = run_cli("init", env_url="postgresql://nobody@127.0.0.1:1/keikaku", home=tmp_path)
    assert_one_line_error(result, "接続できません")


def test_database_from_a_newer_schema_is_refused_and_left_alone(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'future.sqlite3'}"
    engine = make_engine(url)
    upgrade(engine)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM alembic_version"))
        conn.execute(text("INSERT INTO alembic_version (version_num) VALUES ('9999_from_the_future')"))
        conn.execute(text("INSERT INTO departments (name) VALUES ('未来課')"))
    for args in (("init",), ("tree",), ("export",)):
        assert_one_line_error(run_cli(*args, env_url=url, home=tmp_path), "新しい版")
    with engine.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == "9999_from_the_future"
        assert conn.execute(text("SELECT count(*) FROM departments")).scalar() == 1
        assert conn.execute(text("SELECT count(*) FROM plans")).scalar() == 0
    engine.dispose()


def test_uninitialised_database_says_to_run_init(tmp_path: Path) -> None:
    assert_one_line_error(run_cli("tree", env_url=None, home=tmp_path), "keikaku init")
