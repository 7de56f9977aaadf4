"""SIGKILL in the middle of ``keikaku actuals import``: after a restart the workbook is there whole or not at all.

"The whole import" is the whole workbook: every row is checked first and every value, with its audit
entry, is recorded in one transaction (``services/actuals/import_sheet.py``: one unit of work), so a kill
leaves all of the workbook's values or none, and the values recorded earlier keep all their versions.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text
from tests.durability.harness import (
    assert_whole_or_none,
    check_restart,
    is_sqlite,
    kill_at,
    reference_run,
    run_ok,
    snapshot,
)
from tests.durability.workload import EARLIER_YEARS, actuals_workbook, prepare_earlier_work

from keikaku.storage.engine import make_engine

pytestmark = pytest.mark.slow

#: When to kill, as a share of the time the reference run spent inside its write transaction.
KILL_POINTS = (0.0, 0.45, 0.85)


def test_actuals_import_killed_while_writing_is_whole_or_absent(database_url: str, tmp_path: Path) -> None:
    """Kill ``keikaku actuals import`` of a workbook of 5,940 values (four fiscal years, annual and monthly,
    40 of them corrections of values recorded earlier) at three points of its write.

    After each kill the database is sound (no advisory lock left on PostgreSQL, no lock on SQLite), the
    earlier values and audit entries are intact, and the workbook is either absent or recorded exactly
    as by a reference run that finished.  Importing it again then records it whole.
    """
    prepare_earlier_work(database_url, tmp_path)
    book = tmp_path / "実績.xlsx"
    values = actuals_workbook(database_url, EARLIER_YEARS, book, batch=1)
    args = ["actuals", "import", str(book), "--user", "一括入力者"]
    before = snapshot(database_url)
    reference = reference_run(database_url, tmp_path, args, before)
    assert values == 5940
    summary = reference.delta.summary()
    # Each plan the values belong to gets a new derived-data token (keikaku.storage.derived).
    assert summary.pop("derived_versions")[2] == 0
    assert summary == {"actual_values": (values, 0, 0), "audit_log": (values, 0, 0)}
    corrections = [row for row in reference.delta.added["actual_values"] if "集計の誤りを訂正" in row]
    assert len(corrections) == 40

    kills = kill_at(database_url, tmp_path, args, before=before, reference=reference, shares=KILL_POINTS)
    if not is_sqlite(database_url):
        # the import holds a shared advisory lock per fiscal year (periods.ensure_open) while it writes:
        # some kill landed while it was held, and check_restart found none left afterwards
        assert any(run.advisory_locks_at_kill for _, run, _ in kills), kills

    result = run_ok(database_url, tmp_path, *args)
    check_restart(database_url)
    assert assert_whole_or_none(before, snapshot(database_url), reference.delta, "the run after the kills") == "whole"
    recorded = (f"{values} 件を記録しました（変更なし 0 件）", f"0 件を記録しました（変更なし {values} 件）")
    assert any(line in result.stderr for line in recorded), result.stderr
    engine = make_engine(database_url)
    try:
        with engine.connect() as conn:
            corrected = conn.execute(text("SELECT min(kpi_id) FROM actual_values WHERE version = 2")).scalar_one()
    finally:
        engine.dispose()
    history = run_ok(database_url, tmp_path, "actual", "history", "--kpi", str(corrected), "--fiscal-year", "2027")
    assert "先行入力者" in history.stdout and "一括入力者" in history.stdout and "集計の誤りを訂正" in history.stdout
