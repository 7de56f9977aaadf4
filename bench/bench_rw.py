"""Reads and writes under load: 50 concurrent clients on loopback, then every acknowledged write checked.

1. The data: the bundled Kansai data (``keikaku init``) plus ``keikaku synth --scale small`` (Osaka and five
   of its towns, 3 years) in a temporary SQLite file, or ``--db FILE`` (SQLite) / ``--postgres URL``;
   ``--scale kansai`` uses the bundled data only, ``--scale prefecture`` Osaka and all its towns.
2. Accounts: a department editor (``department_editor``) for each of the departments owning the most
   count KPIs of the current year's plans, and a bureau administrator.  Half of the clients (``--sessions``)
   are browsers: they log in through the login form (pre-login CSRF cookie), read HTML pages and post the
   KPI form with the page's CSRF token.  The others use an API token with the ``actuals:write`` scope, read
   the JSON twins and post to ``/api/v1/kpis/{id}/actuals``.
3. Load: a real uvicorn (``keikaku.web.asgi:app``, ``--workers`` processes) on 127.0.0.1 and ``--clients``
   clients for ``--duration`` seconds.  Each request is a read (dashboard, plan, project, KPI, search) or,
   with probability ``--writes`` (0.2), a write of an actual value:

   * own slots: each client owns ``--slots`` KPI/year/month slots nobody else writes; each write adds 1 to
     the value it last wrote (a correction, with a reason, when the slot already has a value); every other
     write carries ``expected_version``.
   * contested slots (share ``--contested`` of the writes): one slot per department, raced by that
     department's clients and the administrator's: read the current version (JSON), post value + 1 with
     ``expected_version``.  A 409 there is a reported conflict, not an error.

   Errors: any 5xx, connection error or timeout, and any unexpected status (403, 422, a 409 on an own slot).
4. Verification, in the database: every acknowledged write (201 with its version, or the form's 303) must
   be its own row in ``actual_values`` with its value (and version), each slot's versions must run 1..n,
   and the audit trail must hold exactly one ``actual.set``/``actual.correct`` entry per acknowledged
   write with that version and value.  Optimistic locking (``expected_version``, 409 ``conflict``,
   ``actual.conflict`` in the audit trail) is probed first: when the server enforces it, a contested write
   accepted over a version its writer had not seen is a lost update, and every reported conflict must be
   in the audit trail; when it does not, those are counted and reported only.

Prints ``lost writes: N`` and ``errors: N`` and exits 1 unless both (and the other checks) are 0.

    python bench/bench_rw.py                         # temporary SQLite, small data, 50 clients, 30 s
    python bench/bench_rw.py --postgres postgresql://postgres@127.0.0.1:5432/keikaku_bench_rw
    python bench/bench_rw.py --scale kansai --clients 5 --duration 3 --workers 1   # the smoke test's run
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import html
import math
import os
import random
import re
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import Engine, func, select, text

import keikaku
from keikaku.evaluation.types import KpiKind
from keikaku.services.context.partner_links import refresh_suggestions
from keikaku.services.core.actors import Role
from keikaku.services.exchange.initialize import initialize_database
from keikaku.services.governance.accounts import UserCreate, create_user, local_admin
from keikaku.services.governance.api_tokens import create_api_token
from keikaku.services.plans.kpis import KpiRef, current_plans, plan_kpi_refs
from keikaku.services.search.index import sync_search_index
from keikaku.storage import models as m
from keikaku.storage.accounts import AuditEntry
from keikaku.storage.actuals import ActualValue
from keikaku.storage.engine import make_engine
from keikaku.storage.uow import read_session
from keikaku.synth.generate import Scale, generate

SEARCHES = ("水素", "スタートアップ", "電池", "ﾏｯﾁﾝｸﾞ", "フォーラム 水素", "中小企業DX", "参加企業数")
PASSWORD = "bench-rw-passphrase-2026"
#: Months of a fiscal year as the form takes them (0: the whole year).
MONTHS = (0, 4, 5, 6, 7, 8, 9, 10, 11, 12, 1, 2, 3)
READ_WEIGHTS = {"dashboard": 1, "plan": 2, "project": 3, "kpi": 3, "search": 1}
CSRF_INPUT = re.compile(r'name="csrf_token" value="([^"]+)"')
CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')
ERROR_CODE = re.compile(r'<p class="muted">[^<]*:\s*(\w+)</p>')
ERROR_MESSAGE = re.compile(r'<p class="error-message" lang="ja">(.*?)</p>', re.S)
REQUEST_TIMEOUT = 30.0


class DataScale(StrEnum):
    """How much data: the bundled Kansai data alone, or with a synthetic scale on top."""

    KANSAI = "kansai"
    SMALL = "small"
    PREFECTURE = "prefecture"


@dataclass(frozen=True, order=True)
class Slot:
    """A KPI's value for a fiscal year and month (0: the whole year): one version history."""

    kpi_id: int
    fiscal_year: int
    month: int

    @property
    def key(self) -> str:
        """The audit trail's object id of an actual value."""
        return f"{self.kpi_id}:{self.fiscal_year}:{self.month}"


@dataclass
class SlotState:
    """What a client knows of a slot: its current version (0: none) and value."""

    version: int
    value: float


@dataclass
class ClientPlan:
    """One client: who it acts as, how (browser session or API token), what it reads and writes."""

    index: int
    username: str
    session: bool
    token: str | None
    own: dict[Slot, SlotState]
    contested: list[Slot]
    reads: dict[str, list[str]]


@dataclass
class Write:
    """A write attempt and what the server said."""

    client: int
    slot: Slot
    channel: str  # "api" or "form"
    contested: bool
    value: float
    note: str
    seen_version: int  # the slot's version the client last saw (0: none)
    expected_version: int | None  # as sent (None: not sent)
    outcome: str = "error"  # "ack", "conflict" or "error"
    version: int | None = None  # as returned by the API (the form's 303 says none)
    phase: str = "load"


@dataclass
class Stats:
    """Latencies and outcomes per request kind."""

    wall: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    app: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    outcomes: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    error_detail: Counter[str] = field(default_factory=Counter)
    conflict_detail: Counter[str] = field(default_factory=Counter)

    def error(self, kind: str, detail: str) -> None:
        """Count an error of ``kind``."""
        self.outcomes[kind]["error"] += 1
        self.error_detail[f"{kind}: {detail}"] += 1


@dataclass
class Setup:
    """The prepared run: clients, the slots' versions before it, the probe slot and the audit trail's end."""

    clients: list[ClientPlan]
    baseline: dict[Slot, SlotState]
    probe_slot: Slot
    probe_token: str
    audit_start: int
    accounts: list[str]
    warm_urls: list[str]


@dataclass
class Verdict:
    """The comparison of the acknowledged writes with the database."""

    acknowledged: int = 0
    acknowledged_contested: int = 0
    conflicts: int = 0
    lost: int = 0
    gaps: int = 0
    audit_mismatches: int = 0
    unaudited_conflicts: int = 0
    unacknowledged: int = 0
    stale_overwrites: int = 0
    stale_own: int = 0
    audited_conflicts: int = 0
    lost_detail: list[str] = field(default_factory=list)


@dataclass
class Result:
    """Everything one run measured."""

    elapsed: float
    stats: Stats
    writes: list[Write]
    verdict: Verdict
    locking: bool | None
    server_errors: Counter[str]

    @property
    def errors(self) -> int:
        """Errors of every kind (login, reads, writes, the probe)."""
        return sum(c["error"] for c in self.stats.outcomes.values())

    @property
    def failed_checks(self) -> int:
        """Lost writes, version gaps, audit mismatches, own slots written by someone else, and stale overwrites
        of contested slots when locking is enforced."""
        v = self.verdict
        enforced = v.stale_overwrites + v.unaudited_conflicts if self.locking else 0
        return v.lost + v.gaps + v.audit_mismatches + v.stale_own + enforced


# -- data and accounts --------------------------------------------------------------------------------------


def prepare(url: str, scale: DataScale) -> Engine:
    """The database with the bundled (and synthetic) data, its search index current."""
    engine = make_engine(url)
    initialize_database(engine=engine)
    if scale is not DataScale.KANSAI:
        with read_session(engine) as session:
            synthetic = session.scalar(select(func.count()).select_from(m.Plan).where(m.Plan.region_code.is_not(None)))
        if not synthetic:
            started = time.perf_counter()
            result = generate(Scale(scale.value), engine=engine)
            print(
                f"synthetic data ({scale.value}): {result.plans:,} plans, {result.projects:,} projects, "
                f"{result.kpis:,} KPIs in {time.perf_counter() - started:.1f} s"
            )
    sync_search_index(engine=engine)
    refresh_suggestions(engine=engine)
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            conn.execute(text("ANALYZE"))
            conn.commit()
    return engine


def _writable(ref: KpiRef) -> bool:
    """A plain count KPI of one department: values and monthly values can be incremented without limit."""
    return (
        ref.kind is KpiKind.COUNT
        and not ref.vision
        and len(ref.departments) == 1
        and ref.spec.relative_to_id is None
        and not ref.approximate
        and ref.fiscal_year is not None
    )


def _current(engine: Engine, slots: list[Slot]) -> dict[Slot, SlotState]:
    """The current version and value of each slot (version 0: none)."""
    states = {slot: SlotState(0, 0.0) for slot in slots}
    kpi_ids = sorted({s.kpi_id for s in slots})
    with read_session(engine) as session:
        for start in range(0, len(kpi_ids), 500):
            rows = session.scalars(select(ActualValue).where(ActualValue.kpi_id.in_(kpi_ids[start : start + 500])))
            for row in rows:
                slot = Slot(row.kpi_id, row.fiscal_year, row.month)
                state = states.get(slot)
                if state is not None and row.version > state.version:
                    state.version, state.value = row.version, float(row.value)
    return states


def _read_urls(session: bool, plans: list[int], projects: list[int], kpis: list[int]) -> dict[str, list[str]]:
    api = "" if session else "/api/v1"
    return {
        "dashboard": ["/"] if session else ["/api/v1/dashboard"],
        "plan": [f"{api}/plans/{pid}?per_page=20&page={page}" for pid in plans for page in (1, 2)],
        "project": [f"{api}/projects/{pid}" for pid in projects],
        "kpi": [f"{api}/kpis/{kid}" for kid in kpis],
        "search": [f"/search?q={q}" for q in SEARCHES] if session else [f"/api/v1/search?q={q}" for q in SEARCHES],
    }


def set_up(
    engine: Engine, *, clients: int, sessions: float, slots_per_client: int, departments: int, rng: random.Random
) -> Setup:
    """Accounts, tokens and the slots each client reads and writes."""
    run = secrets.token_hex(3)
    with read_session(engine) as session:
        year = session.scalar(select(func.max(m.Plan.fiscal_year)).where(m.Plan.is_current.is_(True)))
        assert year is not None, "no current plans"
        home = session.scalar(select(m.Plan.id).where(m.Plan.region_code.is_(None), m.Plan.fiscal_year == year))
        refs = [r for r in plan_kpi_refs(session, current_plans(session, year)) if _writable(r)]
    by_department: dict[str, list[KpiRef]] = defaultdict(list)
    for ref in refs:
        by_department[ref.departments[0]].append(ref)
    chosen = sorted(by_department, key=lambda d: (-len(by_department[d]), d))[:departments]
    if not chosen:
        raise SystemExit("no count KPIs in the current plans: nothing to write")
    ref_of = {r.id: r for r in refs}
    pools: dict[str, list[Slot]] = {}
    for name in chosen:
        pool = [Slot(r.id, year, month) for r in by_department[name] for month in MONTHS]
        rng.shuffle(pool)
        pool.sort(key=lambda s: ref_of[s.kpi_id].plan_id == home)  # the union's own KPIs are taken first
        pools[name] = pool

    admin = local_admin()
    accounts: list[tuple[str, str | None]] = []
    for n, name in enumerate(chosen):
        username = f"rw{run}-editor{n + 1}"
        create_user(
            UserCreate(username, [Role.DEPARTMENT_EDITOR], [name], display_name=f"{name} 担当", password=PASSWORD),
            actor=admin,
            engine=engine,
        )
        accounts.append((username, name))
    admin_name = f"rw{run}-admin"
    create_user(
        UserCreate(admin_name, [Role.BUREAU_ADMIN], display_name="産業振興企画課 管理者", password=PASSWORD),
        actor=admin,
        engine=engine,
    )
    accounts.append((admin_name, None))

    contested = {name: pools[name].pop() for name in chosen}
    probe_slot = pools[chosen[0]].pop()
    plans: list[ClientPlan] = []
    for index in range(clients):
        username, department = accounts[index % len(accounts)]
        if department is not None:
            sources, races = [department], [contested[department]]
        else:
            sources, races = sorted(chosen, key=lambda d: -len(pools[d])), list(contested.values())
        own: list[Slot] = []
        while len(own) < slots_per_client:
            source = next((d for d in sources if pools[d]), None)
            if source is None:
                raise SystemExit(
                    f"not enough count KPIs for {clients} clients × {slots_per_client} slots; use a larger --scale"
                )
            own.append(pools[source].pop())
        browser = math.floor((index + 1) * sessions) > math.floor(index * sessions)  # spread evenly
        token = None
        if not browser:
            token = create_api_token(
                username, ["actuals:write"], actor=admin, name=f"bench client {index}", engine=engine
            ).token
        kpis = sorted({s.kpi_id for s in own + races})
        projects = sorted({p for k in kpis if (p := ref_of[k].project_id) is not None})
        plan_ids = sorted({p for k in kpis if (p := ref_of[k].plan_id) is not None} | ({home} if home else set()))
        reads = _read_urls(browser, plan_ids, projects, kpis)
        plans.append(ClientPlan(index, username, browser, token, {s: SlotState(0, 0.0) for s in own}, races, reads))
    probe_token = create_api_token(admin_name, ["actuals:write"], actor=admin, name="bench probe", engine=engine).token

    used = [probe_slot, *contested.values(), *(s for c in plans for s in c.own)]
    baseline = _current(engine, used)
    for plan in plans:
        plan.own = {s: SlotState(baseline[s].version, baseline[s].value) for s in plan.own}
    with read_session(engine) as session:
        audit_start = session.scalar(select(func.max(AuditEntry.id))) or 0
    warm = sorted({u for c in plans for kind in ("dashboard", "plan") for u in c.reads[kind]})
    return Setup(plans, baseline, probe_slot, probe_token, audit_start, [a for a, _ in accounts], warm)


# -- the clients ----------------------------------------------------------------------------------------------


def _app_ms(response: httpx.Response) -> float:
    timing = response.headers.get("server-timing", "")
    return float(timing.split("dur=")[1]) if "dur=" in timing else float("nan")


def _describe(response: httpx.Response) -> str:
    """Status, error code and message of an error response (JSON under /api/, the error page elsewhere)."""
    code = message = ""
    if response.headers.get("content-type", "").startswith("application/json"):
        with contextlib.suppress(ValueError, KeyError, AttributeError, TypeError):
            error = response.json()["error"]
            code, message = str(error["code"]), str(error.get("message", ""))
    else:
        found_code, found_message = ERROR_CODE.search(response.text), ERROR_MESSAGE.search(response.text)
        code = found_code.group(1) if found_code else ""
        message = html.unescape(found_message.group(1)) if found_message else ""
    return " ".join(part for part in (f"HTTP {response.status_code}", code, message[:100]) if part)


class Client:
    """One client: an httpx connection of its own, a browser session or an API token, its slots."""

    def __init__(self, plan: ClientPlan, base: str, stats: Stats, writes: list[Write], options: argparse.Namespace):
        self.plan = plan
        self.stats = stats
        self.writes = writes
        self.options = options
        self.rng = random.Random(plan.index)
        headers = {"authorization": f"Bearer {plan.token}"} if plan.token else {}
        limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
        self.http = httpx.AsyncClient(base_url=base, limits=limits, timeout=REQUEST_TIMEOUT, headers=headers)
        self.csrf = ""
        self.seq = 0
        self.run = secrets.token_hex(2)

    async def request(self, kind: str, method: str, url: str, **kwargs: Any) -> httpx.Response | None:
        """Send one request and time it; a transport error is counted and gives None."""
        started = time.perf_counter()
        try:
            response = await self.http.request(method, url, **kwargs)
        except httpx.HTTPError as exc:
            self.stats.wall[kind].append((time.perf_counter() - started) * 1000)
            self.stats.error(kind, type(exc).__name__)
            return None
        self.stats.wall[kind].append((time.perf_counter() - started) * 1000)
        self.stats.app[kind].append(_app_ms(response))
        return response

    def expect(self, kind: str, response: httpx.Response | None, status: int) -> bool:
        """Count the outcome: ``status`` is ok, anything else an error."""
        if response is None:
            return False
        if response.status_code == status:
            self.stats.outcomes[kind]["ok"] += 1
            return True
        self.stats.error(kind, _describe(response))
        return False

    async def login(self) -> None:
        """A browser's login: the form (pre-login CSRF cookie), the post, then a page for the session's token."""
        page = await self.request("login", "GET", "/login")
        if not self.expect("login", page, 200) or page is None:
            return
        found = CSRF_INPUT.search(page.text)
        form = {"csrf_token": found.group(1) if found else "", "username": self.plan.username}
        form |= {"password": PASSWORD, "next": "/"}
        response = await self.request("login", "POST", "/login", data=form)
        if not self.expect("login", response, 303):
            return
        home = await self.request("login", "GET", "/")
        if self.expect("login", home, 200) and home is not None:
            meta = CSRF_META.search(home.text)
            self.csrf = meta.group(1) if meta else ""
            if not self.csrf:
                self.stats.error("login", "no csrf-token on the page after login (not logged in?)")

    async def read(self) -> None:
        """One page or its JSON twin."""
        name = self.rng.choices(list(READ_WEIGHTS), weights=list(READ_WEIGHTS.values()))[0]
        urls = self.plan.reads[name]
        kind = f"read {name} ({'html' if self.plan.session else 'json'})"
        self.expect(kind, await self.request(kind, "GET", self.rng.choice(urls)), 200)

    async def current(self, kind: str, slot: Slot) -> SlotState | None:
        """The slot's current version and value, read from the KPI's JSON (None: the read failed)."""
        response = await self.request(kind, "GET", f"/api/v1/kpis/{slot.kpi_id}")
        if not self.expect(kind, response, 200) or response is None:
            return None
        state = SlotState(0, 0.0)
        for entry in response.json()["kpi"]["history"]:
            same = (entry["fiscal_year"], entry["month"] or 0) == (slot.fiscal_year, slot.month)
            if same and entry["version"] > state.version:
                state = SlotState(int(entry["version"]), float(entry["value"]))
        return state

    async def post(self, kind: str, write: Write, *, reason: bool) -> httpx.Response | None:
        """Post a value through the API or the KPI form (with a correction's reason if ``reason``)."""
        fields = {
            "fiscal_year": str(write.slot.fiscal_year),
            "value": f"{write.value:g}",
            "month": str(write.slot.month) if write.slot.month else "",
            "note": write.note,
            "reason": "ベンチマーク: 集計値の更新" if reason else "",
        }
        if write.expected_version is not None:
            fields["expected_version"] = str(write.expected_version)
        if write.channel == "api":
            body: dict[str, Any] = {**fields}
            if write.expected_version is not None:
                body["expected_version"] = write.expected_version
            return await self.request(kind, "POST", f"/api/v1/kpis/{write.slot.kpi_id}/actuals", json=body)
        return await self.request(kind, "POST", f"/kpis/{write.slot.kpi_id}", data={**fields, "csrf_token": self.csrf})

    def _write(self, slot: Slot, state: SlotState, *, contested: bool, expected: bool, phase: str = "load") -> Write:
        self.seq += 1
        return Write(
            client=self.plan.index,
            slot=slot,
            channel="form" if self.plan.session else "api",
            contested=contested,
            value=state.value + 1,
            note=f"bench-rw {self.run} c{self.plan.index} w{self.seq}",
            seen_version=state.version,
            expected_version=state.version if expected else None,
            phase=phase,
        )

    def _settle(self, kind: str, write: Write, response: httpx.Response | None, *, conflict_ok: bool) -> None:
        ack = 303 if write.channel == "form" else 201
        if response is None:
            pass
        elif response.status_code == ack:
            write.outcome = "ack"
            self.stats.outcomes[kind]["ok"] += 1
            if write.channel == "api":
                try:
                    body = response.json()
                    write.version, returned = int(body["version"]), float(body["value"])
                except (ValueError, KeyError, TypeError) as exc:
                    self.stats.error(kind, f"unreadable {ack} response: {exc!r}")
                else:
                    if returned != write.value:
                        self.stats.error(kind, f"value {returned:g} returned for {write.value:g}")
        elif response.status_code == 409 and conflict_ok:
            write.outcome = "conflict"
            self.stats.outcomes[kind]["conflict"] += 1
            self.stats.conflict_detail[f"{kind}: {_describe(response)}"] += 1
        else:
            self.stats.error(kind, _describe(response))
        self.writes.append(write)

    async def write_own(self) -> None:
        """Increment one of the client's own slots (a correction with a reason when it has a value)."""
        slot = self.rng.choice(sorted(self.plan.own))
        state = self.plan.own[slot]
        kind = f"write own ({'form' if self.plan.session else 'api'})"
        write = self._write(slot, state, contested=False, expected=self.seq % 2 == 1)
        response = await self.post(kind, write, reason=state.version > 0)
        self._settle(kind, write, response, conflict_ok=False)
        if write.outcome == "ack":
            if write.version is not None and write.version != state.version + 1:
                self.stats.error(kind, f"own slot: version {write.version} after {state.version}")
            self.plan.own[slot] = SlotState(write.version or state.version + 1, write.value)
        else:  # the write may or may not have landed: read the slot again
            fresh = await self.current("resync own slot (json)", slot)
            if fresh is not None:
                self.plan.own[slot] = fresh

    async def write_contested(self) -> None:
        """Race on a shared slot: read its version, then post value + 1 with ``expected_version``."""
        slot = self.rng.choice(self.plan.contested)
        state = await self.current("read before contested write (json)", slot)
        if state is None:
            return
        kind = f"write contested ({'form' if self.plan.session else 'api'})"
        write = self._write(slot, state, contested=True, expected=True)
        # Always with a reason: another client may have written the slot since it was read.
        self._settle(kind, write, await self.post(kind, write, reason=True), conflict_ok=True)

    async def run_until(self, until: float) -> None:
        """Reads and writes until ``until`` (monotonic clock)."""
        while time.monotonic() < until:
            if self.rng.random() >= self.options.writes:
                await self.read()
            elif self.plan.contested and self.rng.random() < self.options.contested:
                await self.write_contested()
            else:
                await self.write_own()


async def probe_locking(base: str, setup: Setup, stats: Stats, writes: list[Write]) -> bool | None:
    """Whether the server enforces ``expected_version``: write a probe slot, then write it again with the
    version it had before (stale).  409 conflict: enforced; 201: ignored; None: the probe failed."""
    plan = ClientPlan(-1, "probe", False, setup.probe_token, {}, [], {})
    options = argparse.Namespace(writes=0.0, contested=0.0)
    client = Client(plan, base, stats, writes, options)
    async with client.http:
        before = setup.baseline[setup.probe_slot]
        first = client._write(setup.probe_slot, before, contested=True, expected=True, phase="probe")
        client._settle("probe", first, await client.post("probe", first, reason=True), conflict_ok=False)
        if first.outcome != "ack":
            return None
        stale = client._write(
            setup.probe_slot, SlotState(before.version, before.value + 1), contested=True, expected=True, phase="probe"
        )
        client._settle("probe", stale, await client.post("probe", stale, reason=True), conflict_ok=True)
        return {"conflict": True, "ack": False}.get(stale.outcome)


# -- the server -------------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def uvicorn(url: str, workers: int, log: Path) -> Iterator[str]:
    """uvicorn serving ``keikaku.web.asgi:app`` from this tree on a free loopback port; yields its base URL."""
    port = _free_port()
    source = str(Path(keikaku.__file__).resolve().parents[1])
    path = os.pathsep.join(p for p in (source, os.environ.get("PYTHONPATH", "")) if p)
    env = {**os.environ, "KEIKAKU_DATABASE_URL": url, "PYTHONPATH": path}
    command = [sys.executable, "-m", "uvicorn", "keikaku.web.asgi:app", "--host", "127.0.0.1", "--port", str(port)]
    command += ["--workers", str(workers), "--log-level", "warning"]
    with log.open("wb") as sink:
        process = subprocess.Popen(command, env=env, stdout=sink, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 120
            while True:
                try:
                    if httpx.get(f"http://127.0.0.1:{port}/api/v1/plans", timeout=5).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"uvicorn did not start:\n{log.read_text(errors='replace')[-3000:]}")
                time.sleep(0.3)
            yield f"http://127.0.0.1:{port}"
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def server_errors(log: Path) -> Counter[str]:
    """The exceptions in the server's log: the last line of each traceback, counted."""
    found: Counter[str] = Counter()
    lines = log.read_text(errors="replace").splitlines()
    for i, line in enumerate(lines):
        if line.startswith("Traceback (most recent call last)"):
            j = i + 1
            while j < len(lines) and (lines[j].startswith((" ", "\t")) or not lines[j].strip()):
                j += 1
            if j < len(lines):
                found[lines[j][:300]] += 1
    return found


async def load(base: str, setup: Setup, options: argparse.Namespace) -> tuple[float, Stats, list[Write], bool | None]:
    """Probe locking, log the browsers in, warm up, then every client for ``options.duration`` seconds."""
    stats = Stats()
    writes: list[Write] = []
    locking = await probe_locking(base, setup, stats, writes)
    fresh = httpx.Limits(max_keepalive_connections=0)  # a new connection per request reaches every worker
    async with httpx.AsyncClient(base_url=base, timeout=120, limits=fresh) as warm:
        for _ in range(2 * options.workers):
            for url in setup.warm_urls:
                await warm.get(url)
    clients = [Client(plan, base, stats, writes, options) for plan in setup.clients]
    async with contextlib.AsyncExitStack() as stack:
        for client in clients:
            await stack.enter_async_context(client.http)
        started = time.perf_counter()
        await asyncio.gather(*(c.login() for c in clients if c.plan.session))
        print(
            f"login: {sum(c.plan.session for c in clients)} browser sessions in {time.perf_counter() - started:.1f} s"
        )
        started = time.monotonic()
        until = started + options.duration
        await asyncio.gather(*(c.run_until(until) for c in clients))
        elapsed = time.monotonic() - started
    return elapsed, stats, writes, locking


# -- verification -------------------------------------------------------------------------------------------


def verify(engine: Engine, setup: Setup, writes: list[Write]) -> Verdict:
    """Compare every acknowledged write with ``actual_values`` and the audit trail."""
    verdict = Verdict()
    slots = {w.slot for w in writes} | set(setup.baseline)
    kpi_ids = sorted({s.kpi_id for s in slots})
    rows: list[Any] = []
    av, ae = ActualValue, AuditEntry
    with read_session(engine) as session:
        for start in range(0, len(kpi_ids), 500):
            chunk = kpi_ids[start : start + 500]
            columns = (av.kpi_id, av.fiscal_year, av.month, av.version, av.value, av.note)
            rows += session.execute(select(*columns).where(av.kpi_id.in_(chunk))).all()
        audit = session.execute(select(ae.action, ae.object_id, ae.after).where(ae.id > setup.audit_start)).all()
    by_slot: dict[Slot, list[Any]] = defaultdict(list)
    by_note: dict[str, list[Any]] = defaultdict(list)
    for row in rows:
        slot = Slot(row.kpi_id, row.fiscal_year, row.month)
        if slot in slots:
            by_slot[slot].append(row)
            if row.note:
                by_note[row.note].append(row)
    entries: dict[tuple[str, int], list[Any]] = defaultdict(list)
    for entry in audit:
        if entry.action in {"actual.set", "actual.correct"} and isinstance(entry.after, dict):
            entries[(entry.object_id or "", int(entry.after.get("version", 0)))].append(entry)
        elif entry.action == "actual.conflict":
            verdict.audited_conflicts += 1

    acked = [w for w in writes if w.outcome == "ack"]
    verdict.acknowledged = len(acked)
    verdict.acknowledged_contested = sum(w.contested for w in acked)
    verdict.conflicts = sum(w.outcome == "conflict" for w in writes)
    for w in acked:
        found = by_note.get(w.note, [])
        row = found[0] if len(found) == 1 else None
        if (
            row is None
            or Slot(row.kpi_id, row.fiscal_year, row.month) != w.slot
            or float(row.value) != w.value
            or (w.version is not None and row.version != w.version)
        ):
            verdict.lost += 1
            verdict.lost_detail.append(
                f"{w.slot.key} {w.note}: value {w.value:g} version {w.version} → "
                + (f"{len(found)} rows" if row is None else f"row version {row.version} value {row.value:g}")
            )
            continue
        audited = entries.get((w.slot.key, row.version), [])
        if len(audited) != 1 or float(audited[0].after["value"]) != w.value:
            verdict.audit_mismatches += 1
        if row.version != w.seen_version + 1:  # it landed over a version its writer had not seen
            if not w.contested:
                verdict.stale_own += 1
            elif w.phase == "load":
                verdict.stale_overwrites += 1
    for versions in by_slot.values():
        numbers = sorted(r.version for r in versions)
        verdict.gaps += numbers != list(range(1, len(numbers) + 1))
    notes = {w.note for w in acked}
    for slot, versions in by_slot.items():
        base = setup.baseline.get(slot, SlotState(0, 0.0)).version
        verdict.unacknowledged += sum(1 for r in versions if r.version > base and r.note not in notes)
    verdict.unaudited_conflicts = abs(verdict.conflicts - verdict.audited_conflicts)
    return verdict


# -- report -------------------------------------------------------------------------------------------------


def percentile(values: list[float], share: float) -> float:
    """The ``share`` percentile (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))] if ordered else float("nan")


def report(result: Result, options: argparse.Namespace, setup: Setup) -> None:
    """Print the table, the throughput and the verification."""
    stats, v = result.stats, result.verdict
    order = sorted(k for k in stats.outcomes if k.startswith("read "))
    order += sorted(k for k in stats.outcomes if not k.startswith(("read ", "login", "probe")))
    order += [k for k in ("login", "probe") if k in stats.outcomes]
    print(
        f"\nload: {options.clients} clients ({sum(c.session for c in setup.clients)} browser sessions, "
        f"{sum(not c.session for c in setup.clients)} API tokens), {result.elapsed:.1f} s, "
        f"uvicorn with {options.workers} worker(s) on 127.0.0.1; load average {os.getloadavg()[0]:.1f} after"
    )
    head = f"{'kind':<36}{'n':>7}{'errors':>7}{'409':>6}{'p50':>8}{'p95':>8}{'p99':>8}{'max':>8}{'app p50':>9}"
    print(head + "   (ms; 409 = conflict reported)")
    for kind in order:
        wall, outcome = stats.wall[kind], stats.outcomes[kind]
        app = [t for t in stats.app[kind] if not math.isnan(t)]
        print(
            f"{kind:<36}{len(wall):>7,}{outcome['error']:>7}{outcome['conflict']:>6}"
            f"{percentile(wall, 0.5):>8.1f}{percentile(wall, 0.95):>8.1f}{percentile(wall, 0.99):>8.1f}"
            f"{max(wall, default=float('nan')):>8.1f}{percentile(app, 0.5):>9.1f}"
        )
    timed = [k for k in order if k not in {"login", "probe"}]
    total = sum(len(stats.wall[k]) for k in timed)
    reads = sum(len(stats.wall[k]) for k in timed if k.startswith(("read ", "resync")))
    writes = total - reads
    all_wall = [t for k in timed for t in stats.wall[k]]
    print(
        f"{'all':<36}{total:>7,}{sum(stats.outcomes[k]['error'] for k in timed):>7}"
        f"{sum(stats.outcomes[k]['conflict'] for k in timed):>6}{percentile(all_wall, 0.5):>8.1f}"
        f"{percentile(all_wall, 0.95):>8.1f}{percentile(all_wall, 0.99):>8.1f}{max(all_wall, default=0):>8.1f}"
    )
    print(
        f"throughput: {total / result.elapsed:.1f} requests/s ({reads / result.elapsed:.1f} reads/s, "
        f"{writes / result.elapsed:.1f} writes/s; writes {writes / max(total, 1):.0%} of requests)"
    )
    if stats.error_detail:
        print("errors by kind and cause:")
        for detail, count in stats.error_detail.most_common(15):
            print(f"  {count:>6}  {detail}")
    if stats.conflict_detail:
        print("conflicts reported (409) by kind and message:")
        for detail, count in stats.conflict_detail.most_common(10):
            print(f"  {count:>6}  {detail}")
    if result.server_errors:
        print("exceptions in the server log:")
        for line, count in result.server_errors.most_common(10):
            print(f"  {count:>6}  {line}")
    state: dict[bool | None, str] = {
        True: "enforced (a stale expected_version got 409)",
        False: "NOT enforced (a stale expected_version was accepted: 201)",
        None: "unknown (the probe failed)",
    }
    print(f"\noptimistic locking (expected_version): {state[result.locking]}")
    probes = sum(w.phase == "probe" and w.outcome == "ack" for w in result.writes)
    stale = "lost updates" if result.locking else "to be refused once expected_version is enforced"
    conflicts = ": must be 0 once locking is enforced" if result.locking else ": the trail has no actual.conflict yet"
    lines = [
        (
            "acknowledged writes",
            f"{v.acknowledged:,}",
            f"{v.acknowledged - v.acknowledged_contested:,} own slots, {v.acknowledged_contested:,} contested "
            f"(incl. {probes} of the probe)",
        ),
        ("conflicts reported (409)", f"{v.conflicts:,}", f"actual.conflict audit entries: {v.audited_conflicts:,}"),
        ("version gaps", f"{v.gaps}", "slots whose versions do not run 1..n"),
        (
            "audit mismatches",
            f"{v.audit_mismatches}",
            "acknowledged writes without exactly one actual.set/correct entry of their version and value",
        ),
        (
            "conflicts not audited",
            f"{v.unaudited_conflicts}",
            f"|409s - actual.conflict entries|{conflicts}",
        ),
        ("unacknowledged versions", f"{v.unacknowledged}", "rows written although their client saw an error"),
        (
            "own slots overwritten",
            f"{v.stale_own}",
            "own-slot writes that landed over a version their client had not seen",
        ),
        ("stale overwrites", f"{v.stale_overwrites}", f"contested writes accepted over a version not seen: {stale}"),
    ]
    print("verification against the database (actual_values, audit_log):")
    for name, figure, meaning in lines:
        print(f"  {name + ':':<27}{figure:>7}  ({meaning})")
    for line in v.lost_detail[:10]:
        print(f"    lost: {line}")
    print(f"lost writes: {v.lost}")
    print(f"errors: {result.errors}")


# -- main ---------------------------------------------------------------------------------------------------


def run(url: str, options: argparse.Namespace) -> Result:
    """Prepare, load, verify: the whole bench on one database."""
    engine = prepare(url, DataScale(options.scale))
    setup = set_up(
        engine,
        clients=options.clients,
        sessions=options.sessions,
        slots_per_client=options.slots,
        departments=options.departments,
        rng=random.Random(2026),
    )
    own = sum(len(c.own) for c in setup.clients)
    contested = len({s for c in setup.clients for s in c.contested})
    print(
        f"accounts: {len(setup.accounts) - 1} department editors and a bureau admin; slots: {own} own "
        f"({options.slots} per client), {contested} contested"
    )
    engine.dispose()
    with tempfile.TemporaryDirectory(prefix="keikaku-bench-rw-log-") as folder:
        log = Path(folder) / "uvicorn.log"
        with uvicorn(url, options.workers, log) as base:
            elapsed, stats, writes, locking = asyncio.run(load(base, setup, options))
        errors = server_errors(log)
    engine = make_engine(url)
    try:
        verdict = verify(engine, setup, writes)
    finally:
        engine.dispose()
    result = Result(elapsed, stats, writes, verdict, locking, errors)
    report(result, options, setup)
    return result


def parser() -> argparse.ArgumentParser:
    """The command line."""
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--db", help="SQLite file to use (default: a temporary file)")
    p.add_argument("--postgres", help="PostgreSQL URL to use instead of SQLite (the database must exist)")
    p.add_argument("--scale", default=DataScale.SMALL.value, choices=[s.value for s in DataScale])
    p.add_argument("--clients", type=int, default=50)
    p.add_argument("--duration", type=float, default=30.0, help="seconds of load")
    p.add_argument("--workers", type=int, default=2, help="uvicorn worker processes")
    p.add_argument("--writes", type=float, default=0.2, help="share of requests that write (default 0.2)")
    p.add_argument("--contested", type=float, default=0.2, help="share of writes on contested slots (default 0.2)")
    p.add_argument("--sessions", type=float, default=0.5, help="share of clients that are browsers (default 0.5)")
    p.add_argument("--slots", type=int, default=4, help="own KPI/year/month slots per client")
    p.add_argument("--departments", type=int, default=6, help="department editor accounts")
    return p


def main(argv: list[str] | None = None) -> int:
    """Run the bench; 0 when nothing was lost and nothing failed."""
    options = parser().parse_args(argv)
    temporary = None
    if options.postgres:
        url = options.postgres
    else:
        path = options.db
        if not path:
            temporary = tempfile.TemporaryDirectory(prefix="keikaku-bench-rw-")
            path = str(Path(temporary.name) / "rw.sqlite3")
        url = f"sqlite:///{Path(path).resolve()}"
    print(
        f"database: {make_engine(url).url.render_as_string(hide_password=True)}; CPUs: {os.cpu_count()}, "
        f"load average {os.getloadavg()[0]:.1f} before the run"
    )
    try:
        result = run(url, options)
    finally:
        if temporary is not None:
            temporary.cleanup()
    return 1 if result.errors or result.failed_checks else 0


if __name__ == "__main__":
    sys.exit(main())
