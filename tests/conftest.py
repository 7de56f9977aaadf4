"""Shared fixtures: fresh databases (SQLite always, PostgreSQL when configured), loaded or empty.

PostgreSQL: set KEIKAKU_TEST_POSTGRES_URL (``make test`` sets it when a server answers on 127.0.0.1:5432).
Each test gets its own database, created from that server and dropped afterwards.

Migrating and loading the bundled Kansai data take seconds (PostgreSQL: over ten), so each test process
(each xdist worker) does it once into a template (:class:`Templates`) and each test gets its own fresh copy:
SQLite by copying the template file, PostgreSQL by ``CREATE DATABASE … TEMPLATE``.
"""

import os
import shutil
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Literal

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import OperationalError
from tests.smtp_server import Inbox, running_smtp

from keikaku.services.exchange.initialize import initialize_database
from keikaku.storage.engine import dispose_engines, make_engine
from keikaku.storage.migrate import upgrade

POSTGRES_ENV = "KEIKAKU_TEST_POSTGRES_URL"
SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"


def postgres_admin_url() -> str | None:
    """The configured PostgreSQL server for tests, or None."""
    return os.environ.get(POSTGRES_ENV) or None


def _skip_without_postgres() -> str:
    url = postgres_admin_url()
    if not url:
        pytest.skip(f"PostgreSQL not configured: set {POSTGRES_ENV} to run the PostgreSQL variant")
    return url


@pytest.fixture(autouse=True)
def _dispose_cached_engines() -> Iterator[None]:
    """Close engines the code under test cached (KEIKAKU_DATABASE_URL), so no connection outlives its test."""
    yield
    dispose_engines()


Kind = Literal["migrated", "loaded"]


def _admin_url() -> URL:
    return make_url(_skip_without_postgres()).set(drivername="postgresql+psycopg")


def _build(url: str, kind: Kind) -> None:
    eng = make_engine(url)
    try:
        if kind == "loaded":
            initialize_database(engine=eng)
        else:
            upgrade(eng)
    finally:
        eng.dispose()


class Templates:
    """Databases migrated, or loaded with the bundled data, once per test process, to copy for each test."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.sqlite: dict[Kind, Path] = {}
        self.postgres: dict[Kind, str] = {}
        self.tag = uuid.uuid4().hex[:8]

    def sqlite_copy(self, target: Path, kind: Kind) -> None:
        """Copy the SQLite template of ``kind`` to ``target`` (made on first use)."""
        source = self.sqlite.get(kind)
        if source is None:
            source = self.folder / f"{kind}.sqlite3"
            _build(f"sqlite:///{source}", kind)
            # The last connection closed has checkpointed the write-ahead log into the file: it is complete.
            assert not source.with_name(source.name + "-wal").exists(), "the template's WAL was not checkpointed"
            self.sqlite[kind] = source
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)

    def postgres_template(self, kind: Kind) -> str:
        """The name of the PostgreSQL template database of ``kind`` (made on first use)."""
        name = self.postgres.get(kind)
        if name is None:
            name = f"keikaku_tmpl_{self.tag}_{kind}"
            admin_url = _admin_url()
            admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
            try:
                with admin.connect() as conn:
                    conn.execute(text(f'CREATE DATABASE "{name}"'))
                self.postgres[kind] = name  # dropped at the end of the session even if the build fails
                _build(admin_url.set(database=name).render_as_string(hide_password=False), kind)
                dispose_engines()
                with admin.connect() as conn:
                    # No one may connect to a template while it is copied (autovacuum skips it too).
                    conn.execute(text(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS false'))
            finally:
                admin.dispose()
        return name

    def drop_postgres(self) -> None:
        if not self.postgres:
            return
        admin = create_engine(_admin_url(), isolation_level="AUTOCOMMIT")
        try:
            with admin.connect() as conn:
                for name in self.postgres.values():
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        finally:
            admin.dispose()
        self.postgres.clear()


@pytest.fixture(scope="session")
def templates(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Templates]:
    """This test process's template databases (dropped at its end)."""
    made = Templates(tmp_path_factory.mktemp("templates"))
    yield made
    made.drop_postgres()


def _wanted(request: pytest.FixtureRequest) -> Kind | None:
    """What the test's database fixture will make of the fresh database: loaded, migrated or nothing."""
    names = request.fixturenames
    if "loaded_engine" in names:
        return "loaded"
    if "engine" in names:
        return "migrated"
    return None


#: PostgreSQL databases created as a copy of a template, by URL: the engine fixtures need not migrate them.
_COPIED: dict[str, Kind] = {}


def _create_database(admin: Engine, name: str, template: str | None) -> None:
    sql = f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else "")
    for attempt in range(50):
        try:
            with admin.connect() as conn:
                conn.execute(text(sql))
            return
        except OperationalError as exc:  # "source database is being accessed by other users"
            if template is None or "being accessed by other users" not in str(exc) or attempt == 49:
                raise
            time.sleep(0.1)


@pytest.fixture
def postgres_url(request: pytest.FixtureRequest, templates: Templates) -> Iterator[str]:
    """A fresh PostgreSQL database for one test (a copy of a template when the test will migrate or load it)."""
    admin_url = _admin_url()
    name = f"keikaku_test_{uuid.uuid4().hex[:12]}"
    kind = _wanted(request)
    template = templates.postgres_template(kind) if kind else None
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    _create_database(admin, name, template)
    url = admin_url.set(database=name).render_as_string(hide_password=False)
    if kind:
        _COPIED[url] = kind
    try:
        yield url
    finally:
        _COPIED.pop(url, None)
        dispose_engines()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def smtp(monkeypatch: pytest.MonkeyPatch) -> Iterator[Inbox]:
    """A real local SMTP server (aiosmtpd) with ``KEIKAKU_SMTP_URL`` pointing at it; yields its inbox."""
    with running_smtp() as inbox:
        monkeypatch.setenv("KEIKAKU_SMTP_URL", inbox.url)
        yield inbox


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """A fresh SQLite database file for one test."""
    return f"sqlite:///{tmp_path / 'keikaku.sqlite3'}"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest) -> str:
    """A fresh empty database URL: the test runs once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        return str(request.getfixturevalue("sqlite_url"))
    return str(request.getfixturevalue("postgres_url"))


def _fresh_engine(url: str, kind: Kind, templates: Templates) -> Engine:
    """An engine over the test's fresh database at ``url``, migrated or loaded as a copy of the template.

    A database that is not what a copy would start from (a SQLite file already there, a PostgreSQL database
    not made from the template) is migrated or loaded in place, as without templates.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        path = Path(str(parsed.database))
        if not path.exists():
            templates.sqlite_copy(path, kind)
            return make_engine(url)
    elif _COPIED.get(url) == kind:
        return make_engine(url)
    eng = make_engine(url)
    _build(url, kind)
    return eng


@pytest.fixture
def engine(database_url: str, templates: Templates) -> Iterator[Engine]:
    """A migrated, empty database (SQLite and PostgreSQL)."""
    eng = _fresh_engine(database_url, "migrated", templates)
    yield eng
    eng.dispose()


@pytest.fixture
def loaded_engine(database_url: str, templates: Templates) -> Iterator[Engine]:
    """A database with the bundled Kansai data (SQLite and PostgreSQL)."""
    eng = _fresh_engine(database_url, "loaded", templates)
    yield eng
    eng.dispose()


@pytest.fixture
def sqlite_loaded_engine(sqlite_url: str, templates: Templates) -> Iterator[Engine]:
    """A SQLite database with the bundled Kansai data (for tests that need only one backend)."""
    eng = _fresh_engine(sqlite_url, "loaded", templates)
    yield eng
    eng.dispose()


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch, database_url: str) -> str:
    """Point the CLI at a fresh database through KEIKAKU_DATABASE_URL."""
    from keikaku.storage.engine import dispose_engines

    monkeypatch.setenv("KEIKAKU_DATABASE_URL", database_url)
    dispose_engines()
    return database_url


@pytest.fixture
def seeds_dir() -> Path:
    """The shared seed documents (skips when shared/ is not beside the project)."""
    if not SEEDS.is_dir():
        pytest.skip(f"seed documents not found at {SEEDS}")
    return SEEDS
