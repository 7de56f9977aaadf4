"""The unit of work: one session, one transaction, committed once or rolled back whole; and the read session.

A read session only reads, and it refuses to write (:class:`ReadOnlySessionError`).  On PostgreSQL its
statements run in autocommit: under READ COMMITTED, PostgreSQL's default and keikaku's, each statement takes
its own snapshot inside a transaction as well, so a transaction around reads gains them nothing and costs two
round trips per request (``BEGIN`` and ``ROLLBACK``): a third of a plan page's time (issue 16).  SQLite's
driver opens no transaction for a read in the first place.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, Engine, event
from sqlalchemy.orm import ORMExecuteState, Session, sessionmaker

from keikaku.storage import derived  # noqa: F401  (registers the hook that versions derived data)
from keikaku.storage.engine import default_engine


@contextmanager
def unit_of_work(engine: Engine | None = None) -> Iterator[Session]:
    """Yield a session; commit when the block ends normally, roll back everything if it raises."""
    factory = sessionmaker(bind=engine or default_engine(), expire_on_commit=False)
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


class ReadOnlySessionError(RuntimeError):
    """A write was attempted in a read session (a programming error: writes go through :func:`unit_of_work`)."""


class ReadSession(Session):
    """The session :func:`read_session` yields: a flush of changes or an ORM insert, update or delete in it
    raises :class:`ReadOnlySessionError` (in autocommit it would otherwise be kept at once)."""


@event.listens_for(ReadSession, "before_flush")
def _refuse_flush(session: Session, _context: Any, _instances: Any) -> None:
    raise ReadOnlySessionError("読み取り専用のセッションでは書き込めません（unit_of_work を使ってください）")


@event.listens_for(ReadSession, "do_orm_execute")
def _refuse_dml(state: ORMExecuteState) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        raise ReadOnlySessionError("読み取り専用のセッションでは書き込めません（unit_of_work を使ってください）")


@contextmanager
def read_session(engine: Engine | Connection | None = None, *, streaming: bool = False) -> Iterator[Session]:
    """Yield a session for reading only (see the module); nothing is written.

    Closing the session hands its connection back to the pool (on SQLite after the rollback that ends the
    driver's transaction, if any; a ``rollback()`` before it would only roll back twice).  ``engine`` may be
    another read session's connection (``session.get_bind()``): its engine is used.  ``streaming``: the
    session reads in a transaction on PostgreSQL too, as a server-side cursor (``yield_per``) needs.
    """
    eng = (engine or default_engine()).engine
    if eng.dialect.name != "postgresql" or streaming:
        session = ReadSession(bind=eng, expire_on_commit=False)
        try:
            yield session
        finally:
            session.close()
        return
    with eng.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        session = ReadSession(bind=connection, expire_on_commit=False)
        try:
            yield session
        finally:
            session.close()


@contextmanager
def trial_session(engine: Engine | None = None) -> Iterator[Session]:
    """Yield a session whose writes are always rolled back: a dry run (the ingest's preview stores a parsed
    plan to compare it with the stored one, then forgets it)."""
    session = Session(bind=engine or default_engine(), expire_on_commit=False)
    try:
        yield session
    finally:
        session.rollback()
        session.close()


def hold_write_lock(session: Session) -> None:
    """Take the database's write lock before this transaction reads what it will change (SQLite).

    SQLite reads outside a write transaction until the first write, so two writers could both read a row,
    both pass a check on it and both write.  ``BEGIN IMMEDIATE`` makes the second wait here, and then read
    what the first committed.  Call it first in the session; on PostgreSQL lock the rows read with
    ``FOR UPDATE`` instead (this is a no-op there).
    """
    if session.get_bind().dialect.name == "sqlite":
        session.connection().exec_driver_sql("BEGIN IMMEDIATE")
