"""The machinery of the SIGKILL tests: run the CLI, see it inside its write, kill it, and look afterwards.

* :func:`run_cli` runs ``keikaku`` in a new process (the package comes from ``PYTHONPATH``, inherited).
* :class:`WriterProbe` tells, from outside, whether a process holds the database's write transaction:
  on SQLite a ``BEGIN IMMEDIATE`` that fails at once means another connection holds the write lock;
  on PostgreSQL the subprocess's backend (found by its ``application_name``) has a transaction id,
  i.e. it is inside a transaction that has written.  (The ``-wal`` file is no sign on SQLite: with
  keikaku's 64 MiB page cache a transaction of this size reaches the WAL only when it commits.)
* :func:`run_killed` starts a command, waits for the probe, waits a chosen delay, sends SIGKILL.
* :func:`snapshot` reads every row of every table (stable order, every column); :func:`delta` is what
  a run added or changed compared with an earlier snapshot, with surrogate ids and timestamps replaced
  by stable stand-ins so that two runs of the same import compare equal.
* :func:`check_restart` opens the database afresh and checks it (integrity, foreign keys, schema,
  no leftover lock).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import DateTime, Engine, Integer, column, create_engine, inspect, select, table, text
from sqlalchemy.engine import make_url

from keikaku.storage.engine import make_engine
from keikaku.storage.migrate import check_schema, known_heads

#: Columns random by design, compared as stand-ins like timestamps: a derived-data version token is new at
#: every write (keikaku.storage.derived), so two runs of the same import never give the same one.
RANDOM_COLUMNS = {("derived_versions", "token")}

#: How long any one CLI run may take before the test gives up on it.
RUN_TIMEOUT = 120.0
POLL_SECONDS = 0.002


def cli_command() -> list[str]:
    """How to start ``keikaku``: the console script beside this Python, else ``python -m keikaku.cli.app``."""
    script = Path(sys.executable).with_name("keikaku")
    if script.is_file():
        return [str(script)]
    return [sys.executable, "-m", "keikaku.cli.app"]


def cli_env(url: str, home: Path) -> dict[str, str]:
    """The environment of a CLI subprocess: ours (PYTHONPATH included), the database, a fixed hash seed."""
    env = {k: v for k, v in os.environ.items() if k != "KEIKAKU_DATABASE_URL"}
    env.update(KEIKAKU_DATABASE_URL=url, KEIKAKU_HOME=str(home), COLUMNS="200", PYTHONHASHSEED="0")
    return env


def run_cli(url: str, home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run ``keikaku ARGS`` to completion in a new process."""
    return subprocess.run(
        [*cli_command(), *args],
        capture_output=True,
        text=True,
        env=cli_env(url, home),
        timeout=RUN_TIMEOUT,
        check=False,
    )


def run_ok(url: str, home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run ``keikaku ARGS`` and require exit code 0."""
    result = run_cli(url, home, *args)
    assert result.returncode == 0, f"keikaku {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
    return result


def is_sqlite(url: str) -> bool:
    """Whether the URL names a SQLite database."""
    return make_url(url).get_backend_name() == "sqlite"


def sqlite_path(url: str) -> Path:
    """The file of a SQLite URL."""
    database = make_url(url).database
    assert database
    return Path(database)


def with_application_name(url: str, name: str) -> str:
    """A PostgreSQL URL whose connections announce ``name`` in ``pg_stat_activity``."""
    return make_url(url).update_query_dict({"application_name": name}).render_as_string(hide_password=False)


# --- seeing the writer from outside -------------------------------------------------------------------------


class WriterProbe:
    """Whether some other connection is inside a write transaction on the database (see the module doc)."""

    def __init__(self, url: str, application_name: str | None = None) -> None:
        self.url = url
        self.application_name = application_name
        self._sqlite: sqlite3.Connection | None = None
        self._engine: Engine | None = None
        if is_sqlite(url):
            self._sqlite = sqlite3.connect(sqlite_path(url), timeout=0, isolation_level=None)
        else:
            self._engine = create_engine(make_url(url), isolation_level="AUTOCOMMIT")

    def active(self) -> bool:
        """True while the writer holds its transaction (SQLite: the write lock; PostgreSQL: an xid)."""
        if self._sqlite is not None:
            try:
                self._sqlite.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as exc:
                if "locked" in str(exc) or "busy" in str(exc):
                    return True
                raise
            self._sqlite.execute("ROLLBACK")
            return False
        assert self._engine is not None
        with self._engine.connect() as conn:
            found = conn.execute(
                text("SELECT count(*) FROM pg_stat_activity WHERE application_name = :app AND backend_xid IS NOT NULL"),
                {"app": self.application_name},
            ).scalar_one()
        return bool(found)

    def advisory_locks(self) -> int:
        """How many advisory locks the writer's backend holds (PostgreSQL; 0 on SQLite)."""
        if self._engine is None:
            return 0
        with self._engine.connect() as conn:
            return int(
                conn.execute(
                    text(
                        "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
                        "WHERE a.application_name = :app AND l.locktype = 'advisory' AND l.granted"
                    ),
                    {"app": self.application_name},
                ).scalar_one()
            )

    def close(self) -> None:
        """Release the probe's own connection."""
        if self._sqlite is not None:
            self._sqlite.close()
        if self._engine is not None:
            self._engine.dispose()


@dataclass
class KilledRun:
    """What happened to one run: killed or not, whether the writer was seen at the moment of the kill."""

    returncode: int | None
    killed: bool
    writing_at_kill: bool
    write_seen_after: float | None  # seconds from start until the probe first saw the writer
    write_seconds: float | None  # how long the probe kept seeing it (runs that were not killed)
    advisory_locks_at_kill: int  # advisory locks its PostgreSQL backend held just before the kill
    stderr: str
    application_name: str | None = None


def run_killed(url: str, home: Path, args: Sequence[str], *, kill_after: float | None) -> KilledRun:
    """Run ``keikaku ARGS``; once the probe sees it writing, wait ``kill_after`` seconds and SIGKILL it.

    With ``kill_after=None`` the run is left to finish, and the time the probe saw the writer is measured
    (the reference run that tells where the kill points lie).
    """
    app = None
    run_url = url
    if not is_sqlite(url):
        app = f"keikaku-durability-{uuid.uuid4().hex[:10]}"
        run_url = with_application_name(url, app)
    probe = WriterProbe(url, app)
    err_path = home / f"stderr-{uuid.uuid4().hex[:8]}.txt"
    try:
        with err_path.open("w", encoding="utf-8") as err:
            started = time.monotonic()
            proc = subprocess.Popen(
                [*cli_command(), *args],
                stdout=subprocess.DEVNULL,
                stderr=err,
                env=cli_env(run_url, home),
            )
            try:
                seen_at = last_seen = None
                killed = writing = False
                advisory = 0
                while proc.poll() is None:
                    active = probe.active()
                    now = time.monotonic()
                    assert now - started < RUN_TIMEOUT, f"keikaku {' '.join(args)} did not finish in {RUN_TIMEOUT}s"
                    if active:
                        seen_at = seen_at or now
                        last_seen = now
                    if kill_after is not None and seen_at is not None and now - seen_at >= kill_after:
                        advisory = probe.advisory_locks() if active else 0
                        try:
                            os.kill(proc.pid, signal.SIGKILL)
                        except ProcessLookupError:  # it finished between the poll and the kill
                            break
                        killed, writing = True, active
                        break
                    time.sleep(POLL_SECONDS)
                returncode = proc.wait(timeout=RUN_TIMEOUT)
            finally:
                if proc.poll() is None:
                    proc.kill()
                    proc.wait()
    finally:
        probe.close()
    return KilledRun(
        returncode=returncode,
        killed=killed and returncode == -signal.SIGKILL,
        writing_at_kill=writing,
        write_seen_after=None if seen_at is None else seen_at - started,
        write_seconds=None if seen_at is None or last_seen is None else last_seen - seen_at,
        advisory_locks_at_kill=advisory,
        stderr=err_path.read_text(encoding="utf-8"),
        application_name=app,
    )


# --- fingerprints --------------------------------------------------------------------------------------------

Row = tuple[Any, ...]


@dataclass
class TableShape:
    """What the snapshot needs to know of a table: columns, key, timestamps, foreign keys."""

    name: str
    columns: list[str]
    key: list[str]
    timestamps: set[str]
    references: dict[str, str]  # column -> table whose single-column integer key it refers to


@dataclass
class Snapshot:
    """Every row of every table, keyed by primary key (a row without a key is keyed by itself)."""

    shapes: dict[str, TableShape]
    rows: dict[str, dict[Row, Row]] = field(default_factory=dict)

    def counts(self) -> dict[str, int]:
        """Rows per table."""
        return {name: len(rows) for name, rows in self.rows.items()}

    def digest(self) -> str:
        """One hash of everything (tables by name, rows by key)."""
        h = hashlib.sha256()
        for name in sorted(self.rows):
            h.update(name.encode())
            for key in sorted(self.rows[name], key=_sort_key):
                h.update(repr((key, self.rows[name][key])).encode())
        return h.hexdigest()


def _freeze(value: Any) -> Any:
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True, ensure_ascii=False)
    if isinstance(value, memoryview | bytearray | bytes):
        return "sha256:" + hashlib.sha256(bytes(value)).hexdigest()
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value.astimezone(dt.UTC)
    return value


def _sort_key(row: Row) -> tuple[Any, ...]:
    return tuple((v is None, str(type(v)), v if v is not None else 0) for v in row)


def _shapes(engine: Engine) -> dict[str, TableShape]:
    insp = inspect(engine)
    names = sorted(insp.get_table_names())
    single_int_key: dict[str, str] = {}
    raw: dict[str, tuple[list[dict[str, Any]], list[str]]] = {}
    for name in names:
        columns = insp.get_columns(name)
        key = list(insp.get_pk_constraint(name).get("constrained_columns") or [])
        raw[name] = (columns, key)
        if len(key) == 1:
            kind = next(c["type"] for c in columns if c["name"] == key[0])
            if isinstance(kind, Integer):
                single_int_key[name] = key[0]
    shapes = {}
    for name in names:
        columns, key = raw[name]
        references: dict[str, str] = {}
        for fk in insp.get_foreign_keys(name):
            target = fk["referred_table"]
            for col, target_col in zip(fk["constrained_columns"], fk["referred_columns"], strict=True):
                if single_int_key.get(target) == target_col:
                    references[col] = target
        shapes[name] = TableShape(
            name=name,
            columns=[c["name"] for c in columns],
            key=key,
            timestamps={c["name"] for c in columns if isinstance(c["type"], DateTime)},
            references=references,
        )
    return shapes


def snapshot(url: str) -> Snapshot:
    """Read the whole database through a new engine (every table, every column, ordered by key)."""
    engine = make_engine(url)
    try:
        shot = Snapshot(_shapes(engine))
        with engine.connect() as conn:
            for name, shape in shot.shapes.items():
                t = table(name, *[column(c) for c in shape.columns])
                order = [t.c[c] for c in (shape.key or shape.columns)]
                rows: dict[Row, Row] = {}
                counter: Counter[Row] = Counter()
                for raw in conn.execute(select(t).order_by(*order)):
                    row = tuple(_freeze(v) for v in raw)
                    if shape.key:
                        key = tuple(row[shape.columns.index(c)] for c in shape.key)
                    else:
                        counter[row] += 1
                        key = (*row, counter[row])
                    rows[key] = row
                shot.rows[name] = rows
    finally:
        engine.dispose()
    return shot


@dataclass
class Delta:
    """What changed between two snapshots: per table, the added rows and the changed earlier rows
    (ids and timestamps replaced by stand-ins), and the earlier rows that disappeared."""

    added: dict[str, list[Row]]
    changed: dict[str, list[Row]]
    removed: dict[str, list[Row]]

    @property
    def empty(self) -> bool:
        """Nothing added, changed or removed."""
        return not (self.added or self.changed or self.removed)

    def summary(self) -> dict[str, tuple[int, int, int]]:
        """(added, changed, removed) per table that has any."""
        tables = sorted(set(self.added) | set(self.changed) | set(self.removed))
        return {
            t: (len(self.added.get(t, [])), len(self.changed.get(t, [])), len(self.removed.get(t, []))) for t in tables
        }


def delta(before: Snapshot, after: Snapshot) -> Delta:
    """Rows added, changed, removed since ``before``.

    New rows' integer ids become their rank among the new rows of their table (``("new", n)``), in the
    columns that hold the id or a foreign key to it; ids of earlier rows stay as they are.  Timestamp
    columns become ``"<time>"``, random tokens ``"<token>"``.  Two runs of the same import on the same earlier data then give equal
    deltas, even though PostgreSQL sequences skip the ids a killed run took.
    """
    assert set(before.shapes) == set(after.shapes), "the set of tables changed"
    new_ids: dict[str, dict[Any, tuple[str, int]]] = {}
    for name, shape in after.shapes.items():
        if len(shape.key) == 1 and name in _int_keyed(after):
            fresh = sorted(k[0] for k in after.rows[name] if k not in before.rows[name])
            new_ids[name] = {old: ("new", rank) for rank, old in enumerate(fresh)}

    def normal(shape: TableShape, row: Row) -> Row:
        out = []
        for col, value in zip(shape.columns, row, strict=True):
            if col in shape.timestamps:
                out.append("<time>" if value is not None else None)
            elif (shape.name, col) in RANDOM_COLUMNS:
                out.append("<token>")
            elif (shape.name, col) == ("derived_versions", "scope") and str(value).startswith("plan:"):
                plan_id = int(str(value).removeprefix("plan:"))  # a plan's id inside the scope's name
                out.append(("plan", new_ids.get("plans", {}).get(plan_id, plan_id)))
            elif len(shape.key) == 1 and col == shape.key[0] and shape.name in new_ids:
                out.append(new_ids[shape.name].get(value, value))
            elif col in shape.references:
                out.append(new_ids.get(shape.references[col], {}).get(value, value))
            else:
                out.append(value)
        return tuple(out)

    added: dict[str, list[Row]] = {}
    changed: dict[str, list[Row]] = {}
    removed: dict[str, list[Row]] = {}
    for name, shape in after.shapes.items():
        old, new = before.rows[name], after.rows[name]
        plus = sorted((normal(shape, row) for key, row in new.items() if key not in old), key=_sort_key)
        moved = sorted((normal(shape, new[key]) for key in old if key in new and new[key] != old[key]), key=_sort_key)
        gone = [old[key] for key in old if key not in new]
        if plus:
            added[name] = plus
        if moved:
            changed[name] = moved
        if gone:
            removed[name] = gone
    return Delta(added, changed, removed)


def _int_keyed(shot: Snapshot) -> set[str]:
    found = set()
    for name, shape in shot.shapes.items():
        if len(shape.key) == 1 and all(isinstance(k[0], int) for k in shot.rows[name]):
            found.add(name)
    return found


def assert_whole_or_none(before: Snapshot, after: Snapshot, reference: Delta, what: str) -> str:
    """The import is there whole (the delta equals the reference run's) or not at all (nothing changed).

    Earlier rows are intact either way: none removed, and only those the reference import also changed
    are changed, in the same way.  Returns ``"absent"`` or ``"whole"``.
    """
    found = delta(before, after)
    if found.empty:
        assert after.digest() == before.digest()
        return "absent"
    assert not found.removed, f"{what}: earlier rows disappeared: {found.summary()}"
    assert found.summary() == reference.summary(), (
        f"{what}: the import is partly there: {found.summary()} (whole: {reference.summary()})"
    )
    assert found.changed == reference.changed, f"{what}: earlier rows changed unlike the reference run"
    assert found.added == reference.added, f"{what}: rows differ from the reference run's"
    return "whole"


# --- the restart ---------------------------------------------------------------------------------------------


def check_restart(url: str, application_name: str | None = None) -> None:
    """Open the database afresh and check it: integrity, foreign keys, schema, no leftover lock.

    SQLite: ``PRAGMA integrity_check`` and ``foreign_key_check``, and a write lock is free at once.
    PostgreSQL: the killed client's backend has gone, holding no advisory lock.
    Both: every foreign key points at a row, the schema is this keikaku's, one current plan per year.
    """
    if is_sqlite(url):
        con = sqlite3.connect(sqlite_path(url), timeout=0, isolation_level=None)
        try:
            assert con.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
            assert con.execute("PRAGMA foreign_key_check").fetchall() == []
            con.execute("BEGIN IMMEDIATE")  # raises "database is locked" if a lock were left behind
            con.execute("ROLLBACK")
        finally:
            con.close()
    engine = make_engine(url)
    try:
        assert check_schema(engine) == known_heads()
        with engine.connect() as conn:
            if not is_sqlite(url):
                _wait_backend_gone(conn, application_name)
                advisory = conn.execute(
                    text(
                        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' "
                        "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
                    )
                ).scalar_one()
                assert advisory == 0, "an advisory lock outlived the killed process"
            for problem in _orphans(engine, conn):
                raise AssertionError(problem)
            doubled = conn.execute(
                text(
                    "SELECT issuer, fiscal_year FROM plans GROUP BY issuer, fiscal_year "
                    "HAVING sum(CASE WHEN is_current THEN 1 ELSE 0 END) <> 1"
                )
            ).all()
            assert doubled == [], f"plans without exactly one current revision: {doubled}"
    finally:
        engine.dispose()


def _wait_backend_gone(conn: Any, application_name: str | None, timeout: float = 20.0) -> None:
    if application_name is None:
        return
    deadline = time.monotonic() + timeout
    while True:
        left = conn.execute(
            text("SELECT count(*) FROM pg_stat_activity WHERE application_name = :app"), {"app": application_name}
        ).scalar_one()
        conn.rollback()
        if not left:
            return
        assert time.monotonic() < deadline, "the killed client's PostgreSQL backend is still there"
        time.sleep(0.05)


def _orphans(engine: Engine, conn: Any) -> Iterator[str]:
    insp = inspect(engine)
    for name in insp.get_table_names():
        for fk in insp.get_foreign_keys(name):
            cols, target, target_cols = fk["constrained_columns"], fk["referred_table"], fk["referred_columns"]
            child = table(name, *[column(c) for c in cols]).alias("child")
            parent = table(target, *[column(c) for c in target_cols]).alias("parent")
            match = select(parent.c[target_cols[0]]).where(
                *[parent.c[tc] == child.c[cc] for cc, tc in zip(cols, target_cols, strict=True)]
            )
            orphans = conn.execute(
                select(child.c[cols[0]]).where(*[child.c[c].is_not(None) for c in cols]).where(~match.exists()).limit(1)
            ).first()
            if orphans is not None:
                yield f"{name}.{','.join(cols)} points at a missing {target} row ({orphans[0]})"


# --- copies of a database ------------------------------------------------------------------------------------


@contextmanager
def database_copy(url: str, workdir: Path) -> Iterator[str]:
    """A copy of the database (SQLite: the backup API; PostgreSQL: ``CREATE DATABASE … TEMPLATE``)."""
    if is_sqlite(url):
        target = workdir / f"copy-{uuid.uuid4().hex[:8]}.sqlite3"
        src = sqlite3.connect(sqlite_path(url))
        dst = sqlite3.connect(target)
        try:
            src.backup(dst)
        finally:
            dst.close()
            src.close()
        yield f"sqlite:///{target}"
        return
    parsed = make_url(url)
    name = f"{parsed.database}_copy_{uuid.uuid4().hex[:6]}"
    server = os.environ.get("KEIKAKU_TEST_POSTGRES_URL")
    admin_db = (make_url(server).database if server else None) or "postgres"
    admin = create_engine(parsed.set(database=admin_db), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{parsed.database}"'))
        yield parsed.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


# --- the scenario both tests share ---------------------------------------------------------------------------


@dataclass
class Reference:
    """A run of the import that finished, on a copy of the database: what it changed and how long it wrote."""

    delta: Delta
    write_seconds: float


def reference_run(url: str, home: Path, args: Sequence[str], before: Snapshot) -> Reference:
    """Run the import to completion on a copy of the database and measure it (the copy is then dropped)."""
    with database_copy(url, home) as copy_url:
        assert snapshot(copy_url).digest() == before.digest()
        finished = run_killed(copy_url, home, args, kill_after=None)
        assert finished.returncode == 0, finished.stderr
        found = delta(before, snapshot(copy_url))
    assert finished.write_seconds is not None and finished.write_seconds > 0.05, (
        f"the reference run was not seen writing long enough to be killed mid-way: {finished}"
    )
    return Reference(found, finished.write_seconds)


def kill_at(
    url: str, home: Path, args: Sequence[str], *, before: Snapshot, reference: Reference, shares: Sequence[float]
) -> list[tuple[float, KilledRun, str]]:
    """Kill the import at each share of the reference run's write time, restarting and checking after each.

    Each time: the database passes :func:`check_restart` and holds the import whole or not at all, with the
    earlier data intact.  At least one kill must have landed while the write transaction was open and left
    nothing behind (so the kills did hit the write).  Returns (share, run, "absent" or "whole") per kill.
    """
    outcomes = []
    for share in shares:
        run = run_killed(url, home, args, kill_after=share * reference.write_seconds)
        check_restart(url, run.application_name)
        outcome = assert_whole_or_none(before, snapshot(url), reference.delta, f"kill at {share:.0%} of the write")
        if not run.killed:
            assert run.returncode == 0 and outcome == "whole", run.stderr
        outcomes.append((share, run, outcome))
    summary = [(share, run.killed, run.writing_at_kill, outcome) for share, run, outcome in outcomes]
    assert any(run.killed and run.writing_at_kill and outcome == "absent" for _, run, outcome in outcomes), summary
    return outcomes
