"""Events at national scale: every bound KPI of a fiscal year computed (target ≤ 5 s), and the public
registration page under 50 concurrent clients over HTTP (target p95 ≤ 50 ms, 0 errors).

1. The data: ``keikaku init`` (the bundled Kansai data) in a temporary SQLite file (or ``--db FILE``,
   kept and reused when it already holds the operations), then :mod:`keikaku.synth.operations`: one plan
   of FY2026 for each of the 1,788 governments with three KPIs bound to measures over its events —
   ``--events`` events (50,000), ``--registrations`` (1,000,000), 75 % checked in, ``--responses``
   (300,000) — by bulk insert.
2. ``compute_year(2026)`` (:mod:`keikaku.services.measures.recompute`) twice: the first run records a
   computed version of every KPI, the second finds them unchanged.
3. A real uvicorn (``--workers``) on 127.0.0.1 serving that file; ``--clients`` clients, each with its own
   connection, GET ``/events/{id}/register`` of random events for ``--requests`` requests in all: first
   as people do, each pausing between pages (``--think``, exponential, mean 1 s), which is what the
   target is about; then without any pause, which saturates the server and shows its throughput (the
   latency then is the queue: clients ÷ throughput).

    python bench/bench_events_national.py
    python bench/bench_events_national.py --db /tmp/national.sqlite3 --requests 5000
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx
from bench_rw import server_errors, uvicorn
from lean_http import Connection, Reply

try:
    import sniffio  # noqa: F401
except ImportError:  # httpcore imports it on every request, each failed import a search of sys.path (~1 ms)
    sys.modules["sniffio"] = None  # type: ignore[assignment]

from keikaku.services.core.actors import SYSTEM
from keikaku.services.exchange.initialize import initialize_database
from keikaku.services.measures.recompute import compute_year
from keikaku.storage.engine import make_engine
from keikaku.synth.operations import generate_operations, operations_counts

YEAR = 2026


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


class _Httpx:
    """httpx as the client (``--client httpx``), behind the lean client's interface."""

    def __init__(self, base: str) -> None:
        limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
        self.http = httpx.AsyncClient(base_url=base, limits=limits, timeout=30, verify=False)

    async def get(self, path: str) -> Reply:
        response = await self.http.get(path)
        return Reply(response.status_code, dict(response.headers), response.content)

    async def aclose(self) -> None:
        await self.http.aclose()


def _app_ms(reply: Reply) -> float:
    timing = reply.headers.get("server-timing", "")
    return float(timing.split("dur=")[1]) if "dur=" in timing else float("nan")


async def _load(
    base: str, event_ids: list[int], clients: int, requests: int, think: float = 0.0, *, kind: str = "lean"
) -> tuple[list[float], list[float], int]:
    """(client-side ms, in-app ms from Server-Timing, errors) of ``requests`` GETs by ``clients`` clients,
    each with its own keep-alive connection, pausing a random time of mean ``think`` seconds between its
    requests (0: none, saturation).  A request is timed from its first byte sent to its whole body read, and
    counts as an error unless it is a 200 with the page's privacy notice."""
    timings: list[float] = []
    app: list[float] = []
    errors = 0
    left = requests
    seen: list[str] = []
    # The clients are made before any request is timed (httpx's TLS context alone took ~0.1 s of CPU each).
    connections = [Connection(base) if kind == "lean" else _Httpx(base) for _ in range(clients)]

    async def client(seed: int) -> None:
        nonlocal left, errors
        rng = random.Random(seed)
        http = connections[seed]
        if think:  # people arrive at random moments, not all 50 in the same millisecond at the start
            await asyncio.sleep(rng.expovariate(1 / think))
        while left > 0:
            left -= 1
            path = f"/events/{rng.choice(event_ids)}/register"
            start = time.perf_counter()
            try:
                reply = await http.get(path)
                ok = reply.status == 200 and b'data-testid="privacy"' in reply.body
                app.append(_app_ms(reply))
                if not ok:
                    seen.append(f"HTTP {reply.status} {path}")
            except (httpx.HTTPError, OSError, asyncio.IncompleteReadError, TimeoutError, ValueError) as exc:
                ok = False
                seen.append(f"{type(exc).__name__} {exc}"[:200])
            timings.append((time.perf_counter() - start) * 1000)
            errors += not ok
            if think:
                await asyncio.sleep(rng.expovariate(1 / think))
        await http.aclose()

    await asyncio.gather(*(client(i) for i in range(clients)))
    for line in seen[:5]:
        print(f"  error: {line}")
    return timings, app, errors


def main() -> int:
    """Run the measurements and print them; exit 1 unless every target is met."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, help="SQLite file to build (or reuse)")
    parser.add_argument("--events", type=int, default=50_000)
    parser.add_argument("--registrations", type=int, default=1_000_000)
    parser.add_argument("--responses", type=int, default=300_000)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--think", type=float, default=1.0, help="mean pause of a client between requests (s)")
    parser.add_argument(
        "--client",
        choices=("lean", "httpx"),
        default="lean",
        help="the load's HTTP client: lean (bench/lean_http.py, little CPU of its own) or httpx",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = args.db or Path(tmp) / "national.sqlite3"
        url = f"sqlite:///{path}"
        engine = make_engine(url)
        fresh = not path.exists() or path.stat().st_size == 0
        if fresh:
            start = time.perf_counter()
            initialize_database(engine=engine)
            print(f"keikaku init: {time.perf_counter() - start:.1f} s")
        counts = operations_counts(engine)
        if counts["events"] < args.events:
            start = time.perf_counter()
            made = generate_operations(
                engine, fiscal_year=YEAR, events=args.events, registrations=args.registrations, responses=args.responses
            )
            print(
                f"synth operations: {made.governments:,} governments, {made.events:,} events, "
                f"{made.registrations:,} registrations, {made.checkins:,} check-ins, {made.responses:,} responses, "
                f"{made.measures:,} bound KPIs in {time.perf_counter() - start:.1f} s"
            )
            counts = operations_counts(engine)
        print("rows: " + ", ".join(f"{name} {n:,}" for name, n in counts.items()))
        met = True
        for run in ("first", "second"):
            start = time.perf_counter()
            done = compute_year(YEAR, actor=SYSTEM, engine=engine)
            took = time.perf_counter() - start
            met &= took <= 5
            outcomes = ", ".join(f"{k} {v:,}" for k, v in sorted(done.outcomes.items()))
            print(f"compute_year {YEAR} ({run} run): {done.kpis:,} KPIs ({outcomes}) in {took:.2f} s (target <= 5)")
        with engine.connect() as conn:
            event_ids = [int(i) for (i,) in conn.exec_driver_sql("SELECT id FROM managed_events WHERE published = 1")]
        engine.dispose()
        log = Path(tmp) / "uvicorn.log"
        with uvicorn(url, args.workers, log) as base:
            asyncio.run(_load(base, event_ids[:100], 5, 100, kind=args.client))  # warm up every worker
            for think in (args.think, 0.0):
                start, cpu = time.perf_counter(), time.process_time()
                timings, app, errors = asyncio.run(
                    _load(base, event_ids, args.clients, args.requests, think, kind=args.client)
                )
                took, cpu = time.perf_counter() - start, time.process_time() - cpu
                p50, p95 = statistics.median(timings), _percentile(timings, 0.95)
                if think:
                    met &= p95 <= 50 and errors == 0
                mode = f"think time {think:g} s (mean)" if think else "no think time (saturation)"
                print(
                    f"public registration page, {mode}: {len(timings):,} requests, {args.clients} clients ({args.client}), "
                    f"{args.workers} workers, {len(timings) / took:.0f} req/s; client p50 {p50:.1f} ms, "
                    f"p95 {p95:.1f} ms{' (target <= 50)' if think else ''}, max {max(timings):.1f} ms; "
                    f"in-app p95 {_percentile(app, 0.95):.1f} ms; errors: {errors}; "
                    f"the client's own CPU {cpu / len(timings) * 1000:.2f} ms a request ({cpu / took:.0%} of a core)"
                )
        for line, n in server_errors(log).items():
            print(f"server error x{n}: {line}")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
