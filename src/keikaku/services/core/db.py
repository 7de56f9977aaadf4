"""The gate to the database every service passes: the engine to use, whether its schema is this keikaku's
(checked fully, or cheaply enough for every web request), and a server's pooled engine.

:func:`ensure_schema` reads the migration scripts each time it is called (tens of milliseconds); a page that
needs several services would spend most of its time there.  :func:`checked_engine` checks once and trusts
the result for a few seconds, which still notices a database migrated or replaced under a running server.

The default engine keeps 5 connections (and 10 more on demand), which a web server answering tens of
requests at once exhausts: :func:`server_engine` gives a pool that fits the server's thread pool.
"""

import threading
import time

from sqlalchemy import Engine
from sqlalchemy.exc import ArgumentError

from keikaku.services.core.errors import DatabaseError
from keikaku.storage import migrate
from keikaku.storage.engine import DatabaseConfigError, database_url, default_engine, make_engine


def resolve_engine(engine: Engine | None = None) -> Engine:
    """The engine to use, with configuration errors turned into a DatabaseError."""
    if engine is not None:
        return engine
    try:
        return default_engine()
    except (DatabaseConfigError, ArgumentError) as exc:
        raise DatabaseError(str(exc), code="database_url_invalid") from exc


def ensure_schema(engine: Engine | None = None) -> Engine:
    """Check the database is reachable and at this keikaku's schema; raise DatabaseError otherwise."""
    eng = resolve_engine(engine)
    try:
        if not migrate.is_up_to_date(eng):
            raise DatabaseError(
                "データベースが初期化されていないか、古いスキーマです。`keikaku init` を実行してください",
                code="database_not_initialised",
            )
    except migrate.SchemaTooNewError as exc:
        raise DatabaseError(str(exc), code="schema_too_new") from exc
    except migrate.DatabaseUnavailableError as exc:
        raise DatabaseError(f"データベースに接続できません: {exc}", code="database_unavailable") from exc
    return eng


#: Seconds a successful check is trusted.
TTL = 5.0

_checked: dict[int, float] = {}
_lock = threading.Lock()


def checked_engine(engine: Engine | None = None) -> Engine:
    """The engine, after :func:`ensure_schema` succeeded on it within the last :data:`TTL` seconds."""
    eng = resolve_engine(engine)
    key = id(eng)
    now = time.monotonic()
    if now - _checked.get(key, -TTL) < TTL:
        return eng
    ensure_schema(eng)
    with _lock:
        _checked[key] = now
    return eng


def forget() -> None:
    """Forget every check (for tests that migrate or replace a database)."""
    with _lock:
        _checked.clear()


#: AnyIO runs at most 40 synchronous endpoints at once; each holds at most one connection.
POOL_SIZE = 40


def server_engine(url: str | None = None, *, pool_size: int = POOL_SIZE) -> Engine:
    """An engine for the configured database (or ``url``) with ``pool_size`` pooled connections."""
    try:
        resolved = database_url(url)
    except DatabaseConfigError as exc:
        raise DatabaseError(str(exc), code="database_url_invalid") from exc
    # The most recently returned connection is handed out first (LIFO): under a light load the same few
    # connections serve every request with their page caches warm, instead of 40 taking turns cold.  A
    # SQLite file does not drop connections, so it is not pinged before each checkout (a statement per
    # request); a server database is.
    return make_engine(
        resolved,
        pool_size=pool_size,
        max_overflow=10,
        pool_timeout=30,
        pool_use_lifo=True,
        pool_pre_ping=resolved.get_backend_name() != "sqlite",
    )
