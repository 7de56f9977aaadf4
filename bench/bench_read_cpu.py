"""CPU time of the dashboard and of one project page, in-process, on the configured database (issue 16).

Wall time on a shared machine measures the queue; the CPU time a read takes in its own process does not.
Usage, on the national synthetic data (``keikaku init`` then ``keikaku synth --scale national``):

    KEIKAKU_DATABASE_URL=sqlite:////path/national.sqlite3 python bench/bench_read_cpu.py [--calls 40]

The project asked about is the one with the most KPIs (the newest of those).
It prints figures; it asserts nothing.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

from sqlalchemy import func, select

from keikaku.services.core.actors import PUBLIC
from keikaku.services.plans.overview import get_dashboard
from keikaku.services.plans.project import get_project_page
from keikaku.storage import models as m
from keikaku.storage.engine import default_engine
from keikaku.storage.uow import read_session


def _cpu_ms(call: Callable[[], object], calls: int) -> tuple[float, float]:
    for _ in range(3):
        call()
    times = []
    for _ in range(calls):
        started = time.process_time()
        call()
        times.append((time.process_time() - started) * 1000)
    times.sort()
    return statistics.median(times), times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]


def main() -> None:
    """Print the CPU p50/p95 of each read."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--calls", type=int, default=40)
    args = parser.parse_args()
    engine = default_engine()
    with read_session(engine) as session:
        project_id = session.scalar(
            select(m.Kpi.project_id)
            .where(m.Kpi.project_id.is_not(None))
            .group_by(m.Kpi.project_id)
            .order_by(func.count().desc(), m.Kpi.project_id.desc())
            .limit(1)
        )
    assert project_id is not None, "no project with KPIs: load data first"
    print(f"database: {engine.url.render_as_string(hide_password=True)}; project {project_id}")
    for name, call in (
        ("dashboard", lambda: get_dashboard(viewer=PUBLIC, engine=engine)),
        ("project page", lambda: get_project_page(project_id, viewer=PUBLIC, engine=engine)),
    ):
        p50, p95 = _cpu_ms(call, args.calls)
        print(f"{name:14s} CPU p50 {p50:6.1f} ms   p95 {p95:6.1f} ms   ({args.calls} calls, as the public)")


if __name__ == "__main__":
    main()
