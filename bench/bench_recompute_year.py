"""Every bound KPI of a fiscal year recomputed at once, at national scale, with the event, survey, platform and
communications measures together (issues 12 and 14: target ≤ 5 s).

1. The data, in one SQLite file (``--db``, kept and reused; else a temporary one):
   ``keikaku init`` (the bundled Kansai data); the national operations of :mod:`keikaku.synth.operations`
   (1,788 governments' FY2026 plans with KPIs bound to their events: ``--events`` events,
   ``--registrations``, 75 % checked in, ``--responses``); then the communications records of
   ``bench_communications`` (1.47 M web-metric rows, 270,000 registry entries, 60,000 reader answers,
   20,000 listed firms and events) with its KPI bindings.
2. ``compute_year(2026)`` three times: the first records a computed version of every KPI, the next ones
   find them unchanged.  Each run prints wall and CPU time, and the KPIs by outcome.

    PYTHONPATH=src:bench python bench/bench_recompute_year.py --db /tmp/recompute.sqlite3

It prints figures; it asserts nothing.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from bench_communications import run as load_communications
from sqlalchemy import func, select

from keikaku.services.core.actors import SYSTEM
from keikaku.services.exchange.initialize import initialize_database
from keikaku.services.measures.recompute import compute_year
from keikaku.storage import communications as comms_store
from keikaku.storage import measures as measure_store
from keikaku.storage.engine import make_engine
from keikaku.storage.uow import read_session
from keikaku.synth.operations import generate_operations, operations_counts

YEAR = 2026


def main() -> None:
    """Build or reuse the database, then recompute the year and print what it took."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--db", type=Path, help="SQLite file to build (or reuse)")
    parser.add_argument("--events", type=int, default=50_000)
    parser.add_argument("--registrations", type=int, default=1_000_000)
    parser.add_argument("--responses", type=int, default=300_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = args.db or Path(tmp) / "recompute.sqlite3"
        engine = make_engine(f"sqlite:///{path}")
        if not path.exists() or path.stat().st_size == 0:
            start = time.perf_counter()
            initialize_database(engine=engine)
            print(f"keikaku init: {time.perf_counter() - start:.1f} s")
        if operations_counts(engine)["events"] < args.events:
            start = time.perf_counter()
            made = generate_operations(
                engine, fiscal_year=YEAR, events=args.events, registrations=args.registrations, responses=args.responses
            )
            print(
                f"operations: {made.events:,} events, {made.measures:,} bound KPIs in {time.perf_counter() - start:.1f} s"
            )
        with read_session(engine) as session:
            metrics = int(session.scalar(select(func.count()).select_from(comms_store.WebMetric)) or 0)
        if metrics == 0:
            load_communications(engine)  # records, bindings, and each communications KPI computed once alone
        with read_session(engine) as session:
            kinds = dict(
                session.execute(
                    select(measure_store.KpiMeasure.kind, func.count()).group_by(measure_store.KpiMeasure.kind)
                ).all()
            )
        print("measures by kind: " + ", ".join(f"{k} {n:,}" for k, n in sorted(kinds.items())))
        for run in range(1, args.runs + 1):
            start, cpu = time.perf_counter(), time.process_time()
            done = compute_year(YEAR, actor=SYSTEM, engine=engine)
            took, cpu = time.perf_counter() - start, time.process_time() - cpu
            outcomes = ", ".join(f"{k} {v:,}" for k, v in sorted(done.outcomes.items()))
            print(
                f"compute_year {YEAR} run {run}: {done.kpis:,} KPIs ({outcomes}) in {took:.2f} s"
                f" (CPU of this process {cpu:.2f} s; target <= 5)"
            )
        engine.dispose()


if __name__ == "__main__":
    main()
