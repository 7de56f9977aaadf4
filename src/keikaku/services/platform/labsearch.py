"""かんさいラボサーチ: the public search over the institutions' equipment and services, and the fee a user pays.

Text is folded before it is stored and before it is matched: NFKC (full-width letters, digits and
hyphens become ASCII), upper case, and spaces and dashes removed inside a field, so that ``JSM-IT200``,
``ＪＳＭ－ＩＴ２００`` and ``JSM IT200`` are one model number.  Each word of a query must be a substring
of an entry's folded text (two-character words such as ``硬さ`` work: no tokeniser splits them), and a
word is widened to its synonyms (``synonyms.json``: SEM = 走査電子顕微鏡 = 走査型電子顕微鏡).  Matching
is ``LIKE`` on the folded column, so SQLite and PostgreSQL give the same results.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, and_, func, or_, select
from sqlalchemy.sql.elements import ColumnElement

from keikaku.normalize.text import normalize_text
from keikaku.services.core.db import ensure_schema
from keikaku.services.core.errors import ValidationError
from keikaku.storage import platform as store
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


def _like(word: str) -> str:
    return "%" + word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def query_words(q: str) -> list[tuple[str, ...]]:
    """The query's words, each with its synonyms (folded)."""
    words = []
    for raw in normalize_text(q or "").split():
        word = fold(raw)
        if word:
            words.append(synonym_groups().get(word, (word,)))
    return words


def _condition(words: list[tuple[str, ...]]) -> ColumnElement[bool]:
    column = store.Equipment.search_text
    return and_(True, *(or_(*(column.like(_like(w), escape="\\") for w in group)) for group in words))


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
    """Equipment entries (not withdrawn) matching every word of ``q`` and the filters, by name."""
    if len(q) > 200:
        raise ValidationError("検索語は200文字以内で入力してください")
    e, i = store.Equipment, store.Institution
    where: list[ColumnElement[bool]] = [e.withdrawn.is_(False), _condition(query_words(q))]
    facet_columns = {"prefecture": i.prefecture, "institution": i.name, "category": e.category, "mode": e.mode}
    for name, column in facet_columns.items():
        value = getattr(filters, name)
        if value:
            where.append(column == value)
    base = select(e, i).join(i, i.id == e.institution_id).where(*where)
    with read_session(ensure_schema(engine)) as session:
        total = int(
            session.scalar(select(func.count()).select_from(e).join(i, i.id == e.institution_id).where(*where)) or 0
        )
        pages = max(1, -(-total // PER_PAGE))
        page = min(max(page, 1), pages)
        rows = session.execute(base.order_by(e.name, e.id).limit(PER_PAGE).offset((page - 1) * PER_PAGE)).all()
        facets = {}
        for name, column in facet_columns.items():
            counted = session.execute(
                select(column, func.count())
                .select_from(e)
                .join(i, i.id == e.institution_id)
                .where(*where)
                .group_by(column)
                .order_by(func.count().desc(), column)
            ).all()
            facets[name] = tuple((str(v), int(n)) for v, n in counted)
        hits = []
        for entry, institution in rows:
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
