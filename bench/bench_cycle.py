"""The yearly cycle at national scale: the status board and a department's checklist, and 2,000 reminders
through the outbox to a local SMTP server.

1. The data: the bundled Kansai data plus ``keikaku synth --scale national`` (1,788 issuers × 10 years) in a
   temporary SQLite file, or in ``--db FILE`` / ``KEIKAKU_BENCH_DB`` (generated there when it holds no
   synthetic data yet).  The generator gives every government the same twelve department names, so the
   board would have a dozen rows holding thousands of KPIs each; here every government gets departments of
   its own in FY2026 (``札幌市産業振興課``, organisation ``札幌市``: about 21,000 departments), as a national
   board would have them (``--departments shared`` keeps the generator's names, for the worst checklist:
   one department with about 16,000 KPIs).  The FY2026 call for actuals is opened.
2. Latency inside the app (its ``Server-Timing`` header) and the SQL statements each request runs, pages and
   JSON twins through the ASGI app: the
   board (``/admin/cycle/2026``, ``/api/v1/cycle/2026/board``) and the checklist of the largest department
   (first and a far page, and the unmeasured filter).  The first request counts every plan's KPIs (the
   "cold" figure).  The board of every department on one page (what the routers read today: 20,000 rows)
   is measured ``--full-samples`` times; then the board a page at a time (the routers patched to read page
   1, as they will once they pass the ``page`` parameter on) and the checklists, ``--samples`` requests per URL, each after recording one actual value through the
   API, so that every sample recounts the plan written (the board's per-plan cache sees the write), and
   again with no write between requests.
3. Reminders: ``--editors`` department editors with addresses (2,000 by default; with every government's
   own departments, the other departments' reminders have no address and stay in the outbox), one reminder run
   (``send_due_reminders``: rows, outbox, audit) and the delivery of every message to an aiosmtpd server on
   127.0.0.1 in a process of its own (as a real server would be), timed separately and together; a message
   counts as sent once the server accepted it.

Targets (issue 15): board and checklist p95 ≤ 50 ms; 2,000 reminders through the outbox ≤ 10 s.  It prints
figures and asserts nothing.

    python bench/bench_cycle.py                          # temporary SQLite, national data (a few minutes)
    KEIKAKU_BENCH_DB=/tmp/national.sqlite3 python bench/bench_cycle.py
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import functools
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
from sqlalchemy import Engine, delete, event, func, insert, select, text

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_web import percentile

from keikaku.api.routers import cycle as api_cycle
from keikaku.services.core.actors import Actor, Role
from keikaku.services.cycle import progress
from keikaku.services.cycle.board import PER_PAGE, status_board
from keikaku.services.cycle.calls import open_call
from keikaku.services.cycle.reminders import send_due_reminders
from keikaku.services.exchange.initialize import initialize_database
from keikaku.services.governance.passwords import hash_password
from keikaku.storage import cycle as store
from keikaku.storage import derived
from keikaku.storage import events as mail_store
from keikaku.storage import models as m
from keikaku.storage.accounts import User
from keikaku.storage.engine import make_engine
from keikaku.storage.migrate import upgrade
from keikaku.storage.uow import read_session, unit_of_work
from keikaku.synth.generate import Scale, generate
from keikaku.web import create_app
from keikaku.web.routers import cycle as web_cycle
from keikaku.web.settings import WebSettings

YEAR = 2026
DUE = dt.date(2027, 5, 31)
ADMIN = Actor("bench", frozenset({Role.BUREAU_ADMIN}))


def server_ms(response: httpx.Response) -> float:
    """The time the app took (its ``Server-Timing`` header), in ms."""
    timing = response.headers.get("server-timing", "")
    return float(timing.split("dur=")[1]) if "dur=" in timing else float("nan")


class Statements:
    """Counts the SQL statements an engine runs (``count`` since the last :meth:`reset`)."""

    def __init__(self, engine: Engine) -> None:
        self.count = 0
        event.listen(engine, "before_cursor_execute", self._seen)

    def _seen(self, *_args: object) -> None:
        self.count += 1

    def reset(self) -> int:
        """The count so far, and start again from 0."""
        seen, self.count = self.count, 0
        return seen


#: The synthetic FY2026 plans' links to the generator's shared departments.
_SHARED_LINKS = """
    SELECT pd.project_id, pd.department_id, p.issuer || d.name AS own_name, p.issuer AS issuer
    FROM project_departments pd
    JOIN projects pr ON pr.id = pd.project_id
    JOIN plans p ON p.id = pr.plan_id
    JOIN departments d ON d.id = pd.department_id
    WHERE p.fiscal_year = :year AND p.is_current AND p.region_code IS NOT NULL AND d.organisation IS NULL
"""


def own_departments(engine: Engine) -> int:
    """Give every government of FY2026 departments of its own (its name before the generator's shared
    department name); the links moved.  Nothing when done before."""
    with unit_of_work(engine) as session:
        session.execute(
            text(
                f"INSERT INTO departments (name, organisation) SELECT DISTINCT own_name, issuer FROM ({_SHARED_LINKS})"
                " WHERE own_name NOT IN (SELECT name FROM departments)"
            ),
            {"year": YEAR},
        )
        moved = session.execute(
            text(
                "UPDATE project_departments SET department_id = ("
                f" SELECT nd.id FROM ({_SHARED_LINKS}) l JOIN departments nd ON nd.name = l.own_name"
                "  WHERE l.project_id = project_departments.project_id"
                "  AND l.department_id = project_departments.department_id)"
                f" WHERE (project_id, department_id) IN (SELECT project_id, department_id FROM ({_SHARED_LINKS}))"
            ),
            {"year": YEAR},
        ).rowcount
        derived.bump(session, [derived.ALL])  # a bulk statement: every plan's derived data is stale
    return moved


def prepare(url: str, scale: Scale, *, own: bool) -> Engine:
    """The database with the bundled and the synthetic data, migrated, every government with departments of
    its own (``own``), the FY2026 call open."""
    engine = make_engine(url)
    initialize_database(engine=engine)
    upgrade(engine)
    with read_session(engine) as session:
        synthetic = session.scalar(select(func.count()).select_from(m.Plan).where(m.Plan.region_code.is_not(None)))
    if not synthetic:
        started = time.perf_counter()
        print(f"generating synthetic data ({scale.value}) …", flush=True)
        result = generate(scale, engine=engine)
        print(f"  {result.plans:,} plans, {result.kpis:,} KPIs in {time.perf_counter() - started:.0f} s", flush=True)
    if own:
        started = time.perf_counter()
        moved = own_departments(engine)
        if moved:
            print(
                f"  {moved:,} project links moved to the governments' own departments in "
                f"{time.perf_counter() - started:.0f} s",
                flush=True,
            )
    with read_session(engine) as session:
        opened = session.scalar(select(store.ActualsCall.id).where(store.ActualsCall.fiscal_year == YEAR))
    if opened is None:
        open_call(ADMIN, YEAR, DUE, engine=engine)
    return engine


async def latency(engine: Engine, samples: int, full_samples: int) -> None:
    """Board and checklist: the cold first request, then samples each after one write."""
    app = create_app(WebSettings(engine=engine, actor=ADMIN))
    statements = Statements(engine)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
        login = (await client.get("/login")).text  # the CSRF token a browser would take from a form
        client.headers["x-csrf-token"] = login.split('name="csrf_token" value="')[1].split('"')[0]
        await client.get("/api/v1/cycle/calls")  # the app's first request (schema check, templates) apart
        progress.forget()
        started = time.perf_counter()
        board = (await client.get(f"/api/v1/cycle/{YEAR}/board")).json()
        cold = (time.perf_counter() - started) * 1000
        rows = board["rows"]
        largest = max(rows, key=lambda r: r["total"])
        department = largest["department"]
        print(
            f"FY{YEAR}: {len(rows):,} departments, {sum(r['total'] for r in rows):,} KPI-department pairs; "
            f"largest {department} with {largest['total']:,} KPIs"
        )
        print(f"board, first request (counts every plan): {cold:.0f} ms")
        far = max(1, largest["total"] // 50 // 2)
        query = f"department={department}"
        items = (await client.get(f"/api/v1/cycle/{YEAR}/checklist?{query}&per_page=100")).json()["items"]
        kpis = [i["kpi_id"] for i in items]
        whole = {
            "board page, every department": f"/admin/cycle/{YEAR}",
            "board JSON, every department": f"/api/v1/cycle/{YEAR}/board",
        }
        print(f"the board as the routers read it today: every department on one page ({full_samples} samples)")
        await _measure(client, statements, whole, full_samples, kpis)
        urls = {
            "board page": f"/admin/cycle/{YEAR}",
            "board JSON": f"/api/v1/cycle/{YEAR}/board",
            "checklist page 1": f"/cycle/{YEAR}/checklist?{query}",
            **({f"checklist page {far}": f"/cycle/{YEAR}/checklist?{query}&page={far}"} if far > 1 else {}),
            "checklist unmeasured": f"/cycle/{YEAR}/checklist?{query}&unmeasured=true",
            "checklist JSON": f"/api/v1/cycle/{YEAR}/checklist?{query}",
        }
        print(f"the board a page at a time (page 1, {PER_PAGE} departments; the routers patched to pass it)")
        with paged_board():
            await _measure(client, statements, urls, samples, kpis)


@contextmanager
def paged_board() -> Iterator[None]:
    """The board's page and its JSON twin reading page 1 of the board: what the routers do once they pass
    the ``page`` query parameter on (they read every department today)."""
    saved = web_cycle.status_board, api_cycle.status_board
    web_cycle.status_board = api_cycle.status_board = functools.partial(status_board, page=1)  # type: ignore[assignment]
    try:
        yield
    finally:
        web_cycle.status_board, api_cycle.status_board = saved


async def _measure(
    client: httpx.AsyncClient, statements: Statements, urls: dict[str, str], samples: int, kpis: list[int]
) -> None:
    """Each URL ``samples`` times after one write each, then ``samples`` times with no write between."""
    _header("ms (inside the app), each after one write")
    for label, url in urls.items():
        times, counts = [], []
        for n in range(samples):
            kpi = kpis[n % len(kpis)]
            body = {"fiscal_year": str(YEAR), "value": str(n + 1), "reason": "bench"}
            write = await client.post(f"/api/v1/kpis/{kpi}/actuals", json=body)
            if write.status_code != 201:
                raise SystemExit(f"recording a value failed: {write.status_code} {write.text[:200]}")
            statements.reset()
            response = await client.get(url)
            counts.append(statements.reset())
            if response.status_code != 200:
                raise SystemExit(f"{url}: {response.status_code} {response.text[:200]}")
            times.append(server_ms(response))
        _line(label, times, counts, len(response.content))
    _header("ms (inside the app), no write between")
    for label, url in urls.items():
        times, counts = [], []
        for _ in range(samples):
            statements.reset()
            response = await client.get(url)
            counts.append(statements.reset())
            times.append(server_ms(response))
        _line(label, times, counts, len(response.content))


def _header(title: str) -> None:
    print(f"{title:<44}{'p50':>8}{'p95':>8}{'max':>8}{'SQL':>6}{'kB':>7}")


def _line(label: str, times: list[float], statements: list[int], size: int) -> None:
    """Percentiles of ``times``, the most SQL statements one request ran and the response's size."""
    p95 = percentile(times, 0.95)
    verdict = "meets" if p95 <= 50 else "misses"
    print(
        f"{label:<44}{percentile(times, 0.5):>8.1f}{p95:>8.1f}{max(times):>8.1f}{max(statements):>6}"
        f"{size / 1000:>7.0f}  ({verdict} 50 ms)"
    )


def _smtp_server(port: int, log: Path) -> subprocess.Popen[bytes]:
    """aiosmtpd's command-line server on 127.0.0.1:``port``, accepting every message (its output to ``log``)."""
    command = [sys.executable, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{port}", "-c", "aiosmtpd.handlers.Sink"]
    server = subprocess.Popen(command, stdout=log.open("wb"), stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return server
        time.sleep(0.05)
    server.kill()
    raise SystemExit("the SMTP server did not start")


def _editors(engine: Engine, count: int) -> None:
    """``count`` enabled department editors with addresses, spread over the year's departments."""
    with read_session(engine) as session:
        departments = list(progress.department_progress(session, YEAR))
    secret = hash_password("bench-only-password")
    with unit_of_work(engine) as session:
        session.execute(delete(User).where(User.username.like("bench-editor-%")))
        session.execute(
            insert(User),
            [
                {
                    "username": f"bench-editor-{i}",
                    "display_name": f"編集者{i}",
                    "password_hash": secret,
                    "roles": [Role.DEPARTMENT_EDITOR.value],
                    "departments": [departments[i % len(departments)]],
                    "email": f"editor{i}@example.jp",
                    "disabled": False,
                    "must_change_password": False,
                }
                for i in range(count)
            ],
        )


def reminders(engine: Engine, editors: int, scratch: Path) -> None:
    """One reminder run to ``editors`` editors, then the delivery of every message to a local SMTP server."""
    _editors(engine, editors)
    with unit_of_work(engine) as session:  # a fresh start: the reminders of earlier runs go again
        session.execute(delete(store.CallReminder))
        session.execute(delete(mail_store.OutboxMail).where(mail_store.OutboxMail.event_id.is_(None)))
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    log = scratch / "smtp.log"
    server = _smtp_server(port, log)
    before_day = DUE - dt.timedelta(days=7)
    try:
        os.environ["KEIKAKU_SMTP_URL"] = f"smtp://127.0.0.1:{port}"
        started = time.perf_counter()
        queued = send_due_reminders(today=before_day, deliver=False, engine=engine)
        queue_s = time.perf_counter() - started
        started = time.perf_counter()
        delivered = send_due_reminders(today=before_day, engine=engine)  # writes nothing more; sends the outbox
        send_s = time.perf_counter() - started
    finally:
        server.terminate()
        server.wait(timeout=10)
        os.environ.pop("KEIKAKU_SMTP_URL", None)
    total = queue_s + send_s
    print(
        f"reminders: {queued.reminders} department reminders, {queued.messages:,} messages queued in {queue_s:.2f} s; "
        f"{delivered.delivered:,} sent over SMTP (each accepted with 250) in {send_s:.2f} s; "
        f"total {total:.2f} s ({'meets' if total <= 10 else 'misses'} 10 s); "
        f"a second run wrote {delivered.reminders}"
    )


def main() -> None:
    """Run the measurements and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", default=os.environ.get("KEIKAKU_BENCH_DB"), help="SQLite file (kept)")
    parser.add_argument("--samples", type=int, default=40, help="requests per URL")
    parser.add_argument("--full-samples", type=int, default=5, help="requests of the board of every department")
    parser.add_argument("--editors", type=int, default=2000, help="editors who get a reminder")
    parser.add_argument("--scale", default="national", choices=[s.value for s in Scale], help="synthetic data")
    parser.add_argument(
        "--departments",
        default="own",
        choices=["own", "shared"],
        help="own: every government has departments of its own (a national board); shared: the generator's "
        "twelve names shared by every government (one checklist of about 16,000 KPIs)",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(args.db) if args.db else Path(scratch) / "national.sqlite3"
        engine = prepare(f"sqlite:///{path}", Scale(args.scale), own=args.departments == "own")
        asyncio.run(latency(engine, args.samples, args.full_samples))
        reminders(engine, args.editors, Path(scratch))
        engine.dispose()


if __name__ == "__main__":
    main()
