"""Values kept per process while the derived-data tokens they were computed under are still current.

The house's invalidation rule (:mod:`keikaku.storage.derived`) gives a scope a new random token in the same
transaction as every write that changes what the scope covers.  A value computed from such data can be kept
in this process under ``(database, key)`` together with the tokens read *before* computing it; a later read
that finds the same tokens gets the kept value, and any new token (written by this process or another) makes
it compute again.  A value whose tokens were all never written is not kept: nothing would tell when it
changes.  The tokens must be read in the same read transaction as the data, before it, and never in a session
that has written (its own writes are not yet tokens anyone else sees).

Used by the context a page cites (:mod:`keikaku.services.plans.context_cache`) and by the plans a search
hides (:mod:`keikaku.services.search.query`).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar, cast

T = TypeVar("T")
#: Values kept (per database, key and tokens): a few dozen in practice.
CACHE_SIZE = 256

_cache: OrderedDict[tuple[Hashable, ...], tuple[tuple[str | None, ...], Any]] = OrderedDict()
_lock = threading.Lock()


def cached(key: tuple[Hashable, ...], tokens: tuple[str | None, ...], build: Callable[[], T]) -> T:
    """The value kept under ``key`` if it was computed under ``tokens``; else ``build()``, kept under them.

    ``key`` must name the database (its URL) as well as the value.  The value is shared: never mutate it."""
    if all(token is None for token in tokens):
        return build()
    with _lock:
        hit = _cache.get(key)
        if hit is not None and hit[0] == tokens:
            _cache.move_to_end(key)
            return cast(T, hit[1])
    value = build()
    with _lock:
        _cache[key] = (tokens, value)
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return value


def forget() -> None:
    """Drop every kept value (tests that replace a database)."""
    with _lock:
        _cache.clear()
