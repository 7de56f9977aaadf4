"""A schema check cheap enough for every web request.

:func:`keikaku.services.setup.ensure_schema` reads the migration scripts each time it is called (tens of
milliseconds); a page that needs several services would spend most of its time there.  The pages check once
and trust the result for a few seconds, which still notices a database migrated or replaced under a running
server.
"""

import threading
import time

from sqlalchemy import Engine

from keikaku.services.setup import ensure_schema, resolve_engine

#: Seconds a successful check is trusted.
TTL = 5.0

_checked: dict[int, float] = {}
_lock = threading.Lock()


def checked_engine(engine: Engine | None = None) -> Engine:
    """The engine, after :func:`ensure_schema` succeeded on it within the last :data:`TTL` seconds."""
    eng = resolve_engine(engine)
    key = id(eng)
    now = time.monotonic()
    if now - _checked.get(key, -TTL) < TTL:
        return eng
    ensure_schema(eng)
    with _lock:
        _checked[key] = now
    return eng


def forget() -> None:
    """Forget every check (for tests that migrate or replace a database)."""
    with _lock:
        _checked.clear()
