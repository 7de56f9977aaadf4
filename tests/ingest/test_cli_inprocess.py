"""``keikaku ingest`` and ``keikaku revisions`` in process (fast; the subprocess tests cover start-up and exit codes)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from keikaku.cli.app import app

SEED = "001_0dab7330ada36a72.txt"


@pytest.fixture
def runner(cli_env: str) -> CliRunner:
    """A runner whose KEIKAKU_DATABASE_URL points at a fresh database."""
    return CliRunner()


def test_dry_run_json_and_table(runner: CliRunner, seeds_dir: Path) -> None:
    result = runner.invoke(app, ["ingest", "--dry-run", "--format", "json", str(seeds_dir / SEED)])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["plans"][0]["total_budget_thousand_yen"] == 100674
    table = runner.invoke(
        app, ["ingest", "--dry-run", str(seeds_dir / SEED), str(seeds_dir / "004_9fbeadb188289702.txt")]
    )
    assert table.exit_code == 0
    assert "解析のみ" in table.stdout and "budget_sum_mismatch" in table.stdout and "472行" in table.stdout


def test_store_list_and_diff(runner: CliRunner, seeds_dir: Path, tmp_path: Path) -> None:
    assert runner.invoke(app, ["init", "--empty"]).exit_code == 0
    stored = runner.invoke(app, ["ingest", "--format", "json", str(seeds_dir / SEED)])
    assert json.loads(stored.stdout)["documents"][0]["status"] == "stored"
    changed = tmp_path / "changed.txt"
    changed.write_text(
        (seeds_dir / SEED)
        .read_text(encoding="utf-8")
        .replace("（250千円）", "（300千円）")
        .replace("100,674千円", "100,724千円"),
        encoding="utf-8",
    )
    assert runner.invoke(app, ["ingest", str(changed)]).exit_code == 0
    listed = runner.invoke(app, ["revisions", "list", "-y", "2026"])
    assert listed.exit_code == 0 and listed.stdout.count("○") == 1
    diff = runner.invoke(app, ["revisions", "diff", "-y", "2026", "--old", "1", "--new", "2"])
    assert diff.exit_code == 0
    assert "~ 変更 9" in diff.stdout and "title" not in diff.stdout
    same = runner.invoke(app, ["revisions", "diff", "-y", "2026", "--old", "2", "--new", "2"])
    assert "違いはありません" in same.stdout


def test_failed_file_in_process(runner: CliRunner, tmp_path: Path) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    result = runner.invoke(app, ["ingest", str(empty)])
    assert result.exit_code == 2
    assert f"エラー: {empty}: ファイルが空です" in result.stderr
