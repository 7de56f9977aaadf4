"""Shared fixtures: fresh databases (SQLite always, PostgreSQL when configured), loaded or empty.

PostgreSQL: set KEIKAKU_TEST_POSTGRES_URL (``make test`` sets it when a server answers on 127.0.0.1:5432).
Each test gets its own database, created from that server and dropped afterwards.
"""

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
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


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one test; dropped afterwards."""
    admin_url = make_url(_skip_without_postgres()).set(drivername="postgresql+psycopg")
    name = f"keikaku_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield admin_url.set(database=name).render_as_string(hide_password=False)
    finally:
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


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """A migrated, empty database (SQLite and PostgreSQL)."""
    eng = make_engine(database_url)
    upgrade(eng)
    yield eng
    eng.dispose()


@pytest.fixture
def loaded_engine(database_url: str) -> Iterator[Engine]:
    """A database with the bundled Kansai data (SQLite and PostgreSQL)."""
    eng = make_engine(database_url)
    initialize_database(engine=eng)
    yield eng
    eng.dispose()


@pytest.fixture
def sqlite_loaded_engine(sqlite_url: str) -> Iterator[Engine]:
    """A SQLite database with the bundled Kansai data (for tests that need only one backend)."""
    eng = make_engine(sqlite_url)
    initialize_database(engine=eng)
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
