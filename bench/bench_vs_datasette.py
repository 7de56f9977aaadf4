"""keikaku against Datasette on the same SQLite file and the same five questions (issue 16).

Builds (or reuses) the synthetic database, builds its search index, then serves the file with keikaku
(``keikaku serve``) and with Datasette (``--immutable``) and asks both the five questions: the first 50
projects of a plan, one project with its KPIs, the plans of one issuer and fiscal year, a search for 水素,
and the dashboard.  Datasette answers through equivalent SQL; the answers are compared (ids, counts,
totals) before anything is timed.

Timing: requests are interleaved one by one (keikaku, Datasette, keikaku, …) from one client, so that the
machine's noise hits both; then 20 async clients (httpx) run in alternating windows (``--windows`` of
``--window`` seconds per server).  Printed: p50/p95 of both, the ratio, the SQL floor (the same SQL in-process
with sqlite3) and the throughput, with the spread of its ratio over the pairs of windows.

Needs the bench extra (``pip install -e '.[bench]'``).  Usage:
  python bench/bench_vs_datasette.py [--scale national|prefecture|small] [--home DIR] [--requests N]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from keikaku.services.search.query import COUNT_CAP

Answer = Any
QUESTIONS = ("plan: first 50 projects", "project with KPIs", "plans of issuer+year", "search 水素", "dashboard")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _keikaku(args: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "keikaku.cli.app", *args], env=env, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def prepare(opts: argparse.Namespace, env: dict[str, str]) -> Path:
    """The database, built when missing, migrated and search-indexed; prints how long each step took."""
    db = Path(env["KEIKAKU_HOME"]) / "keikaku.sqlite3"
    if not db.exists():
        print(f"init {_keikaku(['init'], env):.1f} s")
        print(f"synth --scale {opts.scale} {_keikaku(['synth', '--scale', opts.scale], env):.1f} s")
    else:
        print(f"reusing {db}; init (migrate if needed) {_keikaku(['init'], env):.1f} s")
    code = "from keikaku.services.search.index import sync_search_index as s; print(s())"
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], env=env, check=True, stdout=subprocess.DEVNULL)
    print(f"search index: {time.perf_counter() - started:.1f} s")
    with sqlite3.connect(db) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # Datasette opens the file immutable: no WAL
    return db


def subjects(db: Path) -> dict[str, Any]:
    """The plan, project and issuer asked about: the newest year's plan of a synthetic issuer."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    where = "is_current AND region_code IS NOT NULL AND fiscal_year = (SELECT max(fiscal_year) FROM plans)"
    count = conn.execute(f"SELECT count(*) FROM plans WHERE {where}").fetchone()[0]
    plan_id, issuer, year = conn.execute(
        f"SELECT id, issuer, fiscal_year FROM plans WHERE {where} ORDER BY id LIMIT 1 OFFSET ?", (count // 3,)
    ).fetchone()
    project_id = conn.execute(
        "SELECT p.id FROM projects p JOIN kpis k ON k.project_id = p.id WHERE p.plan_id = ? AND p.parent_id IS NULL"
        " GROUP BY p.id ORDER BY count(*) DESC, p.id LIMIT 1",
        (plan_id,),
    ).fetchone()[0]
    conn.close()
    return {"plan_id": plan_id, "issuer": issuer, "year": year, "project_id": project_id}


def fts_match(word: str) -> str:
    """keikaku's FTS expression for a word in a title or a body (so that Datasette searches the same index)."""
    from keikaku.services.search.query import _fts_queries, query_words

    in_title = _fts_queries(query_words(word), [])[0]
    return in_title.replace("{title_terms}", "{title_terms body_terms}", 1)


def sql_of(s: dict[str, Any]) -> dict[str, tuple[str, dict[str, Any]]]:
    """The SQL Datasette is asked for each question."""
    return {
        QUESTIONS[0]: (
            "SELECT id FROM projects WHERE plan_id = :plan AND parent_id IS NULL ORDER BY position, id LIMIT 50",
            {"plan": s["plan_id"]},
        ),
        QUESTIONS[1]: (
            "SELECT p.id, p.name, p.budget_thousand_yen, k.id AS kpi_id, k.indicator, k.target, k.unit,"
            " (SELECT a.value FROM actual_values a WHERE a.kpi_id = k.id ORDER BY a.fiscal_year DESC, a.version DESC"
            " LIMIT 1) AS actual FROM projects p LEFT JOIN kpis k ON k.project_id = p.id WHERE p.id = :project"
            " ORDER BY k.position, k.id",
            {"project": s["project_id"]},
        ),
        QUESTIONS[2]: (
            "SELECT pl.id, (SELECT count(*) FROM projects p WHERE p.plan_id = pl.id AND p.parent_id IS NULL) AS n"
            " FROM plans pl WHERE pl.is_current AND pl.fiscal_year = :year AND pl.issuer LIKE '%' || :issuer || '%'"
            " ORDER BY pl.issuer, pl.id LIMIT 20",
            {"year": s["year"], "issuer": s["issuer"]},
        ),
        QUESTIONS[3]: (  # keikaku counts up to COUNT_CAP and then says 「1,000件以上」: the same question here
            "SELECT count(*) AS n FROM (SELECT 1 FROM search_fts WHERE search_fts MATCH :q LIMIT :cap)",
            {"q": fts_match("水素"), "cap": str(COUNT_CAP + 1)},
        ),
        QUESTIONS[4]: (
            "SELECT pl.fiscal_year, pl.id, pl.total_budget_thousand_yen,"
            " (SELECT coalesce(sum(p.budget_thousand_yen), 0) FROM projects p WHERE p.plan_id = pl.id"
            " AND p.parent_id IS NULL AND NOT p.relisted) AS listed FROM plans pl"
            " WHERE pl.issuer = :issuer AND pl.is_current ORDER BY pl.fiscal_year, pl.id",
            {"issuer": s["issuer"]},
        ),
    }


def keikaku_paths(s: dict[str, Any]) -> dict[str, tuple[str, dict[str, Any]]]:
    """The JSON API request of each question."""
    return {
        QUESTIONS[0]: (f"/api/v1/plans/{s['plan_id']}", {"per_page": 50}),
        QUESTIONS[1]: (f"/api/v1/projects/{s['project_id']}", {}),
        QUESTIONS[2]: ("/api/v1/plans", {"issuer": s["issuer"], "fiscal_year": s["year"]}),
        QUESTIONS[3]: ("/api/v1/search", {"q": "水素"}),
        QUESTIONS[4]: ("/api/v1/dashboard", {"issuer": s["issuer"]}),
    }


def keikaku_answer(q: str, body: dict[str, Any]) -> Answer:
    """What is compared of keikaku's answer."""
    if q == QUESTIONS[0]:
        return [r["id"] for r in body["rows"]["items"]]
    if q == QUESTIONS[1]:
        return sorted(k["id"] for k in body["kpis"])
    if q == QUESTIONS[2]:
        return [(p["id"], p["project_count"]) for p in body["items"]]
    if q == QUESTIONS[3]:
        return (min(body["total"], COUNT_CAP), bool(body["total_capped"]))
    return [(b["fiscal_year"], b["plan_id"], b["stated_total"], b["listed_total"]) for b in body["budgets"]]


def datasette_answer(q: str, rows: list[dict[str, Any]]) -> Answer:
    """What is compared of Datasette's answer."""
    if q == QUESTIONS[0]:
        return [r["id"] for r in rows]
    if q == QUESTIONS[1]:
        return sorted(r["kpi_id"] for r in rows if r["kpi_id"] is not None)
    if q == QUESTIONS[2]:
        return [(r["id"], r["n"]) for r in rows]
    if q == QUESTIONS[3]:
        return (min(rows[0]["n"], COUNT_CAP), rows[0]["n"] > COUNT_CAP)
    return [(r["fiscal_year"], r["id"], r["total_budget_thousand_yen"], r["listed"]) for r in rows]


def datasette_program() -> str | None:
    """Datasette's program: $KEIKAKU_BENCH_DATASETTE, else beside this Python (the bench extra), else on PATH
    (a Datasette installed in a venv of its own serves the file as well)."""
    named = os.environ.get("KEIKAKU_BENCH_DATASETTE")
    if named:
        return named
    return shutil.which("datasette", path=str(Path(sys.executable).parent)) or shutil.which("datasette")


class Servers:
    """keikaku and a partner (Datasette, or the SQL server on PostgreSQL) on free ports: ``partner(port)`` is
    the partner's command line, ``db_name`` the name its JSON path starts with (``/<db_name>.json``)."""

    def __init__(self, env: dict[str, str], partner: Callable[[int], list[str]], db_name: str) -> None:
        self.k_port, self.d_port = _free_port(), _free_port()
        self.procs = [
            subprocess.Popen(
                [sys.executable, "-m", "keikaku.cli.app", "serve", "--port", str(self.k_port)],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            ),
            subprocess.Popen(partner(self.d_port), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL),
        ]
        self.started = time.perf_counter()
        self.db_name = db_name

    def wait(self) -> tuple[float, float, float]:
        """keikaku's start: seconds until it listens (the process starting: imports, migrations check, the
        first plans indexed), the first request's own time once it listens, and a search's then (it may
        say its index is being built).  Datasette is waited for too."""
        listening = first = search = 0.0
        for port in (self.k_port, self.d_port):
            for _ in range(2400):
                try:
                    with socket.create_connection(("127.0.0.1", port), timeout=1):
                        break
                except OSError:
                    time.sleep(0.05)
            if port == self.k_port:
                listening = time.perf_counter() - self.started
                started = time.perf_counter()
                httpx.get(f"http://127.0.0.1:{port}/api/v1/dashboard", timeout=120).raise_for_status()
                first = time.perf_counter() - started
                started = time.perf_counter()
                httpx.get(f"http://127.0.0.1:{port}/api/v1/search", params={"q": "水素"}, timeout=120)
                search = time.perf_counter() - started
        for _ in range(1200):
            try:
                if httpx.get(f"http://127.0.0.1:{self.d_port}/-/versions.json", timeout=60).status_code < 500:
                    break
            except httpx.TransportError:
                time.sleep(0.05)
        return listening, first, search

    def stop(self) -> None:
        """Stop both servers (only the processes started here)."""
        for proc in self.procs:
            proc.terminate()
        for proc in self.procs:
            proc.wait(timeout=30)


def interleaved(
    requests: int,
    ask_k: Callable[[str], Callable[[], httpx.Response]],
    ask_d: Callable[[str], Callable[[], httpx.Response]],
) -> dict[tuple[str, str], list[float]]:
    """Seconds of each request, per question and server, asked one by one and alternating who goes first;
    under ``(question, "ks")`` keikaku's own time in the app (its ``Server-Timing`` header)."""
    times: dict[tuple[str, str], list[float]] = {(q, w): [] for q in QUESTIONS for w in ("k", "d", "ks")}
    for i in range(requests):
        for q in QUESTIONS:
            order = (("k", ask_k(q)), ("d", ask_d(q))) if i % 2 == 0 else (("d", ask_d(q)), ("k", ask_k(q)))
            for who, ask in order:
                started = time.perf_counter()
                response = ask()
                times[(q, who)].append(time.perf_counter() - started)
                response.raise_for_status()
                if who == "k":
                    times[(q, "ks")].append(server_seconds(response))
    return times


def server_seconds(response: httpx.Response) -> float:
    """The app's own time of a keikaku response, from ``Server-Timing: app;dur=<ms>``."""
    timing = response.headers.get("server-timing", "")
    _, _, duration = timing.partition("dur=")
    return float(duration.split(",")[0]) / 1000 if duration else float("nan")


def pct(values: list[float], p: float) -> float:
    """The p-th percentile (nearest rank), in milliseconds."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))] * 1000


def sql_floor(db: Path, sql: tuple[str, dict[str, Any]], n: int) -> float:
    """p50 of the same SQL in-process with sqlite3 (ms): the cost of the question itself."""
    conn = sqlite3.connect(f"file:{db}?immutable=1", uri=True)
    times = []
    for _ in range(n):
        started = time.perf_counter()
        conn.execute(*sql).fetchall()
        times.append(time.perf_counter() - started)
    conn.close()
    return pct(times, 50)


async def throughput(url: str, params: dict[str, Any], clients: int, seconds: float) -> float:
    """Requests per second that ``clients`` concurrent clients get answered during ``seconds``."""
    done = 0
    deadline = time.perf_counter() + seconds
    async with httpx.AsyncClient(timeout=120, limits=httpx.Limits(max_connections=clients)) as client:

        async def one() -> None:
            nonlocal done
            while time.perf_counter() < deadline:
                (await client.get(url, params=params)).raise_for_status()
                done += 1

        await asyncio.gather(*(one() for _ in range(clients)))
    return done / seconds


def main() -> None:
    """Print the figures."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", default="national")
    parser.add_argument("--home", help="keep (or reuse) the database in this folder")
    parser.add_argument("--requests", type=int, default=200, help="interleaved requests per question and server")
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--window", type=float, default=3.0, help="seconds per concurrent window")
    parser.add_argument(
        "--windows", type=int, default=4, help="concurrent windows per question and server, alternating"
    )
    parser.add_argument("--repeats", type=int, default=3, help="repeats of the interleaved measurement")
    parser.add_argument(
        "--postgres",
        metavar="URL",
        help="a PostgreSQL database holding the national data: keikaku against SQL over HTTP (bench/sql_server.py)",
    )
    opts = parser.parse_args()
    if opts.postgres:
        run_postgres(opts)
        return
    if datasette_program() is None:
        print("Datasette がありません: pip install -e '.[bench]' を実行してください（このベンチは飛ばします）")
        return
    home = Path(opts.home) if opts.home else Path(tempfile.mkdtemp(prefix="keikaku-vs-datasette-"))
    home.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if k != "KEIKAKU_DATABASE_URL"}
    env["KEIKAKU_HOME"] = str(home)
    print(f"scale: {opts.scale}; cpus: {os.cpu_count()}; load average: {os.getloadavg()[0]:.2f}")
    db = prepare(opts, env)
    s = subjects(db)
    print(f"asked about: plan {s['plan_id']} ({s['issuer']} {s['year']}), project {s['project_id']}")
    datasette = datasette_program() or "datasette"

    def serve_datasette(port: int) -> list[str]:
        settings = ["--setting", "sql_time_limit_ms", "60000"]
        return [datasette, "serve", "--immutable", str(db), "--port", str(port), *settings]

    sqls = sql_of(s)
    compare(
        opts,
        Servers(env, serve_datasette, db.stem),
        sqls=sqls,
        paths=keikaku_paths(s),
        floor_of=lambda q: sql_floor(db, sqls[q], 50),
        partner="Datasette",
    )


def run_postgres(opts: argparse.Namespace) -> None:
    """The same questions on PostgreSQL, against a Datasette-equivalent SQL server (:mod:`vs_sql_postgres`)."""
    import vs_sql_postgres as pg

    env = {k: v for k, v in os.environ.items() if k != "KEIKAKU_DATABASE_URL"}
    env["KEIKAKU_HOME"] = opts.home or tempfile.mkdtemp(prefix="keikaku-vs-sql-")
    print(f"PostgreSQL; cpus: {os.cpu_count()}; load average: {os.getloadavg()[0]:.2f}")
    print(
        f"init (migrate if needed) {_keikaku(['init', '--no-index'], {**env, 'KEIKAKU_DATABASE_URL': opts.postgres}):.1f} s"
    )
    s = pg.subjects(opts.postgres)
    print(f"asked about: plan {s['plan_id']} ({s['issuer']} {s['year']}), project {s['project_id']}")
    sqls = sql_of(s)
    sqls[QUESTIONS[3]] = pg.search_sql("水素", COUNT_CAP)
    servers = Servers({**env, "KEIKAKU_DATABASE_URL": opts.postgres}, pg.sql_server(opts.postgres), "sql")
    floor_of = lambda q: pg.sql_floor(opts.postgres, sqls[q], 50)  # noqa: E731
    compare(opts, servers, sqls=sqls, paths=keikaku_paths(s), floor_of=floor_of, partner="SQL server")


def compare(
    opts: argparse.Namespace,
    servers: Any,
    *,
    sqls: dict[str, tuple[str, dict[str, Any]]],
    paths: dict[str, tuple[str, dict[str, Any]]],
    floor_of: Callable[[str], float],
    partner: str,
) -> None:
    """Check that keikaku and ``partner`` give the same answers, then time them (interleaved, then under
    concurrent clients) and print the figures; the servers are stopped at the end."""
    try:
        listening, first, search = servers.wait()
        print(
            f"keikaku start: listening after {listening:.2f} s; its first request (dashboard) {first:.3f} s; "
            f"a search then {search:.3f} s"
        )
        k = httpx.Client(base_url=f"http://127.0.0.1:{servers.k_port}", timeout=120)
        d = httpx.Client(base_url=f"http://127.0.0.1:{servers.d_port}", timeout=120)
        d_path = f"/{servers.db_name}.json"

        def ask_k(q: str) -> Callable[[], httpx.Response]:
            return lambda: k.get(paths[q][0], params=paths[q][1])

        def ask_d(q: str) -> Callable[[], httpx.Response]:
            return lambda: d.get(d_path, params={"sql": sqls[q][0], "_shape": "array", **sqls[q][1]})

        same = True
        for q in QUESTIONS:
            kr, dr = ask_k(q)(), ask_d(q)()
            kr.raise_for_status()
            dr.raise_for_status()
            ka, da = keikaku_answer(q, kr.json()), datasette_answer(q, dr.json())
            same = same and ka == da
            print(f"  {q:26s} same answer: {'yes' if ka == da else f'NO keikaku {ka!r:.80} {partner} {da!r:.80}'}")
        ratios: dict[str, list[float]] = {q: [] for q in QUESTIONS}
        for repeat in range(1, opts.repeats + 1):
            times = interleaved(opts.requests, ask_k, ask_d)
            load = os.getloadavg()[0]
            print(
                f"\nrepeat {repeat}/{opts.repeats}: {opts.requests} interleaved requests per question and server,"
                f" one client (load average {load:.2f})"
            )
            print(
                f"{'question':26s} {'keikaku p50/p95 ms':>20s} {partner + ' p50/p95 ms':>22s} {'ratio p50':>9s}"
                f" {'keikaku server p50/p95':>23s} {'SQL floor ms':>12s}"
            )
            for q in QUESTIONS:
                kt, dt_, ks = times[(q, "k")], times[(q, "d")], times[(q, "ks")]
                floor = floor_of(q)
                ratios[q].append(pct(kt, 50) / pct(dt_, 50))
                print(
                    f"{q:26s} {pct(kt, 50):9.1f} /{pct(kt, 95):8.1f} {pct(dt_, 50):11.1f} /{pct(dt_, 95):8.1f}"
                    f" {ratios[q][-1]:8.2f}× {pct(ks, 50):14.1f} /{pct(ks, 95):6.1f} {floor:12.2f}"
                )
        if opts.repeats > 1:
            print(f"\nkeikaku/{partner} p50 over {opts.repeats} repeats: min / median / max")
            for q in QUESTIONS:
                r = ratios[q]
                print(f"  {q:26s} {min(r):5.2f} / {statistics.median(r):5.2f} / {max(r):5.2f}")
        print(
            f"\n{opts.clients} async clients, {opts.windows} alternating {opts.window:.0f} s windows each"
            " (requests/s; keikaku's per pair of windows: min / median / max)"
        )
        for q in QUESTIONS:
            kp, dp = paths[q], sqls[q]
            k_url = f"http://127.0.0.1:{servers.k_port}{kp[0]}"
            d_url = f"http://127.0.0.1:{servers.d_port}{d_path}"
            d_params = {"sql": dp[0], "_shape": "array", **dp[1]}
            rates: dict[str, list[float]] = {"k": [], "d": []}
            for _ in range(opts.windows):
                rates["k"].append(asyncio.run(throughput(k_url, kp[1], opts.clients, opts.window)))
                rates["d"].append(asyncio.run(throughput(d_url, d_params, opts.clients, opts.window)))
            kr_, dr_ = statistics.mean(rates["k"]), statistics.mean(rates["d"])
            # Each pair of neighbouring windows gives a ratio; their spread shows how far the machine drifted.
            paired = [k / d for k, d in zip(rates["k"], rates["d"], strict=True)]
            print(
                f"  {q:26s} keikaku {kr_:7.1f}   {partner} {dr_:7.1f}   keikaku/{partner} {kr_ / dr_:5.2f}"
                f"   (pairs: {min(paired):.2f} / {statistics.median(paired):.2f} / {max(paired):.2f})"
            )
        print(
            f"\nanswers identical on all five questions: {'yes' if same else 'NO'}; load average {os.getloadavg()[0]:.2f}"
        )
    finally:
        servers.stop()


if __name__ == "__main__":
    main()
