"""What a long-running server needs from the database layer: an engine whose pool fits its thread pool.

The default engine keeps 5 connections (and 10 more on demand), which a web server answering tens of
requests at once exhausts: requests then wait for a connection instead of for the database.
"""

from sqlalchemy import Engine

from keikaku.services.errors import DatabaseError
from keikaku.storage.engine import DatabaseConfigError, database_url, make_engine

#: AnyIO runs at most 40 synchronous endpoints at once; each holds at most one connection.
POOL_SIZE = 40


def server_engine(url: str | None = None, *, pool_size: int = POOL_SIZE) -> Engine:
    """An engine for the configured database (or ``url``) with ``pool_size`` pooled connections."""
    try:
        resolved = database_url(url)
    except DatabaseConfigError as exc:
        raise DatabaseError(str(exc), code="database_url_invalid") from exc
    return make_engine(resolved, pool_size=pool_size, max_overflow=10, pool_timeout=30, pool_pre_ping=True)
