"""Building and keeping current the search index (``search_entries``) that :mod:`keikaku.services.search.query` reads.

What is indexed, and the tokens an entry carries, is :mod:`keikaku.services.search.entries`: the context
(vision, targets, challenges, themes, partner initiatives, documents) and every current plan with its
projects and components.  Both backends match the same character-pair tokens: FTS5 on SQLite (the indexer
writes a batch's full-text rows itself, see :func:`_insert_entries`), GIN on PostgreSQL.

The index follows the data lazily: :func:`sync_search_index` compares what is indexed with the current plans
and the context, and indexes what is missing.  A write to a plan drops that plan's entries in its own
transaction (:mod:`keikaku.storage.derived`), so the next search indexes it again with what it says now.  Entry ids encode
the order results of equal relevance are shown in: the context first, then the home issuer's plans, then other issuers', newest fiscal year first.
"""

from __future__ import annotations

import json
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Connection, Engine, delete, func, insert, or_, select
from sqlalchemy import text as sql_text
from sqlalchemy.exc import IntegrityError, OperationalError

from keikaku.services.core.db import checked_engine
from keikaku.services.core.home_issuer import home_issuer
from keikaku.services.publication.visibility import newest_published_revision, newest_revision
from keikaku.services.search.entries import context_docs, context_signature, entry_row, plan_docs
from keikaku.storage import derived
from keikaku.storage import models as m
from keikaku.storage import web_models as w
from keikaku.storage.base import utcnow
from keikaku.storage.in_lists import in_chunks
from keikaku.storage.uow import read_session, unit_of_work
from keikaku.storage.upsert import upsert

#: Bump when tokens or entry contents change: the whole index is rebuilt.
INDEX_FORMAT = "1"
#: Plans indexed per transaction.
BATCH_PLANS = 200
#: Plans a search request may index itself before answering; larger backlogs are left to ``keikaku serve``.
INLINE_PLANS = 200
#: Seconds a check that found the index current is trusted, per process.
CHECK_TTL = 2.0

_CLASS_CONTEXT, _CLASS_HOME, _CLASS_OTHER = 0, 1, 2
_CLASS_STEP = 10**17
_YEAR_STEP = 10**13
_PLAN_STEP = 10**4


def _plan_base_id(home: str | None, issuer: str | None, fiscal_year: int, plan_id: int) -> int:
    cls = _CLASS_HOME if home is not None and issuer == home else _CLASS_OTHER
    year = min(max(9999 - fiscal_year, 0), 9999)
    return cls * _CLASS_STEP + year * _YEAR_STEP + plan_id * _PLAN_STEP


# -- syncing ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class IndexStatus:
    """What a sync did and whether plans are still waiting to be indexed."""

    indexed_plans: int
    removed_plans: int
    pending_plans: int
    context_rebuilt: bool

    @property
    def complete(self) -> bool:
        """True when every current plan is indexed."""
        return self.pending_plans == 0


_locks: dict[str, threading.Lock] = defaultdict(threading.Lock)
#: Per engine URL: when a check found the index current, and this process's derived-data generation then.
_checked: dict[str, tuple[float, int]] = {}


def _trusted(key: str) -> bool:
    at, generation = _checked.get(key, (-CHECK_TTL, -1))
    return time.monotonic() - at < CHECK_TTL and generation == derived.local_generation()


def _indexed() -> ColumnElement[bool]:
    """The plans in the index: each year's newest revision (what staff read) and its newest published one
    (what the public reads while a later revision is a draft); the query keeps each viewer's own."""
    return or_(newest_revision(), newest_published_revision())


def _signature(conn: Connection) -> str:
    count, total = conn.execute(select(func.count(), func.coalesce(func.sum(m.Plan.id), 0)).where(_indexed())).one()
    return f"{count}:{total}|{context_signature(conn)}"


def _state(conn: Connection) -> dict[str, str]:
    rows = conn.execute(select(w.SearchIndexState.key, w.SearchIndexState.value))
    return {r.key: r.value for r in rows}


def _set_state(conn: Connection, key: str, value: str) -> None:
    # An upsert: two servers finishing a sync at once both write the signature (keikaku.storage.upsert).
    upsert(conn, w.SearchIndexState, [{"key": key, "value": value, "updated_at": utcnow()}], key="key")


#: SQLite: the full-text rows of the given entries, written in one statement (FTS5 flushes its pending
#: terms at every statement boundary, so a row at a time would write a segment per row).
_FTS_ROWS = sql_text(
    f"INSERT INTO {w.SEARCH_FTS}(rowid, title_terms, body_terms, facets) "
    "SELECT id, title_terms, body_terms, facets FROM search_entries WHERE id IN (SELECT value FROM json_each(:ids))"
)


def _insert_entries(conn: Connection, rows: list[dict[str, Any]]) -> None:
    """Insert entries; on SQLite also their full-text rows (migration 0020: no insert trigger does it)."""
    for start in range(0, len(rows), 2000):
        conn.execute(insert(w.SearchEntry), rows[start : start + 2000])
    if rows and conn.dialect.name == "sqlite":
        conn.execute(_FTS_ROWS, {"ids": json.dumps([row["id"] for row in rows])})


def _rebuild_context(conn: Connection) -> None:
    conn.execute(delete(w.SearchEntry).where(w.SearchEntry.plan_id.is_(None)))
    rows = [entry_row(doc, seq + 1) for seq, doc in enumerate(context_docs(conn))]
    _insert_entries(conn, rows)


def _index_plans(conn: Connection, plan_ids: Sequence[int], home: str | None) -> None:
    pl = m.Plan.__table__
    meta = {r.id: r for r in conn.execute(select(pl.c.id, pl.c.issuer, pl.c.fiscal_year).where(pl.c.id.in_(plan_ids)))}
    docs = plan_docs(conn, plan_ids)
    rows: list[dict[str, Any]] = []
    indexed: list[dict[str, Any]] = []
    now = utcnow()
    for plan_id in plan_ids:
        plan = meta[plan_id]
        base = _plan_base_id(home, plan.issuer, plan.fiscal_year, plan_id)
        entries = docs[plan_id][: _PLAN_STEP - 1]
        rows.extend(entry_row(doc, base + seq) for seq, doc in enumerate(entries))
        indexed.append({"plan_id": plan_id, "entries": len(entries), "indexed_at": now})
    _insert_entries(conn, rows)
    conn.execute(insert(w.SearchIndexedPlan), indexed)


def _remove_plans(conn: Connection, plan_ids: Iterable[int]) -> int:
    ids = list(plan_ids)
    for chunk in in_chunks(ids):
        conn.execute(delete(w.SearchEntry).where(w.SearchEntry.plan_id.in_(chunk)))
        conn.execute(delete(w.SearchIndexedPlan).where(w.SearchIndexedPlan.plan_id.in_(chunk)))
    return len(ids)


#: Called with (plans indexed, plans to index) after each batch of a sync.
Progress = Callable[[int, int], None]


def _sync(engine: Engine, limit: int | None, progress: Progress | None = None) -> IndexStatus:
    removed = indexed = 0
    rebuilt = False
    with unit_of_work(engine) as session:
        conn = session.connection()
        state = _state(conn)
        home = home_issuer(session)
        if state.get("format") != INDEX_FORMAT or state.get("home", "") != (home or ""):
            conn.execute(delete(w.SearchEntry))
            conn.execute(delete(w.SearchIndexedPlan))
            _set_state(conn, "format", INDEX_FORMAT)
            _set_state(conn, "home", home or "")
            state.pop("context", None)
        context = context_signature(conn)
        if state.get("context") != context:
            _rebuild_context(conn)
            _set_state(conn, "context", context)
            rebuilt = True
        current = set(conn.scalars(select(m.Plan.id).where(_indexed())))
        done = set(conn.scalars(select(w.SearchIndexedPlan.plan_id)))
        removed = _remove_plans(conn, sorted(done - current))
        missing = sorted(current - done, key=lambda x: -x)
        todo = missing if limit is None else missing[:limit]
        if progress is not None:
            progress(0, len(todo))
        for start in range(0, len(todo), BATCH_PLANS):
            _index_plans(session.connection(), todo[start : start + BATCH_PLANS], home)
            indexed += len(todo[start : start + BATCH_PLANS])
            if progress is not None:
                progress(indexed, len(todo))
            if limit is None and start + BATCH_PLANS < len(todo):
                session.commit()  # a national rebuild commits per batch so that progress survives interruption
        pending = len(missing) - indexed
        if pending == 0:
            conn = session.connection()
            _set_state(conn, "signature", _signature(conn))
    return IndexStatus(indexed, removed, pending, rebuilt)


def sync_search_index(
    *, limit: int | None = None, wait: bool = True, progress: Progress | None = None, engine: Engine | None = None
) -> IndexStatus:
    """Bring the search index up to date with the current plans and context (``limit``: plans at most).

    Cheap when nothing changed (one signature query, and none at all within :data:`CHECK_TTL` seconds of
    a check that found the index current).  Safe to run from several processes at once: a process that
    loses the race leaves the work to the winner.  With ``wait`` False a sync already running in this
    process (a server's background build) is not waited for: the index is reported incomplete.
    ``progress`` is told how many plans are done after each batch (``keikaku init`` and ``synth`` show it).
    """
    eng = checked_engine(engine)
    key = eng.url.render_as_string(hide_password=True)
    if _trusted(key):
        return IndexStatus(0, 0, 0, False)
    generation = derived.local_generation()
    with read_session(eng) as session:
        conn = session.connection()
        if _state(conn).get("signature") == _signature(conn):
            _checked[key] = (time.monotonic(), generation)
            return IndexStatus(0, 0, 0, False)
    lock = _locks[key]
    if not lock.acquire(blocking=wait):
        return IndexStatus(0, 0, 1, False)  # being built by this process: incomplete until it is done
    try:
        status = _sync(eng, limit, progress)
    except (IntegrityError, OperationalError):
        # Another process indexed the same plans meanwhile; its work stands.
        return IndexStatus(0, 0, 0, False)
    finally:
        lock.release()
    if status.complete:
        _checked[key] = (time.monotonic(), generation)
    return status


def forget_checks() -> None:
    """Forget cached index checks (tests that change data under a running app call this)."""
    _checked.clear()
