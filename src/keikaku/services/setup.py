"""Creating, migrating and checking the database."""

from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.exc import ArgumentError

from keikaku.services.dataset import ImportResult, load_bundled_dataset
from keikaku.services.errors import DatabaseError
from keikaku.storage import migrate
from keikaku.storage.engine import DatabaseConfigError, default_engine
from keikaku.storage.uow import unit_of_work


@dataclass
class InitResult:
    """What ``keikaku init`` did."""

    url: str
    migrated_from: set[str]
    loaded: ImportResult | None


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


def initialize_database(*, empty: bool = False, engine: Engine | None = None) -> InitResult:
    """Create or migrate the database and, unless ``empty``, load the bundled Kansai data (one transaction)."""
    eng = resolve_engine(engine)
    try:
        before = migrate.check_schema(eng)
        migrate.upgrade(eng)
    except migrate.SchemaTooNewError as exc:
        raise DatabaseError(str(exc), code="schema_too_new") from exc
    except migrate.DatabaseUnavailableError as exc:
        raise DatabaseError(f"データベースに接続できません: {exc}", code="database_unavailable") from exc
    loaded = None
    if not empty:
        with unit_of_work(eng) as session:
            loaded = load_bundled_dataset(session)
    return InitResult(url=eng.url.render_as_string(hide_password=True), migrated_from=before, loaded=loaded)
