"""Database URL, engine creation and the SQLite pragmas we rely on.

The embedded default is SQLite at ``$KEIKAKU_HOME/keikaku.sqlite3`` (``KEIKAKU_HOME`` defaults to
``$XDG_DATA_HOME/keikaku``, i.e. ``~/.local/share/keikaku``).  ``KEIKAKU_DATABASE_URL`` selects another
database, e.g. ``postgresql+psycopg://user@127.0.0.1:5432/keikaku``.
"""

import os
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError


class DatabaseConfigError(Exception):
    """The database URL is malformed or names an unsupported backend."""


SUPPORTED_BACKENDS = ("sqlite", "postgresql")


def default_sqlite_path() -> Path:
    """Where the embedded database lives unless KEIKAKU_DATABASE_URL says otherwise."""
    home = os.environ.get("KEIKAKU_HOME")
    if home:
        return Path(home) / "keikaku.sqlite3"
    xdg = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(xdg) / "keikaku" / "keikaku.sqlite3"


def database_url(raw: str | None = None) -> URL:
    """Parse and check the configured database URL (argument, else KEIKAKU_DATABASE_URL, else the default)."""
    text = raw if raw is not None else os.environ.get("KEIKAKU_DATABASE_URL", "").strip()
    if not text:
        return make_url(f"sqlite:///{default_sqlite_path()}")
    try:
        url = make_url(text)
    except ArgumentError as exc:
        raise DatabaseConfigError(f"KEIKAKU_DATABASE_URL を解釈できません: {text!r}") from exc
    backend = url.get_backend_name()
    if backend not in SUPPORTED_BACKENDS:
        raise DatabaseConfigError(
            f"KEIKAKU_DATABASE_URL のデータベース種別 {backend!r} には対応していません（sqlite または postgresql）"
        )
    if backend == "postgresql" and url.drivername == "postgresql":
        url = url.set(drivername="postgresql+psycopg")
    if backend == "postgresql" and not url.database:
        raise DatabaseConfigError(f"KEIKAKU_DATABASE_URL にデータベース名がありません: {text!r}")
    return url


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA cache_size=-65536")  # 64 MiB page cache per connection
    cursor.close()


def make_engine(url: URL | str | None = None, **kwargs: Any) -> Engine:
    """Create an engine; SQLite gets foreign keys on, WAL, a busy timeout, and its folder created."""
    resolved = url if isinstance(url, URL) else database_url(url)
    if resolved.get_backend_name() == "sqlite":
        if resolved.database and resolved.database != ":memory:":
            Path(resolved.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(resolved, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    kwargs.setdefault("connect_args", {"connect_timeout": 5})
    return create_engine(resolved, **kwargs)


_ENGINES: dict[str, Engine] = {}


def engine_for(url_text: str) -> Engine:
    """One engine per URL for the life of the process."""
    engine = _ENGINES.get(url_text)
    if engine is None:
        engine = _ENGINES[url_text] = make_engine(url_text)
    return engine


def dispose_engines() -> None:
    """Close every engine made by :func:`engine_for` and forget them (tests, and before a restore)."""
    while _ENGINES:
        _url, engine = _ENGINES.popitem()
        engine.dispose()


#: The settings the configured database's URL is made of (see :func:`database_url` and
#: :func:`default_sqlite_path`; ``HOME`` is where the default folder is).
_URL_SETTINGS = ("KEIKAKU_DATABASE_URL", "KEIKAKU_HOME", "XDG_DATA_HOME", "HOME")
_DEFAULT_URLS: dict[tuple[str | None, ...], str] = {}
#: How many sets of settings are remembered (a process has one; the tests switch between many).
_KEPT_URLS = 64


def default_engine() -> Engine:
    """The engine for the configured database.

    Every read without an engine of its own asks for it, so the URL is worked out once per set of settings
    (parsing and checking it cost as much as a small query), and again when a setting changes.
    """
    settings = tuple(os.environ.get(name) for name in _URL_SETTINGS)
    url_text = _DEFAULT_URLS.get(settings)
    if url_text is None:
        url_text = database_url().render_as_string(hide_password=False)
        if len(_DEFAULT_URLS) < _KEPT_URLS:
            _DEFAULT_URLS[settings] = url_text
    return engine_for(url_text)
