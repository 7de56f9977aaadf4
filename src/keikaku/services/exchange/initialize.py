"""``keikaku init``: create or migrate the database, load the bundled Kansai dataset and publish it.

This is the one orchestration of "migrate → import the bundle → publish": it sits above the bundle import
and publication, so neither needs the other.
"""

from dataclasses import dataclass

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from keikaku.services.core.actors import SYSTEM
from keikaku.services.core.db import resolve_engine
from keikaku.services.core.errors import DatabaseError
from keikaku.services.exchange.bundle import ImportResult, bundled_bundles, import_plan_data
from keikaku.services.publication.state import publish_loaded_plans
from keikaku.storage import migrate
from keikaku.storage import models as m
from keikaku.storage.statistics import analyze
from keikaku.storage.uow import unit_of_work


@dataclass
class InitResult:
    """What ``keikaku init`` did."""

    url: str
    migrated_from: set[str]
    loaded: ImportResult | None


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
        if loaded.plan_ids:
            analyze(eng)
    return InitResult(url=eng.url.render_as_string(hide_password=True), migrated_from=before, loaded=loaded)


#: Why the bundled plans are published as they are loaded (kept with each publication and audit record).
BUNDLED_PUBLICATION_REASON = "関西広域連合が公表済みの文書から読み込んだ事業計画のため"


def load_bundled_dataset(session: Session) -> ImportResult:
    """Store the bundled Kansai dataset in the caller's session; files already loaded are skipped.

    The bundled plans come from documents the union has made public: they are recorded as published (by
    keikaku itself, in the same transaction, audited).  Their evaluations stay drafts until published.
    """
    total = ImportResult()
    for _name, bundle in bundled_bundles():
        total.merge(import_plan_data(session, bundle, bundled=True))
    if total.plan_ids:
        years = session.execute(select(m.Plan.id, m.Plan.fiscal_year).where(m.Plan.id.in_(total.plan_ids))).all()
        publish_loaded_plans(session, SYSTEM, [(row.id, row.fiscal_year) for row in years], BUNDLED_PUBLICATION_REASON)
    return total
