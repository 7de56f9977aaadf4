"""The accuracy harness's scorer and layouts: a layout keeps a plan's facts, and the scorer sees a wrong one."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.ingest.accuracy import TEXT_LAYOUTS, score_plan, source_text, truth
from tests.ingest.grid_facts import FACT_TYPES, Tally

from keikaku.ingest.pipeline import ingest_file

SEED_PLAN = truth()[0]


@pytest.mark.parametrize("layout", sorted(TEXT_LAYOUTS))
def test_the_fy2026_plan_keeps_every_fact_in_these_layouts(tmp_path: Path, layout: str) -> None:
    path = tmp_path / "plan.txt"
    path.write_text(TEXT_LAYOUTS[layout](source_text(SEED_PLAN.path)), encoding="utf-8")
    tally = Tally()
    score_plan(ingest_file(path).data.plans[0], SEED_PLAN, tally)
    assert tally.invented == [] and tally.expected["budget"] == 16 and tally.expected["event_date"] == 2
    for kind in FACT_TYPES:
        assert (tally.precision(kind), tally.recall(kind)) == (1.0, 1.0), (kind, tally.misses)


def test_the_scorer_counts_a_wrong_budget_against_precision_and_recall(tmp_path: Path) -> None:
    text = source_text(SEED_PLAN.path).replace("1,788千円", "1,789千円")
    path = tmp_path / "plan.txt"
    path.write_text(text, encoding="utf-8")
    tally = Tally()
    score_plan(ingest_file(path).data.plans[0], SEED_PLAN, tally)
    assert tally.right["budget"] == tally.expected["budget"] - 1
    assert any("1789" in miss for miss in tally.misses)
