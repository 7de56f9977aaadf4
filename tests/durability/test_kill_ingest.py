"""SIGKILL in the middle of ``keikaku ingest``: after a restart the run is there whole or not at all.

"The whole import" of ``keikaku ingest PATH...`` is the whole call: every document is read and parsed
first, then all of them are stored in one transaction (``services/exchange/ingest.py``: ``_store`` runs one unit
of work).  So a kill may leave every document of the call or none of them, never some documents and
never part of one; and what was committed before is never touched.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.durability.harness import (
    assert_whole_or_none,
    check_restart,
    kill_at,
    reference_run,
    run_ok,
    snapshot,
)
from tests.durability.workload import EARLIER_YEARS, HOME_BUREAU, prepare_earlier_work, write_plans

pytestmark = pytest.mark.slow

#: New plans of other bureaus, and a revised plan of the home bureau (its FY2027 plan becomes revision 2,
#: so revision 1, committed earlier, stops being current in the same transaction).
BIG_INGEST = [(f"合成第{n}産業振興局", EARLIER_YEARS[n % 4], 0) for n in range(1, 6)] + [(HOME_BUREAU, 2027, 1)]
#: When to kill, as a share of the time the reference run spent inside its write transaction.
KILL_POINTS = (0.0, 0.45, 0.85)


def test_ingest_killed_while_writing_is_whole_or_absent(database_url: str, tmp_path: Path) -> None:
    """Kill ``keikaku ingest`` of six plan documents (594 projects, 1,782 KPIs) at three points of its write.

    After each kill the database is sound, the earlier data is intact, and the run is either absent (the
    database is byte for byte what it was) or equal to a reference run that finished.  Running the same
    ingest again then stores it whole, and the home bureau has exactly one current FY2027 plan throughout.
    """
    prepare_earlier_work(database_url, tmp_path)
    documents = [str(p) for p in write_plans(tmp_path / "big", BIG_INGEST)]
    args = ["ingest", *documents]
    before = snapshot(database_url)
    reference = reference_run(database_url, tmp_path, args, before)
    assert reference.delta.summary()["documents"] == (len(BIG_INGEST), 0, 0)
    assert reference.delta.summary()["plans"] == (len(BIG_INGEST), 1, 0)  # revision 1 of FY2027: no longer current
    assert reference.delta.summary()["kpis"] == (len(BIG_INGEST) * 99 * 3, 0, 0)

    kill_at(database_url, tmp_path, args, before=before, reference=reference, shares=KILL_POINTS)

    run_ok(database_url, tmp_path, *args)
    check_restart(database_url)
    assert assert_whole_or_none(before, snapshot(database_url), reference.delta, "the run after the kills") == "whole"
    listed = run_ok(database_url, tmp_path, "revisions", "list", "--fiscal-year", "2027")
    revisions = [line for line in listed.stdout.splitlines() if f"関西広域連合 {HOME_BUREAU} " in line]
    assert len(revisions) == 2 and "○" in revisions[1] and "○" not in revisions[0], listed.stdout
