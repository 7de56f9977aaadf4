"""Web pages with the national synthetic data: server-side latency per page, then 50 concurrent clients.

1. The data: the bundled Kansai data plus ``keikaku synth --scale national`` (1,788 issuers × 10 years, about
   700,000 projects) in a temporary SQLite file, or the database given by ``--db FILE`` /
   ``KEIKAKU_BENCH_DB`` (SQLite) or ``--postgres URL`` (PostgreSQL), generated there if it holds no
   synthetic data yet.  The search index is brought up to date first (timed).
2. Server-side latency: each page is requested through the ASGI app in this process; the time inside the
   app is read from its ``Server-Timing`` header.  A first pass fills the per-plan evaluation cache (its
   times are reported as "first view"); then ``--samples`` requests per page are measured.
3. Load: a real uvicorn (``keikaku.web.asgi:app``) on 127.0.0.1 and ``--clients`` concurrent clients for
   ``--duration`` seconds over a mix of the same pages; throughput, errors and latency are printed.

It prints figures and asserts nothing (see STYLE.md: measurements live in bench/).

    python bench/bench_web.py                       # temporary SQLite, national data (a few minutes)
    KEIKAKU_BENCH_DB=/tmp/national.sqlite3 python bench/bench_web.py
    python bench/bench_web.py --postgres postgresql://postgres@127.0.0.1:5432/keikaku_bench
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from sqlalchemy import Engine, func, select, text

from keikaku.services.context.partner_links import refresh_suggestions
from keikaku.services.exchange.initialize import initialize_database
from keikaku.services.search.index import sync_search_index
from keikaku.storage import models as m
from keikaku.storage.engine import make_engine
from keikaku.storage.migrate import upgrade
from keikaku.storage.uow import read_session
from keikaku.synth.generate import Scale, generate
from keikaku.web import create_app
from keikaku.web.settings import WebSettings

SEARCHES = ("水素", "スタートアップ", "電池", "ﾏｯﾁﾝｸﾞ", "フォーラム 水素", "中小企業DX", "かんさいラボサーチ")


@dataclass
class Targets:
    """The URLs measured, by page type."""

    pages: dict[str, list[str]] = field(default_factory=dict)

    def mix(self) -> list[str]:
        """Every URL, each page type equally represented."""
        return [url for urls in self.pages.values() for url in urls]


def prepare(url: str, scale: Scale) -> Engine:
    """The database with the bundled and the synthetic data, migrated, its search index current."""
    engine = make_engine(url)
    started = time.perf_counter()
    initialize_database(engine=engine)
    upgrade(engine)
    with read_session(engine) as session:
        synthetic = session.scalar(select(func.count()).select_from(m.Plan).where(m.Plan.region_code.is_not(None)))
    if not synthetic:
        print(f"generating synthetic data ({scale.value}) …", flush=True)
        result = generate(scale, engine=engine)
        print(
            f"  {result.plans:,} plans, {result.projects:,} projects, {result.kpis:,} KPIs in {time.perf_counter() - started:.0f} s"
        )
    started = time.perf_counter()
    status = sync_search_index(engine=engine)
    refresh_suggestions(engine=engine)
    print(f"search index: {status.indexed_plans:,} plans indexed in {time.perf_counter() - started:.1f} s")
    if engine.dialect.name == "postgresql":
        # Bulk-loaded tables have no planner statistics until autovacuum analyzes them; measure as in use.
        # (SQLite is left without statistics, as keikaku leaves it: with them, its planner prefers a table scan
        # to the NULL-heavy owner indexes of kpis for a bound parameter.)
        with engine.connect() as conn:
            conn.execute(text("ANALYZE"))
            conn.commit()
    return engine


def targets(engine: Engine, rng: random.Random) -> Targets:
    """Pages to measure: the union's dashboard, synthetic plans (paginated), projects, searches."""
    with read_session(engine) as session:
        home = session.scalar(select(m.Plan.id).where(m.Plan.region_code.is_(None), m.Plan.fiscal_year == 2026))
        plan_ids = list(
            session.scalars(
                select(m.Plan.id).where(
                    m.Plan.region_code.is_not(None), m.Plan.is_current.is_(True), m.Plan.fiscal_year == 2026
                )
            )
        )
        chosen = rng.sample(plan_ids, k=min(20, len(plan_ids)))
        projects = list(
            session.scalars(
                select(m.Project.id)
                .where(m.Project.plan_id.in_(chosen), m.Project.parent_id.is_(None))
                .order_by(m.Project.id)
            )
        )
        platform = session.scalar(
            select(m.Project.id).where(m.Project.plan_id == home, m.Project.code == "5", m.Project.parent_id.is_(None))
        )
    picked = rng.sample(projects, k=min(40, len(projects)))
    return Targets(
        {
            "dashboard": ["/", "/api/v1/dashboard"],
            "plan (paginated)": [f"/plans/{pid}?per_page=20&page={page}" for pid in chosen for page in (1, 2)]
            + [f"/plans/{home}"],
            "project": [f"/projects/{pid}" for pid in picked] + [f"/projects/{platform}"],
            "search": [f"/search?q={q}" for q in SEARCHES] + [f"/api/v1/search?q={q}&page=2" for q in SEARCHES],
        }
    )


def _app_ms(response: httpx.Response) -> float:
    timing = response.headers.get("server-timing", "")
    return float(timing.split("dur=")[1]) if "dur=" in timing else float("nan")


def percentile(values: list[float], share: float) -> float:
    """The ``share`` percentile (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


async def server_side(engine: Engine, pages: Targets, samples: int) -> None:
    """Time inside the app per page type: first views (cache filling), then ``samples`` warm requests."""
    app = create_app(WebSettings(engine=engine))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
        print("\nserver-side latency (time inside the app, ms)")
        print(f"{'page':<18}{'first view p50':>16}{'max':>9}{'n':>6}{'p50':>8}{'p95':>8}{'p99':>8}{'max':>8}")
        for name, urls in pages.pages.items():
            first = []
            for url in urls:
                response = await client.get(url)
                response.raise_for_status()
                first.append(_app_ms(response))
            warm = []
            for i in range(samples):
                response = await client.get(urls[i % len(urls)])
                response.raise_for_status()
                warm.append(_app_ms(response))
            print(
                f"{name:<18}{statistics.median(first):>16.1f}{max(first):>9.1f}{len(warm):>6}"
                f"{percentile(warm, 0.5):>8.1f}{percentile(warm, 0.95):>8.1f}{percentile(warm, 0.99):>8.1f}{max(warm):>8.1f}"
            )


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def _client(base: str, urls: list[str], until: float, seed: int, stats: dict[str, list[float]]) -> None:
    rng = random.Random(seed)
    limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as client:
        while time.monotonic() < until:
            url = rng.choice(urls)
            started = time.perf_counter()
            try:
                response = await client.get(url)
                ok = response.status_code == 200
                stats["app"].append(_app_ms(response))
            except httpx.HTTPError:
                ok = False
            stats["wall"].append((time.perf_counter() - started) * 1000)
            stats["ok" if ok else "errors"].append(1)


async def load(url: str, pages: Targets, *, clients: int, duration: float, workers: int) -> None:
    """A real uvicorn on loopback, ``clients`` concurrent clients for ``duration`` seconds."""
    port = _free_port()
    env = {**os.environ, "KEIKAKU_DATABASE_URL": url}
    command = [sys.executable, "-m", "uvicorn", "keikaku.web.asgi:app", "--host", "127.0.0.1", "--port", str(port)]
    command += ["--workers", str(workers), "--log-level", "warning"]
    process = subprocess.Popen(command, env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient(base_url=base, timeout=120) as probe:
            deadline = time.monotonic() + 120
            while True:
                try:
                    if (await probe.get("/api/v1/plans")).status_code == 200:
                        break
                except httpx.HTTPError:
                    if process.poll() is not None or time.monotonic() > deadline:
                        raise RuntimeError("uvicorn did not start") from None
                    await asyncio.sleep(0.3)
        # A new connection per request spreads the warm-up over the workers, so that each worker's caches fill.
        fresh = httpx.Limits(max_keepalive_connections=0)
        async with httpx.AsyncClient(base_url=base, timeout=120, limits=fresh) as warm:
            for _ in range(3 * workers):
                for target in pages.mix():
                    await warm.get(target)
        stats: dict[str, list[float]] = {"ok": [], "errors": [], "wall": [], "app": []}
        started = time.monotonic()
        until = started + duration
        await asyncio.gather(*(_client(base, pages.mix(), until, seed, stats) for seed in range(clients)))
        elapsed = time.monotonic() - started
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
    total = len(stats["ok"]) + len(stats["errors"])
    print(f"\nload: {clients} concurrent clients, {elapsed:.1f} s, uvicorn with {workers} worker(s) on 127.0.0.1")
    print(f"  requests {total:,}, errors {len(stats['errors'])}, throughput {total / elapsed:.1f} requests/s")
    app_times = [t for t in stats["app"] if not math.isnan(t)]
    print(
        f"  client-side latency ms: p50 {percentile(stats['wall'], 0.5):.1f}, p95 {percentile(stats['wall'], 0.95):.1f}, "
        f"p99 {percentile(stats['wall'], 0.99):.1f}"
    )
    if app_times:
        print(f"  server-side (in app) ms: p50 {percentile(app_times, 0.5):.1f}, p95 {percentile(app_times, 0.95):.1f}")


def main() -> None:
    """Prepare the data, measure each page server-side, then the concurrent load."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", help="SQLite file to use (default: KEIKAKU_BENCH_DB, else a temporary file)")
    parser.add_argument("--postgres", help="PostgreSQL URL to use instead of SQLite")
    parser.add_argument("--scale", type=Scale, default=Scale.NATIONAL, choices=list(Scale))
    parser.add_argument("--samples", type=int, default=300, help="measured requests per page type")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--duration", type=float, default=20.0, help="seconds of load")
    parser.add_argument("--workers", type=int, default=2, help="uvicorn worker processes")
    args = parser.parse_args()
    temporary = None
    if args.postgres:
        url = args.postgres
    else:
        path = args.db or os.environ.get("KEIKAKU_BENCH_DB")
        if not path:
            temporary = tempfile.TemporaryDirectory(prefix="keikaku-bench-")
            path = str(Path(temporary.name) / "national.sqlite3")
        url = f"sqlite:///{Path(path).resolve()}"
    print(f"database: {make_engine(url).url.render_as_string(hide_password=True)}; CPUs: {os.cpu_count()}")
    try:
        engine = prepare(url, args.scale)
        pages = targets(engine, random.Random(2026))
        asyncio.run(server_side(engine, pages, args.samples))
        engine.dispose()
        asyncio.run(load(url, pages, clients=args.clients, duration=args.duration, workers=args.workers))
    finally:
        if temporary is not None:
            temporary.cleanup()


if __name__ == "__main__":
    main()
