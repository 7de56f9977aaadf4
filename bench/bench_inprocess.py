"""keikaku's read services in-process against the same SQL in-process, on the five questions of
bench_vs_datasette.py (issue 16's column "keikaku / raw SQL in-process").

No server and no Datasette: each question is answered by calling the service the page calls (the plan
page, the project page, the plans list, search, the dashboard) with a warm process, then by the equivalent
SQL through sqlite3.  Printed: p50/p95 of both (ms) and the ratio of the p50s.

With ``--app`` each question is asked instead of the whole web application through its ASGI interface (the
JSON API route bench_vs_datasette.py asks, with routing, dependencies, middleware and serialisation, but no
socket and no HTTP parser): printed are the p50/p95 of each request and the CPU time per request
(``time.process_time``), the figure to compare two versions of the code by on a machine whose speed drifts.

Usage (the database is built as bench_vs_datasette.py builds it, or reused from ``--home``):
  python bench/bench_inprocess.py [--scale national|prefecture|small] [--home DIR] [--requests N] [--app]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from collections.abc import Callable, MutableMapping
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_vs_datasette as vs  # the same database, subjects and SQL


def services(db: Path, s: dict[str, Any]) -> dict[str, Callable[[], object]]:
    """The service call of each question, on an engine of ``db``."""
    from keikaku.services.core.actors import PUBLIC
    from keikaku.services.plans.overview import get_dashboard
    from keikaku.services.plans.project import get_project_page
    from keikaku.services.plans.read import get_plan_page, list_plans
    from keikaku.services.search.query import search
    from keikaku.storage.engine import make_engine

    eng = make_engine(f"sqlite:///{db}")
    q = vs.QUESTIONS
    return {
        q[0]: lambda: get_plan_page(s["plan_id"], viewer=PUBLIC, per_page=50, engine=eng),
        q[1]: lambda: get_project_page(s["project_id"], viewer=PUBLIC, engine=eng),
        q[2]: lambda: list_plans(viewer=PUBLIC, fiscal_year=s["year"], issuer=s["issuer"], engine=eng),
        q[3]: lambda: search("水素", viewer=PUBLIC, engine=eng),
        q[4]: lambda: get_dashboard(viewer=PUBLIC, issuer=s["issuer"], engine=eng),
    }


def timed(call: Callable[[], object], n: int) -> list[float]:
    """``n`` timings of ``call`` (seconds), after one untimed call (the process is warm, as a server is)."""
    call()
    out = []
    for _ in range(n):
        started = time.perf_counter()
        call()
        out.append(time.perf_counter() - started)
    return out


def app_calls(s: dict[str, Any]) -> tuple[Any, dict[str, Callable[[], Any]]]:
    """The web application (configured from the environment) and, per question, a coroutine function asking
    it the question's JSON route through ASGI (the response must be 200)."""
    from urllib.parse import urlencode

    from keikaku.web.app import create_app

    app = create_app()

    def ask(path: str, params: dict[str, Any]) -> Callable[[], Any]:
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "GET",
            "scheme": "http",
            "path": path,
            "raw_path": path.encode(),
            "query_string": urlencode(params).encode(),
            "headers": [(b"host", b"127.0.0.1")],
            "client": ("127.0.0.1", 1),
            "server": ("127.0.0.1", 80),
            "root_path": "",
        }

        async def receive() -> dict[str, Any]:
            return {"type": "http.request", "body": b"", "more_body": False}

        async def call() -> None:
            started: list[int] = []

            async def send(message: MutableMapping[str, Any]) -> None:
                if message["type"] == "http.response.start":
                    started.append(message["status"])

            await app(dict(scope), receive, send)
            if started != [200]:
                raise SystemExit(f"{path}: HTTP {started}")

        return call

    return app, {q: ask(*where) for q, where in vs.keikaku_paths(s).items()}


async def timed_app(app: Any, calls: dict[str, Callable[[], Any]], n: int, skip: set[str]) -> None:
    """Print, per question, p50/p95 (ms) of ``n`` requests through the app and its CPU ms per request."""
    print(f"{'question':26s} {'app p50/p95 ms':>16s} {'CPU ms/request':>15s}")
    async with app.router.lifespan_context(app):
        for q, call in calls.items():
            if q in skip:
                continue
            for _ in range(20):  # warm: the first requests fill the process's caches
                await call()
            times = []
            cpu = time.process_time()
            for _ in range(n):
                started = time.perf_counter()
                await call()
                times.append(time.perf_counter() - started)
            per_request = (time.process_time() - cpu) / n * 1000
            print(f"{q:26s} {vs.pct(times, 50):7.2f} /{vs.pct(times, 95):7.2f} {per_request:15.3f}")


def main() -> None:
    """Print the figures."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", default="national")
    parser.add_argument("--home", help="keep (or reuse) the database in this folder")
    parser.add_argument("--requests", type=int, default=200, help="timed calls per question")
    parser.add_argument(
        "--skip-search",
        action="store_true",
        help="leave search out (and do not build its index: a national one is slow)",
    )
    parser.add_argument("--app", action="store_true", help="ask the whole web app in-process (ASGI), not the services")
    opts = parser.parse_args()
    home = Path(opts.home) if opts.home else Path(tempfile.mkdtemp(prefix="keikaku-inprocess-"))
    home.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if k != "KEIKAKU_DATABASE_URL"}
    env["KEIKAKU_HOME"] = str(home)
    print(f"scale: {opts.scale}; cpus: {os.cpu_count()}; load average: {os.getloadavg()[0]:.2f}")
    db = Path(env["KEIKAKU_HOME"]) / "keikaku.sqlite3"
    if not (opts.skip_search and db.exists()):
        db = vs.prepare(opts, env)
    s = vs.subjects(db)
    print(f"asked about: plan {s['plan_id']} ({s['issuer']} {s['year']}), project {s['project_id']}")
    if opts.app:
        os.environ["KEIKAKU_HOME"] = str(home)
        os.environ.pop("KEIKAKU_DATABASE_URL", None)
        print(f"\n{opts.requests} requests per question through the app (load average {os.getloadavg()[0]:.2f})")
        app, asks = app_calls(s)
        asyncio.run(timed_app(app, asks, opts.requests, {vs.QUESTIONS[3]} if opts.skip_search else set()))
        print(f"\nload average {os.getloadavg()[0]:.2f}")
        return
    calls, sqls = services(db, s), vs.sql_of(s)
    print(f"\n{opts.requests} calls per question, in-process (load average {os.getloadavg()[0]:.2f})")
    print(f"{'question':26s} {'keikaku p50/p95 ms':>20s} {'SQL p50 ms':>11s} {'keikaku/SQL':>11s}")
    for q in vs.QUESTIONS:
        if opts.skip_search and q == vs.QUESTIONS[3]:
            continue
        times = timed(calls[q], opts.requests)
        floor = vs.sql_floor(db, sqls[q], max(50, opts.requests // 4))
        p50 = vs.pct(times, 50)
        print(f"{q:26s} {p50:9.2f} /{vs.pct(times, 95):8.2f} {floor:11.2f} {p50 / max(floor, 1e-6):10.0f}×")
    print(f"\nload average {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
