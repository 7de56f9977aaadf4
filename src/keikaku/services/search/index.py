"""Building and keeping current the search index (``search_entries``) that :mod:`keikaku.services.search.query` reads.

What is indexed: the vision, its numeric targets and challenges, the action plan's themes, partner
initiatives and source documents (the "context"), and every current plan with its projects and components
(a project's entry carries its KPIs, events and departments, so a search for a KPI finds its project).

How: text is folded with :func:`keikaku.normalize.text.fold_for_search` (width, kana, case, long-vowel
marks…), cut into runs of letters and digits, and each run into overlapping character pairs plus its last
character (``水素エネルギー`` → ``水素 素え えね ねる るぎ ぎ``).  A query is cut the same way and matched as
consecutive pairs, so two-character words (水素, 電池) match, and so does any longer string, on SQLite (FTS5)
and PostgreSQL (GIN) alike — neither backend's own word splitting, nor a trigram tokenizer, is involved.

The index follows the data lazily: :func:`sync_search_index` compares what is indexed with the current plans
and the context, and indexes what is missing.  A write to a plan drops that plan's entries in its own
transaction (:mod:`keikaku.storage.derived`), so the next search indexes it again with what it says now.  Entry ids encode the order results of equal relevance are
shown in: the context first, then the home issuer's plans, then other issuers', newest fiscal year first.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Connection, Engine, delete, func, insert, or_, select
from sqlalchemy import text as sql_text
from sqlalchemy.exc import IntegrityError, OperationalError

from keikaku.normalize.eras import format_fiscal_year
from keikaku.normalize.text import fold_for_search
from keikaku.services.core.db import checked_engine
from keikaku.services.core.home_issuer import home_issuer
from keikaku.services.publication.visibility import newest_published_revision, newest_revision
from keikaku.storage import derived
from keikaku.storage import models as m
from keikaku.storage import web_models as w
from keikaku.storage.base import utcnow
from keikaku.storage.uow import read_session, unit_of_work

#: Bump when tokens or entry contents change: the whole index is rebuilt.
INDEX_FORMAT = "1"
#: Plans indexed per transaction.
BATCH_PLANS = 200
#: Plans a search request may index itself before answering; larger backlogs are left to ``keikaku serve``.
INLINE_PLANS = 200
#: Seconds a check that found the index current is trusted, per process.
CHECK_TTL = 2.0
MAX_BODY = 4000

_CLASS_CONTEXT, _CLASS_HOME, _CLASS_OTHER = 0, 1, 2
_CLASS_STEP = 10**17
_YEAR_STEP = 10**13
_PLAN_STEP = 10**4


#: A run of letters and digits: Unicode categories L* and N*, and private-use characters (Co).
_WORD_RUN = re.compile(r"(?:[^\W_]|[\ue000-\uf8ff\U000f0000-\U000ffffd\U00100000-\U0010fffd])+")


def word_runs(text: str) -> list[str]:
    """The runs of letters and digits of a folded text (everything else separates runs)."""
    return _WORD_RUN.findall(text)


def pairs(run: str) -> list[str]:
    """The overlapping character pairs of a run (a single character stays as it is)."""
    if len(run) < 2:
        return [run] if run else []
    return [run[i : i + 2] for i in range(len(run) - 1)]


def terms_of(text: str) -> str:
    """The index tokens of a text: for each folded run its pairs and its last character, space-separated."""
    return _terms_of_folded(fold_for_search(text[:MAX_BODY]))


def _terms_of_folded(folded: str) -> str:
    tokens: list[str] = []
    for run in word_runs(folded):
        tokens.extend(pairs(run))
        if len(run) > 1:
            tokens.append(run[-1])
    return " ".join(tokens)


@dataclass
class IndexDoc:
    """One thing to index, before it becomes a row."""

    kind: str
    ref_id: int
    title: str
    body: str
    context: str | None = None
    plan_id: int | None = None
    fiscal_year: int | None = None
    issuer: str | None = None
    challenge: int | None = None


def _row(doc: IndexDoc, entry_id: int) -> dict[str, Any]:
    title = (doc.title or "").strip()[:400] or "—"
    body = doc.body.strip()[:MAX_BODY]
    folded_title = fold_for_search(title)
    folded_body = fold_for_search(body)
    facets = [f"k{doc.kind}"]
    if doc.fiscal_year is not None:
        facets.append(f"fy{doc.fiscal_year}")
    if doc.challenge is not None:
        facets.append(f"ch{doc.challenge}")
    return {
        "id": entry_id,
        "kind": doc.kind,
        "ref_id": doc.ref_id,
        "plan_id": doc.plan_id,
        "fiscal_year": doc.fiscal_year,
        "issuer": doc.issuer,
        "challenge": doc.challenge,
        "title": title,
        "context": (doc.context or None) and doc.context[:400],
        "body": body,
        "folded_title": folded_title,
        "folded": folded_title + "\n" + folded_body,
        "title_terms": _terms_of_folded(folded_title),
        "body_terms": _terms_of_folded(folded_body),
        "facets": " ".join(facets),
    }


def _join(*parts: object) -> str:
    return "\n".join(str(p) for p in parts if p not in (None, ""))


# -- the context: vision, challenges, themes, initiatives, documents ----------------------------------------


def _context_docs(conn: Connection) -> list[IndexDoc]:
    docs: list[IndexDoc] = []
    vision = conn.execute(select(m.Vision.__table__).where(m.Vision.is_current.is_(True))).first()
    if vision is not None:
        docs.append(
            IndexDoc(
                "vision",
                vision.id,
                vision.title or "ビジョン",
                _join(*(vision.future_images or []), *(vision.values or []), *(vision.economic_area or [])),
            )
        )
        k = m.Kpi.__table__
        for kpi in conn.execute(select(k).where(k.c.vision_id == vision.id).order_by(k.c.position)):
            docs.append(IndexDoc("target", kpi.id, kpi.indicator, _join(kpi.text), context=vision.title))
        c, a = m.Challenge.__table__, m.Aim.__table__
        aims: dict[int, list[str]] = defaultdict(list)
        for aim in conn.execute(select(a).join(c, c.c.id == a.c.challenge_id).where(c.c.vision_id == vision.id)):
            aims[aim.challenge_id].append(f"{aim.key}: {aim.text}")
        for ch in conn.execute(select(c).where(c.c.vision_id == vision.id).order_by(c.c.number)):
            docs.append(
                IndexDoc(
                    "challenge",
                    ch.id,
                    f"関西チャレンジ{ch.number}「{ch.name}」",
                    _join(ch.aspiration, ch.goal, *aims[ch.id]),
                    context=vision.title,
                    challenge=ch.number,
                )
            )
    t, te, ap = m.Theme.__table__, m.ThemeEntry.__table__, m.ActionPlan.__table__
    current_plan = select(ap.c.id).where(ap.c.is_current.is_(True)).scalar_subquery()
    entries: dict[int, list[str]] = defaultdict(list)
    for entry in conn.execute(select(te).join(t, t.c.id == te.c.theme_id).where(t.c.action_plan_id == current_plan)):
        entries[entry.theme_id].append(_join(entry.theme_of_period, *(entry.actions or [])))
    for theme in conn.execute(select(t).where(t.c.action_plan_id == current_plan).order_by(t.c.position)):
        docs.append(IndexDoc("theme", theme.id, theme.name, _join(theme.desired_state, *entries[theme.id])))
    i, pp, k = m.Initiative.__table__, m.PartnerProgramme.__table__, m.Kpi.__table__
    targets: dict[int, list[str]] = defaultdict(list)
    for kpi in conn.execute(
        select(k.c.initiative_id, k.c.indicator, k.c.text)
        .join(i, i.c.id == k.c.initiative_id)
        .join(pp, pp.c.id == i.c.programme_id)
        .where(pp.c.is_current.is_(True))
    ):
        targets[kpi.initiative_id].append(_join(kpi.indicator, kpi.text))
    for ini in conn.execute(
        select(i, pp.c.title.label("programme_title"), pp.c.issuer.label("programme_issuer"), pp.c.fiscal_year)
        .join(pp, pp.c.id == i.c.programme_id)
        .where(pp.c.is_current.is_(True))
        .order_by(pp.c.id, i.c.position)
    ):
        docs.append(
            IndexDoc(
                "initiative",
                ini.id,
                ini.name,
                _join(ini.parent_name, ini.priority_area, ini.department, ini.programme_issuer, *targets[ini.id]),
                context=ini.programme_title or ini.programme_issuer,
                fiscal_year=ini.fiscal_year,
            )
        )
    d = m.Document.__table__
    for doc in conn.execute(select(d.c.id, d.c.key, d.c.title, d.c.issuer, d.c.fiscal_year).order_by(d.c.id)):
        docs.append(IndexDoc("document", doc.id, doc.title or doc.key, _join(doc.issuer, doc.key), doc.issuer))
    return docs


def _context_signature(conn: Connection) -> str:
    parts = []
    for table in (m.Vision, m.ActionPlan, m.PartnerProgramme):
        ids = conn.scalars(select(table.id).where(table.is_current.is_(True)).order_by(table.id)).all()
        parts.append(",".join(str(x) for x in ids))
    docs = conn.execute(select(func.count(), func.max(m.Document.id))).one()
    parts.append(f"{docs[0]}:{docs[1]}")
    parts.append(derived.token(conn, derived.CONTEXT) or "")
    return "|".join(parts)


# -- plans --------------------------------------------------------------------------------------------------


def _plan_docs(conn: Connection, plan_ids: Sequence[int]) -> dict[int, list[IndexDoc]]:
    """Entries of each plan: the plan itself, then its projects with their components right after them."""
    pl, p, k, e = m.Plan.__table__, m.Project.__table__, m.Kpi.__table__, m.Event.__table__
    pd, dep = m.ProjectDepartment.__table__, m.Department.__table__
    plans = {r.id: r for r in conn.execute(select(pl).where(pl.c.id.in_(plan_ids)))}
    projects = conn.execute(
        select(p.c.id, p.c.plan_id, p.c.parent_id, p.c.position, p.c.code, p.c.name, p.c.title, p.c.summary)
        .add_columns(p.c.field, p.c.challenge)
        .where(p.c.plan_id.in_(plan_ids))
        .order_by(p.c.plan_id, p.c.position, p.c.id)
    ).all()
    texts: dict[int, list[str]] = defaultdict(list)
    for r in conn.execute(
        select(k.c.project_id, k.c.indicator, k.c.text)
        .join(p, p.c.id == k.c.project_id)
        .where(p.c.plan_id.in_(plan_ids), k.c.role == "target")
        .order_by(k.c.project_id, k.c.position)
    ):
        texts[r.project_id].append(r.text or r.indicator)
    for ev in conn.execute(
        select(e.c.project_id, e.c.name, e.c.venue, e.c.theme)
        .join(p, p.c.id == e.c.project_id)
        .where(p.c.plan_id.in_(plan_ids))
    ):
        texts[ev.project_id].append(_join(ev.name, ev.theme, ev.venue))
    departments: dict[int, list[str]] = defaultdict(list)
    for link in conn.execute(
        select(pd.c.project_id, dep.c.name)
        .join(dep, dep.c.id == pd.c.department_id)
        .join(p, p.c.id == pd.c.project_id)
        .where(p.c.plan_id.in_(plan_ids))
        .order_by(pd.c.project_id, pd.c.position)
    ):
        departments[link.project_id].append(link.name)
    children: dict[int, list[Any]] = defaultdict(list)
    top_level: dict[int, list[Any]] = defaultdict(list)
    for r in projects:
        if r.parent_id is not None:
            children[r.parent_id].append(r)
        else:
            top_level[r.plan_id].append(r)
    out: dict[int, list[IndexDoc]] = {}
    for plan_id in plan_ids:
        plan = plans[plan_id]
        year_label = f"{format_fiscal_year(plan.fiscal_year)}（{plan.fiscal_year}年度）"
        docs = [
            IndexDoc(
                "plan",
                plan.id,
                plan.title or f"{year_label} 事業計画",
                _join(plan.issuer, year_label),
                context=plan.issuer,
                plan_id=plan.id,
                fiscal_year=plan.fiscal_year,
                issuer=plan.issuer,
            )
        ]
        out[plan_id] = docs
        context = f"{plan.fiscal_year}年度 {plan.issuer}"
        for r in top_level[plan_id]:
            kids = children.get(r.id, [])
            docs.append(
                IndexDoc(
                    "project",
                    r.id,
                    r.name,
                    _join(
                        r.title,
                        r.summary,
                        r.field,
                        *departments[r.id],
                        *(c.name for c in kids),
                        *texts[r.id],
                    ),
                    context=context,
                    plan_id=plan_id,
                    fiscal_year=plan.fiscal_year,
                    issuer=plan.issuer,
                    challenge=r.challenge,
                )
            )
            for c in kids:
                docs.append(
                    IndexDoc(
                        "component",
                        c.id,
                        c.name,
                        _join(c.summary, *departments[c.id], *texts[c.id]),
                        context=f"{context} {r.name}",
                        plan_id=plan_id,
                        fiscal_year=plan.fiscal_year,
                        issuer=plan.issuer,
                        challenge=r.challenge,
                    )
                )
    return out


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
    return f"{count}:{total}|{_context_signature(conn)}"


def _state(conn: Connection) -> dict[str, str]:
    rows = conn.execute(select(w.SearchIndexState.key, w.SearchIndexState.value))
    return {r.key: r.value for r in rows}


def _set_state(conn: Connection, key: str, value: str) -> None:
    conn.execute(delete(w.SearchIndexState).where(w.SearchIndexState.key == key))
    conn.execute(insert(w.SearchIndexState).values(key=key, value=value, updated_at=utcnow()))


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
    rows = [_row(doc, seq + 1) for seq, doc in enumerate(_context_docs(conn))]
    _insert_entries(conn, rows)


def _index_plans(conn: Connection, plan_ids: Sequence[int], home: str | None) -> None:
    pl = m.Plan.__table__
    meta = {r.id: r for r in conn.execute(select(pl.c.id, pl.c.issuer, pl.c.fiscal_year).where(pl.c.id.in_(plan_ids)))}
    docs = _plan_docs(conn, plan_ids)
    rows: list[dict[str, Any]] = []
    indexed: list[dict[str, Any]] = []
    now = utcnow()
    for plan_id in plan_ids:
        plan = meta[plan_id]
        base = _plan_base_id(home, plan.issuer, plan.fiscal_year, plan_id)
        plan_docs = docs[plan_id][: _PLAN_STEP - 1]
        rows.extend(_row(doc, base + seq) for seq, doc in enumerate(plan_docs))
        indexed.append({"plan_id": plan_id, "entries": len(plan_docs), "indexed_at": now})
    _insert_entries(conn, rows)
    conn.execute(insert(w.SearchIndexedPlan), indexed)


def _remove_plans(conn: Connection, plan_ids: Iterable[int]) -> int:
    ids = list(plan_ids)
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
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
        context = _context_signature(conn)
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
