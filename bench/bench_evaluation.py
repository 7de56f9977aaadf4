"""Evaluating every KPI of one fiscal year of the national synthetic data (target: 5 s on SQLite, issue 16).

Prepare the data once (about a minute and a half, ~1 GB):

    KEIKAKU_DATABASE_URL=sqlite:////tmp/national.sqlite3 keikaku init
    KEIKAKU_DATABASE_URL=sqlite:////tmp/national.sqlite3 keikaku synth --scale national

then run ``python bench/bench_evaluation.py [--fiscal-year 2026]`` with the same KEIKAKU_DATABASE_URL.
It prints figures; it asserts nothing.  ``bench/dump_evaluation.py`` checks that a speed change leaves every
result as it was.
"""

from __future__ import annotations

import argparse
import os
import time
from collections import Counter

from keikaku.evaluation import Status
from keikaku.services.evaluations.run import evaluate_fiscal_year
from keikaku.storage.engine import default_engine


def main() -> None:
    """Time the evaluation of one fiscal year (read, evaluate, build the report model), twice."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--fiscal-year", type=int, default=2026)
    parser.add_argument("--with-comparison", action="store_true", help="also compare each plan with the year before")
    args = parser.parse_args()
    engine = default_engine()
    print(f"database: {engine.url.render_as_string(hide_password=True)}")
    print(f"CPUs: {os.cpu_count()}, load average before: {os.getloadavg()[0]:.2f}")
    for attempt in ("cold", "warm"):
        started, cpu = time.perf_counter(), time.process_time()
        evaluations = evaluate_fiscal_year(args.fiscal_year, with_comparison=args.with_comparison, engine=engine)
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
        statuses: Counter[Status] = Counter()
        kpis = nodes = 0
        for evaluation in evaluations:
            nodes += len(evaluation.result.nodes)
            kpis += len(evaluation.result.kpis)
            statuses.update(r.status for r in evaluation.result.kpis.values())
        print(
            f"{attempt}: FY{args.fiscal_year}: {len(evaluations):,} plans, {nodes:,} projects and components, "
            f"{kpis:,} KPIs evaluated and rolled up in {elapsed:.2f} s wall, {cpu:.2f} s CPU "
            f"({kpis / elapsed:,.0f} KPIs/s)"
        )
    print("statuses: " + ", ".join(f"{s.value} {statuses[s]:,}" for s in Status))
    started = time.perf_counter()
    lines = sum(len(e.projects) for e in evaluations[:100])
    print(
        f"report model (project and KPI lines, with evidence) for 100 plans: {lines:,} projects "
        f"in {time.perf_counter() - started:.2f} s"
    )
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
