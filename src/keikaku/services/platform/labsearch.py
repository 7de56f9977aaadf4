"""かんさいラボサーチ: the public search over the institutions' equipment and services, and the fee a user pays.

Text is folded before it is stored and before it is matched: NFKC (full-width letters, digits and
hyphens become ASCII), upper case, and spaces and dashes removed inside a field, so that ``JSM-IT200``,
``ＪＳＭ－ＩＴ２００`` and ``JSM IT200`` are one model number.  Each word of a query must be a substring
of an entry's folded text (two-character words such as ``硬さ`` work: no tokeniser splits them), and a
word is widened to its synonyms (``synonyms.json``: SEM = 走査電子顕微鏡 = 走査型電子顕微鏡).  Matching
is an exact substring test on the folded column (``instr`` / ``strpos``), so SQLite and PostgreSQL give
the same results.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Connection,
    Engine,
    Integer,
    and_,
    delete,
    event,
    func,
    insert,
    inspect,
    literal,
    or_,
    select,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Mapper
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.functions import FunctionElement

from keikaku.normalize.text import normalize_text
from keikaku.services.core.db import checked_engine
from keikaku.services.core.errors import ValidationError
from keikaku.services.core.paging import page_count
from keikaku.storage import platform as store
from keikaku.storage.in_lists import in_chunks
from keikaku.storage.uow import read_session

SYNONYMS = Path(__file__).with_name("synonyms.json")
_DASHES = re.compile(r"[\s\-‐‑‒–—―−_・/.]+")
#: The union's area (構成府県市 of 関西広域連合), for the union-area fee.
UNION_AREA = frozenset({"滋賀県", "京都府", "大阪府", "兵庫県", "奈良県", "和歌山県", "鳥取県", "徳島県"})
USER_CATEGORIES = {"own": "施設と同じ府県の企業", "union": "関西広域連合の区域の企業", "other": "その他"}
PER_PAGE = 20


def fold(text: str | None) -> str:
    """Text as the search compares it: NFKC, upper case, no spaces or dashes."""
    return _DASHES.sub("", normalize_text(text or "").upper())


@lru_cache(maxsize=1)
def synonym_groups() -> dict[str, tuple[str, ...]]:
    """Folded word → the folded words of its synonym group (itself included)."""
    data = json.loads(SYNONYMS.read_text(encoding="utf-8"))
    found: dict[str, tuple[str, ...]] = {}
    for group in data["groups"]:
        folded = tuple(dict.fromkeys(fold(w) for w in group))
        for word in folded:
            found[word] = folded
    return found


def search_text(*fields: str | None) -> str:
    """The folded text stored with an entry: its fields folded, separated by ``|``."""
    return "|" + "|".join(fold(f) for f in fields if f) + "|"


class _Contains(FunctionElement[int]):
    """The position of a substring (0 when absent): ``instr`` in SQLite, ``strpos`` in PostgreSQL.

    Both compare exactly, character by character, as the folded text and words need; neither has the
    wildcards or the ASCII case folding of SQLite's ``LIKE``, and both are several times faster than it."""

    type = Integer()
    inherit_cache = True


@compiles(_Contains)
def _instr(element: _Contains, compiler: SQLCompiler, **kw: Any) -> str:
    return f"instr({compiler.process(element.clauses, **kw)})"


@compiles(_Contains, "postgresql")
def _strpos(element: _Contains, compiler: SQLCompiler, **kw: Any) -> str:
    return f"strpos({compiler.process(element.clauses, **kw)})"


def query_words(q: str) -> list[tuple[str, ...]]:
    """The query's words, each with its synonyms (folded)."""
    words = []
    for raw in normalize_text(q or "").split():
        word = fold(raw)
        if word:
            words.append(synonym_groups().get(word, (word,)))
    return words


def grams(text: str) -> set[str]:
    """The character bigrams of a folded text: what ``lab_equipment_grams`` holds for an entry."""
    return {text[n : n + 2] for n in range(len(text) - 1)}


def reindex(connection: Connection, texts: dict[int, str]) -> None:
    """Replace the bigrams of the entries ``texts`` (id → folded search text)."""
    g = store.EquipmentGram
    ids = list(texts)
    for chunk in in_chunks(ids):
        connection.execute(delete(g).where(g.equipment_id.in_(chunk)))
    rows = [{"gram": gram, "equipment_id": i} for i, text in texts.items() for gram in grams(text)]
    for start in range(0, len(rows), 10_000):
        connection.execute(insert(g), rows[start : start + 10_000])


@event.listens_for(store.Equipment, "after_insert")
@event.listens_for(store.Equipment, "after_update")
def _index_entry(_mapper: Mapper[store.Equipment], connection: Connection, target: store.Equipment) -> None:
    """Keep an entry's bigrams with its search text, in the same transaction (the import writes entries
    through the ORM; a bulk load calls :func:`reindex` itself)."""
    if inspect(target).attrs.search_text.history.has_changes():
        reindex(connection, {target.id: target.search_text})


def _group(words: tuple[str, ...]) -> ColumnElement[bool]:
    """An entry's folded text contains one of ``words`` (a word and its synonyms).

    Every entry holding a word of two characters or more holds the word's first bigram, so the entries are
    read from the bigram index and confirmed by the text test (not needed when every word is two characters,
    its own bigram).  A one-character word has no bigram: the text of every entry is tested."""
    e, g = store.Equipment, store.EquipmentGram
    contains = or_(*(_Contains(e.search_text, literal(w)) > 0 for w in words))
    if any(len(w) < 2 for w in words):
        return contains
    found = e.id.in_(select(g.equipment_id).where(g.gram.in_(sorted({w[:2] for w in words}))))
    return found if all(len(w) == 2 for w in words) else and_(found, contains)


@dataclass(frozen=True)
class Filters:
    """Facet filters of a search."""

    prefecture: str = ""
    institution: str = ""
    category: str = ""
    mode: str = ""


@dataclass(frozen=True)
class EquipmentHit:
    """A search result, with the fee for the user's category."""

    id: int
    name: str
    category: str
    maker: str | None
    model: str | None
    specification: str | None
    mode: str
    institution: str
    prefecture: str
    base_fee: float | None
    fee: float | None
    fee_unit: str | None
    requirements: str | None
    updated_on: dt.date


@dataclass(frozen=True)
class SearchResult:
    """A page of results, the total, and the facets (value, count) of the whole result."""

    q: str
    total: int
    page: int
    pages: int
    hits: tuple[EquipmentHit, ...]
    facets: dict[str, tuple[tuple[str, int], ...]]
    user_category: str


def fee_for(base: float | None, rule: dict[str, Any], category: str) -> float | None:
    """The fee a user of ``category`` (own / union / other) pays: the base times the institution's factor."""
    if base is None:
        return None
    factor = float(rule.get(category, 1.0)) if rule else 1.0
    return round(base * factor)


def user_category_for(user_prefecture: str, institution_prefecture: str) -> str:
    """own, union or other for a firm of ``user_prefecture`` using an institution of ``institution_prefecture``."""
    if user_prefecture == institution_prefecture:
        return "own"
    return "union" if user_prefecture in UNION_AREA else "other"


def search(
    q: str = "",
    filters: Filters = Filters(),
    *,
    page: int = 1,
    user_prefecture: str = "",
    engine: Engine | None = None,
) -> SearchResult:
    """Equipment entries (not withdrawn) matching every word of ``q`` and the filters, by name.

    Two queries, whatever the facets: the counts of the matching entries by institution, category and mode
    (the total and all four facets come from them; the institutions, a short list, are read once), and the
    page.  Search words find their entries through the bigram index; without words, both queries read the
    indexes of the listing and of the facets.  Facet values of equal counts are ordered by code point."""
    if len(q) > 200:
        raise ValidationError("検索語は200文字以内で入力してください")
    e = store.Equipment
    with read_session(checked_engine(engine)) as session:
        institutions = {
            row.id: row
            for row in session.execute(
                select(
                    store.Institution.id,
                    store.Institution.name,
                    store.Institution.prefecture,
                    store.Institution.fee_rule,
                )
            )
        }
        words = query_words(q)
        where: list[ColumnElement[bool]] = [e.withdrawn.is_(False), *(_group(group) for group in words)]
        if filters.prefecture or filters.institution:
            chosen = [
                i
                for i, row in institutions.items()
                if filters.prefecture in ("", row.prefecture) and filters.institution in ("", row.name)
            ]
            where.append(e.institution_id.in_(chosen))
        if filters.category:
            where.append(e.category == filters.category)
        if filters.mode:
            where.append(e.mode == filters.mode)
        groups = session.execute(
            select(e.institution_id, e.category, e.mode, func.count())
            .where(*where)
            .group_by(e.institution_id, e.category, e.mode)
        ).all()
        counts: dict[str, Counter[str]] = {
            name: Counter() for name in ("prefecture", "institution", "category", "mode")
        }
        for institution_id, category, mode, n in groups:
            institution = institutions[institution_id]
            for name, value in (
                ("prefecture", institution.prefecture),
                ("institution", institution.name),
                ("category", category),
                ("mode", mode),
            ):
                counts[name][value] += n
        total = sum(counts["mode"].values())
        pages = page_count(total, PER_PAGE)
        page = min(max(page, 1), pages)
        rows = session.scalars(
            select(e).where(*where).order_by(e.name, e.id).limit(PER_PAGE).offset((page - 1) * PER_PAGE)
        ).all()
        facets = {
            name: tuple(sorted(((str(v), n) for v, n in counted.items()), key=lambda x: (-x[1], x[0])))
            for name, counted in counts.items()
        }
        hits = []
        for entry in rows:
            institution = institutions[entry.institution_id]
            category = user_category_for(user_prefecture, institution.prefecture) if user_prefecture else "union"
            hits.append(
                EquipmentHit(
                    entry.id,
                    entry.name,
                    entry.category,
                    entry.maker,
                    entry.model,
                    entry.specification,
                    entry.mode,
                    institution.name,
                    institution.prefecture,
                    entry.fee,
                    fee_for(entry.fee, institution.fee_rule or {}, category),
                    entry.fee_unit,
                    entry.requirements,
                    entry.updated_on,
                )
            )
        return SearchResult(q, total, page, pages, tuple(hits), facets, user_prefecture)
