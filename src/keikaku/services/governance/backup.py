"""Backup and restore of the whole database, consistent while the server keeps running.

SQLite: SQLite's online backup API copies one consistent snapshot (writers go on meanwhile, in WAL mode)
into a single self-contained file; restoring copies a checked backup into the live database the same
way, in one transaction, so other connections see the old data or the new, never a mix.

PostgreSQL: ``pg_dump -Fc`` (one snapshot); ``pg_restore --clean --if-exists --no-owner`` run through
``psql`` in one transaction (see :func:`_pg_restore` for why).  The client programs (``pg_dump``,
``pg_restore``, ``psql``) must be on PATH and not older than the server.  Passwords go to them through the
environment, never the command line.

A restore first checks that the file is a keikaku database this version understands (integrity, and an
Alembic revision it knows); an older backup is migrated after restoring.  Errors are one line in Japanese.
Only administrators may back up (the file holds password hashes) or restore; both are recorded in the
audit trail (the restore in the restored database).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO
from urllib.parse import quote

from sqlalchemy import Engine, inspect
from sqlalchemy.engine import URL

from keikaku.reports.files import atomic_path
from keikaku.services.core.actors import Actor, require_admin
from keikaku.services.core.db import ensure_schema, resolve_engine
from keikaku.services.core.errors import ServiceError, ValidationError
from keikaku.services.governance import audit
from keikaku.services.governance.audit_actions import AuditAction
from keikaku.storage import migrate
from keikaku.storage.uow import unit_of_work

SQLITE_MAGIC = b"SQLite format 3\x00"
PGDUMP_MAGIC = b"PGDMP"
TIMEOUT_SECONDS = 3600


class BackupError(ServiceError):
    """A backup or restore could not be made; the message says why in one line."""

    code = "backup_failed"
    http_status = 500


@dataclass(frozen=True)
class BackupResult:
    """A written backup: where, of which backend, how big, at which schema revisions."""

    path: Path
    backend: str
    size: int
    revisions: tuple[str, ...]


@dataclass(frozen=True)
class RestoreResult:
    """A restore: from which file, the revisions it held, and whether it was migrated afterwards."""

    path: Path
    backend: str
    revisions: tuple[str, ...]
    migrated: bool


def _known_revisions() -> set[str]:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    cfg = Config()
    cfg.set_main_option("script_location", str(migrate.MIGRATIONS))
    return {rev.revision for rev in ScriptDirectory.from_config(cfg).walk_revisions()}


def _check_revisions(revisions: set[str], path: Path) -> None:
    if not revisions:
        raise BackupError(f"{path} は keikaku のデータベースではありません（スキーマの版がありません）")
    unknown = revisions - _known_revisions()
    if unknown:
        raise BackupError(
            f"{path} はこの keikaku より新しい版のデータベースです（リビジョン {', '.join(sorted(unknown))}）"
        )


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _readable_file(path: Path) -> bytes:
    if not path.exists():
        raise BackupError(f"バックアップファイルがありません: {path}")
    if not path.is_file():
        raise BackupError(f"バックアップファイルではありません（フォルダなど）: {path}")
    with path.open("rb") as handle:
        return handle.read(16)


def _output_path(out_path: Path) -> Path:
    out = out_path.expanduser().absolute()
    if out.is_dir():
        raise ValidationError(f"出力先がフォルダです: {out}")
    if not out.parent.is_dir():
        raise ValidationError(f"出力先のフォルダがありません: {out.parent}")
    return out


# -- SQLite ------------------------------------------------------------------------------------------


def _sqlite_path(url: URL) -> Path:
    if not url.database or url.database == ":memory:" or url.database.startswith("file:"):
        raise ValidationError("このデータベースはファイルではないためバックアップできません")
    return Path(url.database).absolute()


def _sqlite_backup(source: Path, out: Path, partial: Path) -> tuple[str, ...]:
    if not source.is_file():
        raise BackupError(f"データベースファイルがありません: {source}")
    if out.exists() and out.resolve() == source.resolve():
        raise ValidationError("バックアップの出力先がデータベースそのものです")
    partial.unlink(missing_ok=True)
    src = sqlite3.connect(source, timeout=30)
    dst = sqlite3.connect(partial)
    try:
        src.backup(dst)  # all pages in one step: one read transaction, one consistent snapshot
        dst.execute("PRAGMA journal_mode=DELETE")  # a single self-contained file
        if dst.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
            raise BackupError("作成したバックアップの検査に失敗しました")
        revisions = tuple(sorted(r for (r,) in dst.execute("SELECT version_num FROM alembic_version")))
    except sqlite3.Error as exc:
        raise BackupError(f"バックアップに失敗しました: {exc}") from exc
    finally:
        dst.close()
        src.close()
    return revisions


def _sqlite_open_checked(path: Path) -> tuple[sqlite3.Connection, set[str]]:
    if _readable_file(path) != SQLITE_MAGIC:
        raise BackupError(f"{path} は SQLite のデータベースではありません")
    conn = sqlite3.connect(f"file:{quote(str(path))}?mode=ro", uri=True)
    try:
        result = conn.execute("PRAGMA integrity_check").fetchone()[0]
        if result != "ok":
            raise BackupError(f"{path} は壊れています（整合性検査: {result}）")
        tables = {name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        revisions = (
            {r for (r,) in conn.execute("SELECT version_num FROM alembic_version")}
            if "alembic_version" in tables
            else set()
        )
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise BackupError(f"{path} は壊れているか SQLite のデータベースではありません（{exc}）") from exc
    except BaseException:
        conn.close()
        raise
    return conn, revisions


def _sqlite_restore(path: Path, target: Path) -> set[str]:
    if target.exists() and target.resolve() == path.resolve():
        raise ValidationError("復元元がデータベースそのものです")
    conn, revisions = _sqlite_open_checked(path)
    try:
        _check_revisions(revisions, path)
        target.parent.mkdir(parents=True, exist_ok=True)
        dst = sqlite3.connect(target, timeout=60)
        try:
            conn.backup(dst)  # the target's pages are replaced in one write transaction
        finally:
            dst.close()
    except sqlite3.Error as exc:
        raise BackupError(f"復元に失敗しました: {exc}") from exc
    finally:
        conn.close()
    return revisions


# -- PostgreSQL --------------------------------------------------------------------------------------


def _client(program: str) -> str:
    found = shutil.which(program)
    if found is None:
        raise BackupError(
            f"{program} が見つかりません。PostgreSQL のクライアント（Debian では postgresql-client）を入れてください"
        )
    return found


def _pg_env(url: URL) -> dict[str, str]:
    env = dict(os.environ)
    for key, value in (
        ("PGHOST", url.host or url.query.get("host")),
        ("PGPORT", url.port),
        ("PGUSER", url.username),
        ("PGPASSWORD", url.password),
        ("PGDATABASE", url.database),
        ("PGSSLMODE", url.query.get("sslmode")),
    ):
        if value:
            env[key] = str(value if not isinstance(value, tuple) else value[0])
    return env


def _run(args: list[str], env: dict[str, str], what: str) -> str:
    try:
        done = subprocess.run(args, env=env, capture_output=True, text=True, timeout=TIMEOUT_SECONDS, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise BackupError(f"{what}に失敗しました: {exc}") from exc
    if done.returncode != 0:
        lines = [line.strip() for line in done.stderr.splitlines() if line.strip()]
        reason = next((line for line in lines if "error" in line.lower()), lines[-1] if lines else "")
        raise BackupError(f"{what}に失敗しました: {reason or f'終了コード {done.returncode}'}")
    return done.stdout


def _pg_dump_revisions(path: Path, env: dict[str, str]) -> set[str]:
    restore = _client("pg_restore")
    toc = _run([restore, "--list", str(path)], env, "バックアップの検査")
    if not re.search(r"\bTABLE DATA \S+ alembic_version\b", toc):
        raise BackupError(f"{path} は keikaku のデータベースのバックアップではありません")
    data = _run([restore, "--data-only", "--table=alembic_version", "-f", "-", str(path)], env, "バックアップの検査")
    revisions: set[str] = set()
    inside = False
    for line in data.splitlines():
        if line.startswith("COPY ") and "alembic_version" in line:
            inside = True
        elif inside and line == "\\.":
            inside = False
        elif inside and line.strip():
            revisions.add(line.strip())
    return revisions


def _pg_backup(url: URL, partial: Path) -> tuple[str, ...]:
    env = _pg_env(url)
    partial.unlink(missing_ok=True)
    _run(
        [_client("pg_dump"), "--format=custom", "--no-owner", "--file", str(partial)], env, "pg_dump によるバックアップ"
    )
    return tuple(sorted(_pg_dump_revisions(partial, env)))


def _first_error(stream: IO[bytes]) -> str:
    stream.seek(0)
    lines = [line.strip() for line in stream.read().decode("utf-8", "replace").splitlines() if line.strip()]
    return next((line for line in lines if "error" in line.lower()), lines[-1] if lines else "")


def _pg_restore(url: URL, path: Path, engine: Engine) -> set[str]:
    """Replace the database's tables with the dump's, in one transaction.

    ``pg_restore --clean --if-exists`` alone cannot do it when the database has tables the dump lacks (a
    backup from an older keikaku): they survive, and their foreign keys block dropping the tables they
    point at.  So pg_restore writes its script (``--clean --if-exists --no-owner``) and psql runs it in one
    transaction after dropping those extra tables; COMMIT is sent only when pg_restore finished cleanly.
    """
    if _readable_file(path)[:5] != PGDUMP_MAGIC:
        raise BackupError(f"{path} は PostgreSQL のバックアップ（pg_dump -Fc）ではありません")
    env = _pg_env(url)
    revisions = _pg_dump_revisions(path, env)
    _check_revisions(revisions, path)
    toc = _run([_client("pg_restore"), "--list", str(path)], env, "バックアップの検査")
    dumped = set(re.findall(r"^\d+; \d+ \d+ TABLE (?!DATA )\S+ (\S+)", toc, re.MULTILINE))
    extra = sorted(set(inspect(engine).get_table_names()) - dumped)
    restore_args = [_client("pg_restore"), "--clean", "--if-exists", "--no-owner", "--file", "-", str(path)]
    psql_args = [_client("psql"), "--no-psqlrc", "--quiet", "-v", "ON_ERROR_STOP=1", "--file", "-"]
    with tempfile.TemporaryFile() as restore_err, tempfile.TemporaryFile() as psql_err:
        consumer = subprocess.Popen(
            psql_args, env=env, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=psql_err
        )
        producer = subprocess.Popen(restore_args, env=env, stdout=subprocess.PIPE, stderr=restore_err)
        assert consumer.stdin is not None and producer.stdout is not None
        broken = False
        try:
            consumer.stdin.write(b"BEGIN;\n")
            for table in extra:
                consumer.stdin.write(f'DROP TABLE IF EXISTS public."{table}" CASCADE;\n'.encode())
            shutil.copyfileobj(producer.stdout, consumer.stdin, 1 << 20)
        except BrokenPipeError:  # psql stopped at an error; the transaction is rolled back
            broken = True
        finally:
            producer.stdout.close()  # lets pg_restore end even when psql stopped reading
        produced = producer.wait(timeout=TIMEOUT_SECONDS)
        with contextlib.suppress(BrokenPipeError):
            if produced == 0 and not broken:
                consumer.stdin.write(b"COMMIT;\n")
            consumer.stdin.close()
        consumed = consumer.wait(timeout=TIMEOUT_SECONDS)
        if consumed != 0:
            raise BackupError(f"復元に失敗しました（元のデータのままです）: {_first_error(psql_err)}")
        if produced != 0:
            raise BackupError(f"pg_restore が失敗しました（元のデータのままです）: {_first_error(restore_err)}")
    return revisions


# -- the services ------------------------------------------------------------------------------------


def backup(out_path: Path, *, actor: Actor, engine: Engine | None = None) -> BackupResult:
    """Write a consistent backup of the configured database to ``out_path`` (administrators only).

    The file appears only when complete (written beside it, then renamed).
    """
    require_admin(actor, "バックアップ")
    eng = ensure_schema(engine)
    out = _output_path(out_path)
    backend = eng.url.get_backend_name()
    with atomic_path(out) as partial:
        if backend == "sqlite":
            revisions = _sqlite_backup(_sqlite_path(eng.url), out, partial)
        else:
            revisions = _pg_backup(eng.url, partial)
    with unit_of_work(eng) as session:
        after = {"file": out.name, "sha256": _sha256(out), "size": out.stat().st_size}
        audit.record(session, actor, AuditAction.DATABASE_BACKUP, "database", backend, None, after)
    return BackupResult(path=out, backend=backend, size=out.stat().st_size, revisions=revisions)


def restore(in_path: Path, *, actor: Actor, engine: Engine | None = None) -> RestoreResult:
    """Replace the configured database with a backup made by :func:`backup` (administrators only).

    The file is checked first (a keikaku database of a known revision, intact); an older one is migrated
    to this keikaku's schema afterwards.  The restore is recorded in the restored database's audit trail.
    """
    require_admin(actor, "復元")
    eng = resolve_engine(engine)
    path = in_path.expanduser().absolute()
    backend = eng.url.get_backend_name()
    head = _readable_file(path)
    if backend == "sqlite" and head[:5] == PGDUMP_MAGIC:
        raise BackupError(f"{path} は PostgreSQL のバックアップです（現在のデータベースは SQLite）")
    if backend == "postgresql" and head == SQLITE_MAGIC:
        raise BackupError(f"{path} は SQLite のバックアップです（現在のデータベースは PostgreSQL）")
    sqlite = backend == "sqlite"
    revisions = _sqlite_restore(path, _sqlite_path(eng.url)) if sqlite else _pg_restore(eng.url, path, eng)
    migrated = revisions != migrate.known_heads()
    if migrated:
        migrate.upgrade(eng)
    with unit_of_work(eng) as session:
        after = {"file": path.name, "sha256": _sha256(path), "revisions": sorted(revisions), "migrated": migrated}
        audit.record(session, actor, AuditAction.DATABASE_RESTORE, "database", backend, None, after)
    return RestoreResult(path=path, backend=backend, revisions=tuple(sorted(revisions)), migrated=migrated)
