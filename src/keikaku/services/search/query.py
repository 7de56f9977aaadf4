"""Search across everything: ranked results for a query, on SQLite (FTS5) and PostgreSQL (GIN) alike.

Ranking, best first: entries whose title contains every word of the query, then entries that contain
them anywhere; within each, the vision, challenges, themes and partner initiatives, then the home issuer's
plans and projects, then other issuers', newest fiscal year first (the order of entry ids, see
:mod:`keikaku.services.search.index`).  Because both tiers are read in id order, a page of results never
needs every match scored, so a two-character word that matches a hundred thousand projects is as quick as
a rare one; the count shown stops at :data:`COUNT_CAP`.

A query is folded like the index (full-width/half-width, katakana/hiragana, case, long-vowel marks) and
cut into words at spaces and punctuation; every word must match.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from functools import lru_cache

from sqlalchemy import (
    ColumnElement,
    Connection,
    Dialect,
    Engine,
    Integer,
    TextClause,
    and_,
    bindparam,
    column,
    literal_column,
    not_,
    select,
    text,
)
from sqlalchemy.orm import Session

from keikaku.normalize.text import fold_for_search, normalize_text
from keikaku.services.core import token_cache
from keikaku.services.core.actors import Actor
from keikaku.services.core.db import checked_engine
from keikaku.services.core.errors import ValidationError
from keikaku.services.core.paging import page_count
from keikaku.services.publication.visibility import (
    Visibility,
    current_revision,
    newest_published_revision,
    visibility_for,
)
from keikaku.services.search.entries import pairs, word_runs
from keikaku.services.search.index import INLINE_PLANS, sync_search_index
from keikaku.services.search.marks import Segment, body_snippet, mark
from keikaku.storage import derived
from keikaku.storage import models as m
from keikaku.storage import web_models as w
from keikaku.storage.prepared import Prepared
from keikaku.storage.uow import read_session

MAX_QUERY = 200
MAX_WORDS = 8
MAX_PER_PAGE = 100
#: Matches are counted up to this many; beyond it the page says "more than".
COUNT_CAP = 1000


class SearchKind(StrEnum):
    """What a search result is."""

    VISION = "vision"
    TARGET = "target"
    CHALLENGE = "challenge"
    THEME = "theme"
    INITIATIVE = "initiative"
    DOCUMENT = "document"
    PLAN = "plan"
    PROJECT = "project"
    COMPONENT = "component"


@dataclass(frozen=True)
class SearchHit:
    """One result: what it is, its id in its own table, and its text with the matches marked."""

    kind: SearchKind
    ref_id: int
    title: str
    title_segments: list[Segment]
    snippet: list[Segment]
    context: str | None
    fiscal_year: int | None
    issuer: str | None
    in_title: bool


@dataclass
class SearchResults:
    """A page of results, the number of matches (up to :data:`COUNT_CAP`) and whether that is capped."""

    query: str
    words: list[str]
    hits: list[SearchHit] = field(default_factory=list)
    total: int = 0
    total_capped: bool = False
    page: int = 1
    per_page: int = 20
    index_complete: bool = True

    @property
    def pages(self) -> int:
        """Number of pages of the counted matches."""
        return page_count(self.total, self.per_page)


def query_words(query: str) -> list[str]:
    """The folded words of a query (at most :data:`MAX_WORDS`, duplicates removed, order kept)."""
    words: list[str] = []
    for part in normalize_text(query).split():
        for run in word_runs(fold_for_search(part)):
            if run not in words:
                words.append(run)
    return words[:MAX_WORDS]


def _check(query: str, page: int, per_page: int) -> str:
    text_ = normalize_text(query or "").strip()
    if len(text_) > MAX_QUERY:
        raise ValidationError(f"検索語が長すぎます（{MAX_QUERY}文字まで）", code="query_too_long")
    if page < 1:
        raise ValidationError("ページは 1 以上で指定してください", code="invalid_page")
    if not 1 <= per_page <= MAX_PER_PAGE:
        raise ValidationError(f"1ページの件数は 1〜{MAX_PER_PAGE} で指定してください", code="invalid_per_page")
    return text_


# -- SQLite: FTS5 ---------------------------------------------------------------------------------------------


def _fts_phrase(word: str) -> str:
    if len(word) == 1:
        return f'"{word}"*'
    return '"' + " ".join(pairs(word)) + '"'


def _fts_queries(words: list[str], facets: list[str]) -> tuple[str, str]:
    every = " AND ".join(_fts_phrase(w) for w in words)
    in_title = f"{{title_terms}}: ({every})"
    anywhere = f"{{title_terms body_terms}}: ({every})"
    facet = f" AND {{facets}}: ({' AND '.join(facets)})" if facets else ""
    return in_title + facet, f"({anywhere} NOT {in_title}){facet}"


@lru_cache(maxsize=64)
def _sqlite_statements(hidden: str | None) -> tuple[Prepared, Prepared]:
    """The count and the page of one tier; ``hidden`` (a viewer's condition on ``search_entries``, see
    :func:`_hidden_sql`) leaves the entries of hidden plans and documents out."""
    found = "SELECT rowid FROM search_fts WHERE search_fts MATCH :q"
    if hidden is not None:
        # A correlated check keeps the full-text table the only one scanned, so rowid order needs no sort.
        found += (
            f" AND NOT EXISTS (SELECT 1 FROM search_entries WHERE search_entries.id = search_fts.rowid AND ({hidden}))"
        )
    return (
        Prepared(text(f"SELECT count(*) AS n FROM ({found} LIMIT :cap)").columns(column("n", Integer))),
        Prepared(text(f"{found} ORDER BY rowid LIMIT :n OFFSET :o").columns(column("rowid", Integer))),
    )


def _sqlite_tier(conn: Connection, match: str, offset: int, limit: int, hidden: str | None) -> tuple[int, list[int]]:
    counting, paging = _sqlite_statements(hidden)
    count = int(counting.scalar(conn, q=match, cap=COUNT_CAP + 1) or 0)
    ids: list[int] = []
    if limit > 0 and offset < count:
        ids = paging.scalars(conn, q=match, n=limit, o=offset)
    return count, ids


# -- PostgreSQL: GIN over the same tokens, then an exact substring check --------------------------------------

_PG_TERMS = (
    "array_to_tsvector(string_to_array(title_terms, ' ') || string_to_array(body_terms, ' ')"
    " || string_to_array(facets, ' '))"
)


def _pg_tsquery(words: list[str], facets: list[str]) -> str:
    parts: list[str] = []
    for word in words:
        tokens = pairs(word)
        parts.extend(f"'{t}':*" if len(word) == 1 else f"'{t}'" for t in tokens)
    parts.extend(f"'{f}'" for f in facets)
    return " & ".join(parts)


@dataclass(frozen=True)
class _Filters:
    """The filters as columns (the many-matches plan reads rows, not the index)."""

    kind: str | None = None
    fiscal_year: int | None = None
    challenge: int | None = None

    def sql(self) -> str:
        parts = [
            f"{name} = :f_{name}" for name in ("kind", "fiscal_year", "challenge") if getattr(self, name) is not None
        ]
        return "".join(f" AND {p}" for p in parts)

    def params(self) -> dict[str, object]:
        return {f"f_{name}": getattr(self, name) for name in ("kind", "fiscal_year", "challenge")}


@lru_cache(maxsize=128)
def _pg_statement(n_words: int, title_only: bool, kind: str, filters: str, hidden: str | None = None) -> TextClause:
    in_title = " AND ".join(f"strpos(folded_title, :w{i}) > 0" for i in range(n_words))
    anywhere = " AND ".join(f"strpos(folded, :w{i}) > 0" for i in range(n_words))
    exact = in_title if title_only else f"{anywhere} AND NOT ({in_title})"
    if hidden is not None:
        exact += f" AND NOT ({hidden})"
    where = f"{_PG_TERMS} @@ CAST(:q AS tsquery) AND {exact}"
    if kind == "count":
        return text(f"SELECT count(*) FROM (SELECT 1 FROM search_entries WHERE {where} LIMIT :cap) AS found")
    if kind == "few":
        # Few matches: all of them through the GIN index, then in order.
        return text(
            f"WITH found AS MATERIALIZED (SELECT id FROM search_entries WHERE {where}) "
            "SELECT id FROM found ORDER BY id LIMIT :n OFFSET :o"
        )
    # Many matches (more than the count cap): walking the primary key in id order with the exact check finds a
    # page almost at once.  The index condition is left out on purpose: the planner underestimates an AND of
    # several common pairs and would fetch every match through the index to sort them.
    return text(f"SELECT id FROM search_entries WHERE {exact}{filters} ORDER BY id LIMIT :n OFFSET :o")


def _pg_tier(
    conn: Connection,
    words: list[str],
    facets: list[str],
    filters: _Filters,
    *,
    title_only: bool,
    offset: int,
    limit: int,
    hidden: str | None,
) -> tuple[int, list[int]]:
    params: dict[str, object] = {"q": _pg_tsquery(words, facets), "cap": COUNT_CAP + 1, **filters.params()}
    params.update({f"w{i}": w for i, w in enumerate(words)})
    count = conn.execute(_pg_statement(len(words), title_only, "count", "", hidden), params).scalar_one()
    ids: list[int] = []
    if limit > 0 and offset < count:
        params.update({"n": limit, "o": offset})
        kind = "few" if count <= COUNT_CAP else "many"
        statement = _pg_statement(len(words), title_only, kind, filters.sql() if kind == "many" else "", hidden)
        ids = list(conn.scalars(statement, params))
    return count, ids


_ENTRIES = Prepared(
    select(
        w.SearchEntry.id,
        w.SearchEntry.kind,
        w.SearchEntry.ref_id,
        w.SearchEntry.title,
        w.SearchEntry.context,
        w.SearchEntry.body,
        w.SearchEntry.fiscal_year,
        w.SearchEntry.issuer,
    ).where(w.SearchEntry.id.in_(bindparam("ids", expanding=True)))
)


def _hits(conn: Connection, ids: list[int], words: list[str], title_ids: set[int]) -> list[SearchHit]:
    if not ids:
        return []
    rows = _ENTRIES.rows(conn, ids=ids)
    by_id = {r.id: r for r in rows}
    return [
        SearchHit(
            kind=SearchKind(r.kind),
            ref_id=r.ref_id,
            title=r.title,
            title_segments=mark(r.title, words),
            snippet=body_snippet(r.body, words),
            context=r.context,
            fiscal_year=r.fiscal_year,
            issuer=r.issuer,
            in_title=r.id in title_ids,
        )
        for i in ids
        if (r := by_id.get(i)) is not None
    ]


def _superseded_in_index() -> ColumnElement[bool]:
    """Plans the index holds for the public only: a published revision while a later one is a draft."""
    return and_(m.Plan.is_current.is_(False), newest_published_revision())


#: Past this many hidden plans the condition is the correlated subquery, not a list of ids.
MAX_LISTED_HIDDEN = 2000


@lru_cache(maxsize=16)
def _hidden_plan_sql(dialect: Dialect, draft_plans: bool) -> str:
    """The condition on ``search_entries`` of the entries of plans that are not the revision the viewer reads
    (:meth:`Visibility.current_filter`): the same for every viewer who sees drafts, and for every one who does
    not, so it is compiled once per engine's dialect, not on every search."""
    current = current_revision(draft_plans)
    read = select(m.Plan.id).where(m.Plan.id == literal_column("search_entries.plan_id"), current)
    compiled = read.compile(dialect=dialect, compile_kwargs={"literal_binds": True})
    return f"search_entries.plan_id IS NOT NULL AND NOT EXISTS ({compiled})"


def _hidden_plans(session: Session, draft_plans: bool, tokens: tuple[str | None, ...]) -> str | None:
    """The same condition as :func:`_hidden_plan_sql`, as the list of the hidden plans' ids (None: no plan is
    hidden).  Checking every match's plan costs a correlated subquery per match (on PostgreSQL at national
    scale 0.2 s for a common word); the hidden plans are few and change only when a plan or a publication is
    written, so their ids are kept per process under ``tokens`` (:func:`_tokens`) and read again as soon as
    one changes."""
    current = current_revision(draft_plans)
    url = session.connection().engine.url

    def hidden() -> tuple[int, ...]:
        return tuple(
            session.scalars(select(m.Plan.id).where(not_(current)).order_by(m.Plan.id).limit(MAX_LISTED_HIDDEN + 1))
        )

    ids = token_cache.cached((url, "hidden plans", draft_plans), tokens, hidden)
    if len(ids) > MAX_LISTED_HIDDEN:
        return _hidden_plan_sql(session.get_bind().dialect, draft_plans)
    if not ids:
        return None
    # Not NULL first: the condition is negated, and NOT (NULL IN (…)) would hide the entries of no plan too.
    return f"search_entries.plan_id IS NOT NULL AND search_entries.plan_id IN ({','.join(str(int(i)) for i in ids)})"


def _hidden_documents(session: Session, vis: Visibility, tokens: tuple[str | None, ...]) -> tuple[int, ...]:
    """The documents hidden from a viewer who does not see drafts, kept per process like the hidden plans."""
    url = session.connection().engine.url
    return token_cache.cached((url, "hidden documents"), tokens, lambda: tuple(vis.hidden_document_ids(session)))


def _tokens(session: Session) -> tuple[str | None, ...]:
    """What the hidden plans and documents depend on, read once per search: plans and publications (the
    ``visibility`` token), the context's sources (``context``), and everything (``all``).  The plans do not
    depend on the context; keeping them under its token too only means reading them again when it changes."""
    return derived.versions(session, [derived.VISIBILITY, derived.CONTEXT, derived.ALL])


def _hidden_sql(session: Session, vis: Visibility) -> str | None:
    """A condition on ``search_entries`` true for entries hidden from the viewer: entries of plans that are not
    the revision the viewer reads (:meth:`Visibility.current_filter`: for the public, the newest published one),
    and source documents of unpublished plans only."""
    if not vis.restricted and session.scalar(select(m.Plan.id).where(_superseded_in_index()).limit(1)) is None:
        return None  # staff read the newest revisions, and the index holds nothing else
    tokens = _tokens(session)
    plan = _hidden_plans(session, vis.draft_plans, tokens)
    documents = _hidden_documents(session, vis, tokens) if vis.restricted else []
    hidden = [f"({plan})"] if plan else []
    if documents:
        listed = ",".join(str(int(d)) for d in documents)
        hidden.append(f"(search_entries.kind = 'document' AND search_entries.ref_id IN ({listed}))")
    return " OR ".join(hidden) or None


def search(
    query: str,
    *,
    viewer: Actor,
    kind: SearchKind | str | None = None,
    fiscal_year: int | None = None,
    challenge: int | None = None,
    page: int = 1,
    per_page: int = 20,
    engine: Engine | None = None,
) -> SearchResults:
    """Ranked results for ``query`` (filters: kind, fiscal year, challenge).  An empty query finds nothing.

    Plans hidden from ``viewer``, their projects and components, and source documents of such plans only,
    are neither found nor counted.
    """
    cleaned = _check(query, page, per_page)
    try:
        kind = SearchKind(kind) if kind else None
    except ValueError:
        raise ValidationError(f"検索対象の種類 {kind!r} は不明です", code="invalid_kind") from None
    eng = checked_engine(engine)
    words = query_words(cleaned)
    result = SearchResults(query=cleaned, words=words, page=page, per_page=per_page)
    if not words:
        return result
    status = sync_search_index(limit=INLINE_PLANS, wait=False, engine=eng)
    result.index_complete = status.complete
    facets = [f"k{kind.value}"] if kind else []
    if fiscal_year is not None:
        facets.append(f"fy{int(fiscal_year)}")
    if challenge is not None:
        facets.append(f"ch{int(challenge)}")
    offset = (page - 1) * per_page
    with read_session(eng) as session:
        conn = session.connection()
        hidden = _hidden_sql(session, visibility_for(viewer))
        if conn.dialect.name == "sqlite":
            in_title, anywhere = _fts_queries(words, facets)
            first_count, first = _sqlite_tier(conn, in_title, offset, per_page, hidden)
        else:
            columns = _Filters(kind.value if kind else None, fiscal_year, challenge)
            first_count, first = _pg_tier(
                conn, words, facets, columns, title_only=True, offset=offset, limit=per_page, hidden=hidden
            )
        second_count, second = 0, list[int]()
        # Title matches alone past the cap: the rest cannot be reached by paging, so they are not looked for.
        if first_count <= COUNT_CAP or offset + per_page > first_count:
            rest_offset = max(0, offset - first_count)
            if conn.dialect.name == "sqlite":
                second_count, second = _sqlite_tier(conn, anywhere, rest_offset, per_page - len(first), hidden)
            else:
                second_count, second = _pg_tier(
                    conn,
                    words,
                    facets,
                    columns,
                    title_only=False,
                    offset=rest_offset,
                    limit=per_page - len(first),
                    hidden=hidden,
                )
        total = first_count + second_count
        result.total = min(total, COUNT_CAP)
        result.total_capped = total > COUNT_CAP
        result.hits = _hits(conn, first + second, words, set(first))
    return result
