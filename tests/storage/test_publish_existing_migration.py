"""Upgrading a database stored before publication states keeps its plans public (migration 0007)."""

from sqlalchemy import Engine, select, text

from keikaku.services.exchange.bundle import bundled_bundles, import_plan_data
from keikaku.storage import models as m
from keikaku.storage.accounts import AuditEntry, Publication
from keikaku.storage.engine import make_engine
from keikaku.storage.migrate import _config, upgrade
from keikaku.storage.uow import read_session, unit_of_work


def _upgrade_to(engine: Engine, revision: str) -> None:
    from alembic import command

    cfg = _config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


#: Columns that later migrations add to tables of 0006, which today's models write when they load data.
LATER_COLUMNS = {"events": [("theme", "VARCHAR(400)")]}


def test_plans_stored_before_publication_states_stay_public(database_url: str) -> None:
    engine = make_engine(database_url)
    _upgrade_to(engine, "0006_plan_issuer_index")
    with engine.begin() as conn:  # today's models load the data: give them their later columns for a moment
        for table, columns in LATER_COLUMNS.items():
            for name, kind in columns:
                conn.execute(text(f"ALTER TABLE {table} ADD COLUMN {name} {kind}"))
    with unit_of_work(engine) as session:  # a load of that time: no publication rows
        for _name, bundle in bundled_bundles():
            import_plan_data(session, bundle, bundled=True)
    with engine.begin() as conn:  # and take them away again: the database is as 0006 left it
        for table, columns in LATER_COLUMNS.items():
            for name, _kind in columns:
                conn.execute(text(f"ALTER TABLE {table} DROP COLUMN {name}"))
    with read_session(engine) as session:
        plan_ids = sorted(session.scalars(select(m.Plan.id)))
        assert plan_ids and session.scalars(select(Publication.id)).all() == []
    upgrade(engine)
    with read_session(engine) as session:
        rows = session.execute(select(Publication.object_id, Publication.state, Publication.changed_by)).all()
        assert sorted(r.object_id for r in rows) == plan_ids
        assert {(r.state, r.changed_by) for r in rows} == {("published", "system")}
        (entry,) = session.scalars(select(AuditEntry).where(AuditEntry.action == "plan.publish_existing"))
        assert entry.after == {"plan_ids": plan_ids}
    upgrade(engine)  # nothing left to do: no second row
    with read_session(engine) as session:
        assert len(session.scalars(select(Publication.id)).all()) == len(plan_ids)
    engine.dispose()
