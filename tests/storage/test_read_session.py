"""The read session: it refuses to write, and on PostgreSQL it reads in autocommit without leaving the pooled
connection so (a unit of work on the same connection afterwards is still one transaction)."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, func, select, update
from sqlalchemy.exc import IntegrityError

from keikaku.storage import models as m
from keikaku.storage.uow import ReadOnlySessionError, read_session, trial_session, unit_of_work


def _departments(engine: Engine) -> list[str]:
    with read_session(engine) as session:
        return list(session.scalars(select(m.Department.name).order_by(m.Department.name)))


def test_a_read_session_refuses_a_flush_and_an_orm_update(engine: Engine) -> None:
    with unit_of_work(engine) as session:
        session.add(m.Department(name="産業振興課"))
    with read_session(engine) as session, pytest.raises(ReadOnlySessionError):
        session.add(m.Department(name="書かれない課"))
        session.flush()
    with read_session(engine) as session, pytest.raises(ReadOnlySessionError):
        session.execute(update(m.Department).values(name="書き換えられない課"))
    assert _departments(engine) == ["産業振興課"]


def test_reads_see_what_was_committed_and_the_unit_of_work_after_them_is_still_one_transaction(
    engine: Engine,
) -> None:
    """One pooled connection: read, then a unit of work that fails half-way, then read again."""
    engine.pool.dispose()
    with unit_of_work(engine) as session:
        session.add(m.Department(name="産業振興課"))
    assert _departments(engine) == ["産業振興課"]
    with read_session(engine) as session:
        options = session.connection().get_execution_options()
    assert options.get("isolation_level") == ("AUTOCOMMIT" if engine.dialect.name == "postgresql" else None)
    with pytest.raises(IntegrityError), unit_of_work(engine) as session:
        session.add(m.Department(name="国際課"))
        session.flush()
        session.add(m.Department(name="産業振興課"))  # unique name: the whole unit of work is rolled back
        session.flush()
    assert _departments(engine) == ["産業振興課"]
    with unit_of_work(engine) as session:
        if engine.dialect.name == "postgresql":  # the driver's own flag: back to transactions on checkin
            assert session.connection().connection.dbapi_connection.autocommit is False  # type: ignore[union-attr]
        assert session.scalar(select(func.count()).select_from(m.Department)) == 1


def test_a_nested_read_session_takes_the_outer_sessions_bind(engine: Engine) -> None:
    """``read_session(session.get_bind())`` inside a read session (the evaluation does so) works on both."""
    with read_session(engine) as outer, read_session(outer.get_bind()) as inner:
        assert inner.scalar(select(func.count()).select_from(m.Department)) == 0


def test_a_trial_sessions_writes_are_forgotten(engine: Engine) -> None:
    """The dry run the ingest's preview makes: what it flushes is seen inside it, and rolled back after."""
    with trial_session(engine) as session:
        session.add(m.Department(name="試しの課"))
        session.flush()
        assert session.scalar(select(func.count()).select_from(m.Department)) == 1
    assert _departments(engine) == []


def test_a_streaming_read_session_reads_through_a_server_side_cursor(engine: Engine) -> None:
    with unit_of_work(engine) as session:
        session.add_all([m.Department(name=f"課{i:02d}") for i in range(30)])
    with read_session(engine, streaming=True) as session:
        stmt = select(m.Department.name).order_by(m.Department.name).execution_options(yield_per=7)
        assert [name for name in session.scalars(stmt)] == [f"課{i:02d}" for i in range(30)]
