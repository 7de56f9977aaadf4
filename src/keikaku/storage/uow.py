"""The unit of work: one session, one transaction, committed once or rolled back whole."""

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

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


@contextmanager
def read_session(engine: Engine | None = None) -> Iterator[Session]:
    """Yield a session for reading only; nothing is committed.

    Closing the session ends its transaction with a rollback and hands its connection back to the pool; a
    ``rollback()`` before it would only roll back twice (a quarter of the cost of a page's session).
    """
    session = Session(bind=engine or default_engine(), expire_on_commit=False)
    try:
        yield session
    finally:
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
