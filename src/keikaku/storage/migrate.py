"""Schema migrations (Alembic), and the checks that refuse a database we do not understand."""

from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError, OperationalError

from keikaku.storage import derived
from keikaku.storage.statistics import analyze

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"


class DatabaseUnavailableError(Exception):
    """The database server cannot be reached or the file cannot be opened."""


class SchemaTooNewError(Exception):
    """The database was migrated by a newer keikaku: its revision is unknown to this one."""


def _config() -> "Config":
    from alembic.config import Config  # imported on use: alembic is slow to import and most commands never need it

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


@cache
def known_heads() -> frozenset[str]:
    """The head revisions this version of keikaku knows (read from the scripts once per process)."""
    from alembic.script import ScriptDirectory

    return frozenset(ScriptDirectory.from_config(_config()).get_heads())


@cache
def _known_revisions() -> frozenset[str]:
    from alembic.script import ScriptDirectory

    return frozenset(rev.revision for rev in ScriptDirectory.from_config(_config()).walk_revisions())


def current_revisions(engine: Engine) -> set[str]:
    """The revisions the database is at (empty for a new database)."""
    from alembic.runtime.migration import MigrationContext

    try:
        with engine.connect() as conn:
            return set(MigrationContext.configure(conn).get_current_heads())
    except (OperationalError, DBAPIError) as exc:
        raise DatabaseUnavailableError(_reason(exc)) from exc


def _reason(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", exc) or exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def check_schema(engine: Engine) -> set[str]:
    """Raise SchemaTooNewError when the database is at a revision this keikaku does not know."""
    current = current_revisions(engine)
    unknown = current - _known_revisions()
    if unknown:
        raise SchemaTooNewError(
            "データベースのスキーマがこの keikaku より新しい版です（リビジョン "
            + ", ".join(sorted(unknown))
            + "）。keikaku を更新してください"
        )
    return current


def is_up_to_date(engine: Engine) -> bool:
    """True when the database is at every head this keikaku knows."""
    return check_schema(engine) == known_heads()


def upgrade(engine: Engine) -> None:
    """Bring the database to the newest schema, in one transaction per migration run, then analyse it."""
    from alembic import command

    before = check_schema(engine)
    cfg = _config()
    try:
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "heads")
        derived.forget_schema()
        if current_revisions(engine) != before:
            analyze(engine)  # new tables and indexes are planned with statistics, not guesses
    except (OperationalError, DBAPIError) as exc:
        raise DatabaseUnavailableError(_reason(exc)) from exc
