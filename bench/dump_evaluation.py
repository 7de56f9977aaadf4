"""Write every evaluation of a fiscal year to a text file, in full, so that two versions of the code can be diffed.

Each plan's KPI results (status, achievement, score, reason, notes), units (with their counts and score sums),
roll-ups of its projects and components, challenges, departments and the plan (each with its reason), and
cost per output; then the report model (project and KPI lines, as JSON values) of the first ``--lines`` plans.
A speed change must leave the file byte for byte the same:

    git stash; python bench/dump_evaluation.py /tmp/before.txt; git stash pop
    python bench/dump_evaluation.py /tmp/after.txt && cmp /tmp/before.txt /tmp/after.txt

It uses ``KEIKAKU_DATABASE_URL`` (the national synthetic data for a full check) and writes nothing to it.
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TextIO

from keikaku.evaluation.rollup import Rollup
from keikaku.evaluation.views import PlanEvaluation, to_jsonable
from keikaku.services.evaluations.run import evaluate_fiscal_year
from keikaku.storage.engine import default_engine


def _write_rollups(out: TextIO, kind: str, rollups: Mapping[Any, Rollup]) -> None:
    for key, rollup in rollups.items():
        out.write(f"  {kind} {key} {rollup!r} {rollup.reason!r}\n")


def _write_result(out: TextIO, evaluation: PlanEvaluation) -> None:
    r = evaluation.result
    out.write(
        f"PLAN {evaluation.plan_id} {evaluation.title!r} {evaluation.issuer!r} {evaluation.fiscal_year} "
        f"{evaluation.final} {evaluation.thresholds!r} {evaluation.administrative!r}\n"
    )
    out.write(f"  plan {r.plan!r} {r.plan.reason!r} {r.plan.coverage_text!r}\n")
    for kpi_id, result in r.kpis.items():
        out.write(f"  kpi {kpi_id} {result!r}\n")
    _write_rollups(out, "node", r.nodes)
    for node_id, unit in r.units.items():
        out.write(f"  unit {node_id} {unit!r} {unit.counts} {unit.score_sum!r} {unit.scored} {unit.measured}\n")
    _write_rollups(out, "challenge", r.challenges)
    _write_rollups(out, "department", r.departments)
    for kpi_id, cost in r.costs.items():
        out.write(f"  cost {kpi_id} {cost!r} {cost.label}\n")
    out.write(f"  vision {evaluation.vision!r}\n")


def main() -> None:
    """Evaluate the year and write the dump."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("output")
    parser.add_argument("--fiscal-year", type=int, default=2026)
    parser.add_argument("--lines", type=int, default=150, help="plans whose report model is written too")
    parser.add_argument("--with-comparison", action="store_true", help="also compare each plan with the year before")
    args = parser.parse_args()
    evaluations = evaluate_fiscal_year(args.fiscal_year, with_comparison=args.with_comparison, engine=default_engine())
    with Path(args.output).open("w", encoding="utf-8") as out:
        for evaluation in evaluations:
            _write_result(out, evaluation)
        for evaluation in evaluations[: args.lines]:
            data = to_jsonable(evaluation)
            assert isinstance(data, dict)
            data.pop("generated_at", None)  # the one value that differs between runs
            out.write(f"JSON {evaluation.plan_id} {data!r}\n")
            out.write(f"LINES {evaluation.plan_id} {to_jsonable(list(evaluation.projects))!r}\n")
    print(f"{len(evaluations):,} plans written to {args.output}")


if __name__ == "__main__":
    main()
