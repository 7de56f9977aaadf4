"""Backup and restore: consistent while another connection writes, verified by restoring; bad files refused."""

import shutil
import sqlite3
import subprocess
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, func, insert, select
from sqlalchemy.engine import make_url
from tests.conftest import postgres_admin_url
from tests.governance.helpers import PASSWORD

from keikaku.services.core.actors import Actor, Role
from keikaku.services.core.errors import PermissionDeniedError
from keikaku.services.governance import backup as backup_service
from keikaku.services.governance.accounts import UserCreate, create_user, list_users
from keikaku.services.governance.audit import list_audit
from keikaku.services.governance.backup import BackupError, backup, restore
from keikaku.storage.accounts import LoginAttempt
from keikaku.storage.actuals import ActualValue
from keikaku.storage.engine import make_engine
from keikaku.storage.migrate import MIGRATIONS, current_revisions, known_heads, upgrade
from keikaku.storage.uow import read_session


class Writer:
    """Another client writing one row per transaction until stopped."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.stop = threading.Event()
        self.written = 0
        self.errors: list[BaseException] = []
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        try:
            while not self.stop.is_set():
                with self.engine.begin() as conn:
                    conn.execute(
                        insert(LoginAttempt).values(username=f"w{self.written}", ip="w", ok=False, outcome="x")
                    )
                self.written += 1
        except BaseException as exc:  # reported by the test
            self.errors.append(exc)

    def __enter__(self) -> "Writer":
        self.thread.start()
        while self.written < 20 and self.thread.is_alive():
            self.stop.wait(0.01)
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join(timeout=30)


def _rows(engine: Engine) -> list[str]:
    with read_session(engine) as s:
        return list(s.scalars(select(LoginAttempt.username).order_by(LoginAttempt.id)))


def _has_pg_dump() -> bool:
    return shutil.which("pg_dump") is not None and shutil.which("pg_restore") is not None


@pytest.fixture
def writable_engine(engine: Engine) -> Iterator[Engine]:
    """The test database, skipped on PostgreSQL without pg_dump on PATH."""
    if engine.dialect.name == "postgresql" and not _has_pg_dump():
        pytest.skip("pg_dump/pg_restore not on PATH")
    yield engine


def test_backup_while_writing_then_restore_gives_back_the_backed_up_data(
    writable_engine: Engine, admin: Actor, tmp_path: Path
) -> None:
    engine = writable_engine
    create_user(UserCreate("keep", [Role.COUNCIL_MEMBER], password=PASSWORD), actor=admin, engine=engine)
    out = tmp_path / "keikaku.backup"
    with Writer(engine) as writer:
        result = backup(out, actor=admin, engine=engine)
    assert not writer.errors and writer.written > 20
    assert result.path == out and result.size == out.stat().st_size > 0
    assert set(result.revisions) == known_heads()
    written = _rows(engine)
    assert len(written) == writer.written
    # Modify after the backup: a new account.
    create_user(UserCreate("later", [Role.COUNCIL_MEMBER], password=PASSWORD), actor=admin, engine=engine)
    restored = restore(out, actor=admin, engine=engine)
    assert not restored.migrated and set(restored.revisions) == known_heads()
    rows = _rows(engine)
    assert len(rows) >= 20 and rows == written[: len(rows)]  # an unbroken prefix: one consistent snapshot
    assert [u.username for u in list_users(actor=admin, engine=engine)] == ["keep"]
    actions = [e.action for e in list_audit(admin, object_type="database", engine=engine).entries]
    assert actions == ["database.restore"]  # the backup's own record came after the snapshot
    # The restored database keeps working and stays append-only.
    create_user(UserCreate("again", [Role.COUNCIL_MEMBER], password=PASSWORD), actor=admin, engine=engine)


def test_sqlite_backup_is_one_self_contained_file(sqlite_url: str, admin: Actor, tmp_path: Path) -> None:
    engine = make_engine(sqlite_url)
    upgrade(engine)
    out = tmp_path / "copy.sqlite3"
    backup(out, actor=admin, engine=engine)
    conn = sqlite3.connect(out)
    try:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        triggers = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")}
        assert {"audit_log_no_update", "audit_log_no_delete"} <= triggers
    finally:
        conn.close()
    assert not list(tmp_path.glob(".*partial"))
    with read_session(engine) as s:
        assert s.scalar(select(func.count()).select_from(LoginAttempt)) == 0
    engine.dispose()


def _migrate_to_first_revision(engine: Engine) -> None:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0001_core")


@contextmanager
def _old_backup(engine: Engine, tmp_path: Path) -> Iterator[Path]:
    """A backup of a database at the first revision (before accounts), of the same backend as ``engine``."""
    out = tmp_path / "old.backup"
    if engine.dialect.name == "sqlite":
        source = make_engine(f"sqlite:///{tmp_path / 'old.sqlite3'}")
        _migrate_to_first_revision(source)
        with source.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        source.dispose()
        shutil.copyfile(tmp_path / "old.sqlite3", out)
        yield out
        return
    admin_url = make_url(str(postgres_admin_url())).set(drivername="postgresql+psycopg")
    name = f"keikaku_old_{uuid.uuid4().hex[:12]}"
    server = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with server.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        source = make_engine(admin_url.set(database=name))
        _migrate_to_first_revision(source)
        source.dispose()
        env = backup_service._pg_env(admin_url.set(database=name))
        subprocess.run(["pg_dump", "--format=custom", "--no-owner", "--file", str(out)], env=env, check=True)
        yield out
    finally:
        with server.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        server.dispose()


def test_an_older_backup_is_migrated_after_restoring(writable_engine: Engine, admin: Actor, tmp_path: Path) -> None:
    """A backup from before accounts existed: the newer schema's tables are replaced, then migrated back empty."""
    engine = writable_engine
    create_user(UserCreate("gone", [Role.COUNCIL_MEMBER], password=PASSWORD), actor=admin, engine=engine)
    with _old_backup(engine, tmp_path) as old:
        result = restore(old, actor=admin, engine=engine)
    assert result.migrated and result.revisions == ("0001_core",)
    assert current_revisions(engine) == known_heads()
    assert list_users(actor=admin, engine=engine) == []
    assert [e.action for e in list_audit(admin, engine=engine).entries] == ["database.restore"]


def test_bad_files_are_refused_with_one_line(engine: Engine, admin: Actor, tmp_path: Path) -> None:
    cases: list[tuple[Path, str]] = [(tmp_path / "missing.backup", "ありません"), (tmp_path, "ではありません")]
    text_file = tmp_path / "notes.txt"
    text_file.write_text("ただのテキスト", encoding="utf-8")
    cases.append((text_file, "ではありません"))
    other = tmp_path / "other.sqlite3"
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE t (x)")
    conn.commit()
    conn.close()
    if engine.dialect.name == "sqlite":
        cases.append((other, "keikaku のデータベースではありません"))
        newer = tmp_path / "newer.sqlite3"
        conn = sqlite3.connect(newer)
        conn.execute("CREATE TABLE alembic_version (version_num VARCHAR(32))")
        conn.execute("INSERT INTO alembic_version VALUES ('9999_future')")
        conn.commit()
        conn.close()
        cases.append((newer, "新しい版"))
        corrupt = tmp_path / "corrupt.sqlite3"
        data = bytearray(other.read_bytes())
        data[100:4096] = b"\xff" * (4096 - 100)
        corrupt.write_bytes(bytes(data))
        cases.append((corrupt, "壊れて"))
    else:
        cases.append((other, "SQLite のバックアップ"))
        fake = tmp_path / "fake.dump"
        fake.write_bytes(b"PGDMP" + b"\x00" * 100)
        if _has_pg_dump():
            cases.append((fake, "失敗しました"))
    for path, needle in cases:
        with pytest.raises(BackupError, match=needle) as refused:
            restore(path, actor=admin, engine=engine)
        assert "\n" not in refused.value.message
    with pytest.raises(PermissionDeniedError):
        backup(tmp_path / "x", actor=Actor("council", frozenset({Role.COUNCIL_MEMBER})), engine=engine)
    with pytest.raises(PermissionDeniedError):
        restore(text_file, actor=Actor("council", frozenset({Role.COUNCIL_MEMBER})), engine=engine)


def test_missing_pg_dump_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(backup_service.shutil, "which", lambda _name: None)
    with pytest.raises(BackupError, match="pg_dump が見つかりません"):
        backup_service._client("pg_dump")


def test_a_truncated_backup_leaves_the_database_as_it_was(
    writable_engine: Engine, admin: Actor, tmp_path: Path
) -> None:
    engine = writable_engine
    with engine.begin() as conn:  # enough rows that the data fills most of the file
        conn.execute(
            insert(LoginAttempt), [{"username": f"u{i}", "ip": "x", "ok": False, "outcome": "x"} for i in range(3000)]
        )
    out = tmp_path / "full.backup"
    backup(out, actor=admin, engine=engine)
    truncated = tmp_path / "truncated.backup"
    data = out.read_bytes()
    truncated.write_bytes(data[: len(data) * 2 // 3])
    bad_files = [truncated]
    create_user(UserCreate("stays", [Role.COUNCIL_MEMBER], password=PASSWORD), actor=admin, engine=engine)
    for bad in bad_files:
        with pytest.raises(BackupError) as refused:
            restore(bad, actor=admin, engine=engine)
        assert "\n" not in refused.value.message
    assert [u.username for u in list_users(actor=admin, engine=engine)] == ["stays"]
    assert len(_rows(engine)) == 3000


FAILING_RESTORE = {
    # pg_restore dies half-way through writing the script: psql never gets COMMIT.
    "producer": 'real "$@" | head -c 30000; exit 1',
    # psql meets an error after the whole script: ON_ERROR_STOP, the transaction is rolled back.
    "consumer": 'real "$@"; echo "SELECT 1/0;"',
}


@pytest.mark.parametrize("failing", sorted(FAILING_RESTORE))
def test_a_restore_that_fails_half_way_changes_nothing_on_postgresql(
    writable_engine: Engine, admin: Actor, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failing: str
) -> None:
    engine = writable_engine
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite restores with one backup-API call into the target, in one transaction")
    with engine.begin() as conn:
        conn.execute(
            insert(LoginAttempt), [{"username": f"u{i}", "ip": "x", "ok": False, "outcome": "x"} for i in range(500)]
        )
    out = tmp_path / "full.backup"
    backup(out, actor=admin, engine=engine)
    create_user(UserCreate("stays", [Role.COUNCIL_MEMBER], password=PASSWORD), actor=admin, engine=engine)
    real = shutil.which("pg_restore")
    wrapper = tmp_path / "pg_restore"
    wrapper.write_text(
        "#!/bin/sh\n"
        f'real() {{ "{real}" "$@"; }}\n'
        'case " $* " in *" --file - "*) ;; *) exec "' + str(real) + '" "$@";; esac\n' + FAILING_RESTORE[failing] + "\n",
        encoding="utf-8",
    )
    wrapper.chmod(0o755)
    found = backup_service._client
    monkeypatch.setattr(backup_service, "_client", lambda name: str(wrapper) if name == "pg_restore" else found(name))
    with pytest.raises(BackupError, match="元のデータのままです"):
        restore(out, actor=admin, engine=engine)
    assert [u.username for u in list_users(actor=admin, engine=engine)] == ["stays"]
    assert len(_rows(engine)) == 500


def test_derived_data_after_a_restore_follows_the_restored_data(
    writable_engine: Engine, admin: Actor, tmp_path: Path
) -> None:
    """Issue 17 item 2: after a restore new writes reuse ids; the status cache must still show what the
    database holds (a KPI showed 304 and 達成 while the database held 128)."""
    from keikaku.services.actuals.record import ActualInput, set_actual
    from keikaku.services.evaluations.status_cache import plan_statuses
    from keikaku.services.exchange.initialize import initialize_database
    from keikaku.storage import models as m

    initialize_database(engine=writable_engine)
    with read_session(writable_engine) as s:
        kpi_id, plan_id, issuer, target = s.execute(
            select(m.Kpi.id, m.Plan.id, m.Plan.issuer, m.Kpi.target)
            .join(m.Project, m.Project.id == m.Kpi.project_id)
            .join(m.Plan, m.Plan.id == m.Project.plan_id)
            .where(
                m.Plan.fiscal_year == 2026, m.Kpi.unit == "人", m.Kpi.target > 200, m.Kpi.relative_to_kpi_id.is_(None)
            )
            .order_by(m.Kpi.id)
        ).one()

    def status() -> str | None:
        with read_session(writable_engine) as s:
            return plan_statuses(s, plan_id, 2026, issuer).kpi_status(kpi_id)

    low, high = int(target) // 2, int(target) + 10
    set_actual(ActualInput(kpi=kpi_id, fiscal_year=2026, value=f"{low}人"), actor=admin, engine=writable_engine)
    backed = tmp_path / "before.backup"
    backup(backed, actor=admin, engine=writable_engine)
    set_actual(
        ActualInput(kpi=kpi_id, fiscal_year=2026, value=f"{high}人", reason="再集計"),
        actor=admin,
        engine=writable_engine,
    )
    assert status() == "達成"  # computed and cached from the value the restore will take away
    restore(backed, actor=admin, engine=writable_engine)
    # A write after the restore (another KPI of the plan) reuses the ids the removed rows had.
    with read_session(writable_engine) as s:
        other = s.scalar(
            select(m.Kpi.id)
            .join(m.Project, m.Project.id == m.Kpi.project_id)
            .where(m.Project.plan_id == plan_id, m.Kpi.id != kpi_id, m.Kpi.unit == "件")
            .order_by(m.Kpi.id)
        )
    set_actual(ActualInput(kpi=other, fiscal_year=2026, value="3件"), actor=admin, engine=writable_engine)
    assert status() != "達成"
    with read_session(writable_engine) as s:
        held = s.scalars(
            select(ActualValue.value).where(ActualValue.kpi_id == kpi_id, ActualValue.fiscal_year == 2026)
        ).all()
    assert held == [low]
