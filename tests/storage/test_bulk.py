"""Bulk inserts of plain rows (COPY on PostgreSQL, executemany elsewhere): the values read back as the ORM
would have stored them, inside the caller's transaction (a rollback leaves nothing)."""

import datetime as dt

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from keikaku.services.communications.analytics import add_property
from keikaku.services.core.actors import SYSTEM
from keikaku.storage import communications as store
from keikaku.storage.bulk import insert_rows, sa_table
from keikaku.storage.uow import read_session, unit_of_work

COLUMNS = ("import_id", "property_id", "page_path", "day", "views", "sessions", "users")


def _import(session: Session, property_id: int) -> int:
    row = store.WebImport(
        property_id=property_id,
        source="ga4",
        period_start=dt.date(2026, 5, 1),
        period_end=dt.date(2026, 5, 31),
        dated_rows=True,
        filename="f.csv",
        sha256="0" * 64,
        raw=b"",
        rows=3,
        views=0,
        imported_by="test",
        imported_at=dt.datetime.now(dt.UTC),
    )
    session.add(row)
    session.flush()
    return row.id


def test_rows_are_stored_as_given_and_roll_back_with_the_transaction(engine: Engine) -> None:
    prop = add_property("bulk", "一括", "広報課", actor=SYSTEM, engine=engine)
    rows = [
        ("/", dt.date(2026, 5, 1), 3, None, 1),
        ("/ページ/「引用」,カンマ\t", dt.date(2026, 5, 31), 0, 7, None),
        ("\\back\\slash\nline", dt.date(1, 1, 1), 2**31 - 1, 0, 0),
    ]
    with unit_of_work(engine) as session:
        import_id = _import(session, prop.id)
        insert_rows(session.connection(), sa_table(store.WebMetric), COLUMNS, ((import_id, prop.id, *r) for r in rows))
    with read_session(engine) as session:
        stored = session.execute(
            select(store.WebMetric.page_path, store.WebMetric.day, store.WebMetric.views)
            .add_columns(store.WebMetric.sessions, store.WebMetric.users)
            .order_by(store.WebMetric.id)
        ).all()
    assert [tuple(r) for r in stored] == rows

    with pytest.raises(RuntimeError), unit_of_work(engine) as session:
        import_id = _import(session, prop.id)
        insert_rows(session.connection(), sa_table(store.WebMetric), COLUMNS, [(import_id, prop.id, *rows[0])])
        raise RuntimeError("rolled back")
    with read_session(engine) as session:
        assert len(session.scalars(select(store.WebMetric.id)).all()) == 3


def test_an_unknown_column_is_refused(engine: Engine) -> None:
    with unit_of_work(engine) as session, pytest.raises(ValueError, match="no column"):
        insert_rows(session.connection(), sa_table(store.WebMetric), ("views; DROP TABLE x",), [(1,)])
