"""What a communications measure counts over a fiscal year (1 April – 31 March), from the records alone.

Used by :mod:`keikaku.services.measures.compute` (which stores the result as a computed actual); it reads
storage only, so that the measures package can call it without importing the communications services.

``params`` of a measure: ``fiscal_year``, and by kind ``property`` and ``pages`` (path prefixes) for
``web_views`` / ``web_sessions``; ``media`` for ``listings`` / ``posts`` / ``pr_items``; ``audience`` for
``pr_items``; ``directory`` for ``directory_entries``.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session

from keikaku.services.surveys.bank import SATISFACTION, SATISFIED
from keikaku.storage import communications as store
from keikaku.storage import events as event_store
from keikaku.storage import surveys as survey_store

LABELS = {
    "web_views": "閲覧数（ページビュー）",
    "web_sessions": "アクセス数（セッション）",
    "listings": "データベース掲載件数（新規のスタートアップ×データベース）",
    "posts": "発信件数（HP・SNS・メールマガジン）",
    "pr_items": "PR回数（展示会・プレスリリース）",
    "newsletter_issues": "情報紙の発行回数",
    "newsletter_subscribers": "情報紙の購読者数（年度内最新号）",
    "newsletter_satisfaction": "情報紙の読者満足度（満足・やや満足の割合）",
    "directory_entries": "掲載企業数",
    "ranking": "順位（直近2年の推移）",
    "events_held": "開催回数（イベントの種別ごと）",
}
#: The kinds a communications measure may have, in the order the forms offer them.
KINDS = tuple(LABELS)
#: Directories of firms (code → name).
DIRECTORIES = {
    "kansai_companies": "The Kansai Companies Profile",
    "hydrogen": "水素・燃料電池関連企業",
}


def fiscal_bounds(year: int) -> tuple[dt.date, dt.date]:
    """The first and last day of a fiscal year (年度)."""
    return dt.date(year, 4, 1), dt.date(year + 1, 3, 31)


@dataclass(frozen=True)
class CommsFigure:
    """The value, the number of records behind it, per-month counts, and rows for staff."""

    value: float
    records: int
    months: tuple[tuple[str, int], ...]
    rows: tuple[tuple[str, str, str], ...]
    departments: tuple[str, ...]
    numerator: float | None = None
    denominator: float | None = None
    blanks: int | None = None
    note: str | None = None


def _months(pairs: list[tuple[dt.date, int]]) -> tuple[tuple[str, int], ...]:
    acc: Counter[str] = Counter()
    for day, n in pairs:
        acc[f"{day.year}-{day.month:02d}"] += n
    return tuple(sorted(acc.items()))


def _web(session: Session, kind: str, params: dict[str, Any], start: dt.date, end: dt.date) -> CommsFigure:
    prop = session.scalar(select(store.WebProperty).where(store.WebProperty.code == params.get("property")))
    if prop is None:
        return CommsFigure(0.0, 0, (), (), ())
    metric = store.WebMetric.views if kind == "web_views" else store.WebMetric.sessions
    where: list[ColumnElement[bool]] = [
        store.WebMetric.property_id == prop.id,
        store.WebMetric.day >= start,
        store.WebMetric.day <= end,
    ]
    pages = [str(p) for p in params.get("pages") or []]
    if pages:
        where.append(or_(*(store.WebMetric.page_path.startswith(p, autoescape=True) for p in pages)))
    rows = session.execute(
        select(store.WebMetric.day, func.sum(metric), func.count()).where(*where).group_by(store.WebMetric.day)
    ).all()
    total = sum(int(v or 0) for _d, v, _n in rows)
    return CommsFigure(
        float(total),
        sum(int(n) for _d, _v, n in rows),
        _months([(d, int(v or 0)) for d, v, _n in rows]),
        (),
        (prop.department,),
    )


_ENTRY_KIND = {"listings": "listing", "posts": "post", "pr_items": "pr"}


def _entries(  # noqa: PLR0917 - private; a measure's parameters and its year
    session: Session, kind: str, params: dict[str, Any], start: dt.date, end: dt.date, detail: bool
) -> CommsFigure:
    entry = store.ActivityEntry
    where: list[ColumnElement[bool]] = [entry.kind == _ENTRY_KIND[kind]]
    media = [str(m) for m in params.get("media") or []]
    if media:
        where.append(entry.medium.in_(media))
    if kind == "pr_items" and params.get("audience"):
        where.append(entry.audience == params["audience"])
    # Columns, not entities: a national year has tens of thousands of entries.
    columns = (entry.title, entry.medium, entry.entry_date, entry.department)
    if kind == "listings":
        # A pair counts in the year it was first confirmed: a pair confirmed again later is not new.
        first = (
            select(entry.medium, entry.folded, func.min(entry.entry_date).label("first"))
            .where(*where)
            .group_by(entry.medium, entry.folded)
            .subquery()
        )
        if not detail:  # the number of pairs first confirmed in the year
            n = int(
                session.scalar(
                    select(func.count()).select_from(first).where(first.c.first >= start, first.c.first <= end)
                )
                or 0
            )
            return CommsFigure(float(n), n, (), (), ())
        found = session.execute(
            select(*columns, entry.folded)
            .join(first, (first.c.medium == entry.medium) & (first.c.folded == entry.folded))
            .where(*where, entry.entry_date == first.c.first, first.c.first >= start, first.c.first <= end)
            .order_by(entry.entry_date, entry.id)
        ).all()
        unique = {(r.medium, r.folded): r for r in found}
        rows = list(unique.values())
    elif not detail:
        n = int(
            session.scalar(
                select(func.count())
                .select_from(entry)
                .where(*where, entry.entry_date >= start, entry.entry_date <= end)
            )
            or 0
        )
        return CommsFigure(float(n), n, (), (), ())
    else:
        rows = list(
            session.execute(
                select(*columns)
                .where(*where, entry.entry_date >= start, entry.entry_date <= end)
                .order_by(entry.entry_date, entry.id)
            )
        )
    chosen = [(str(r.title), str(r.medium), r.entry_date, str(r.department)) for r in rows]
    return CommsFigure(
        float(len(chosen)),
        len(chosen),
        _months([(day, 1) for _t, _m, day, _d in chosen]),
        tuple((title, medium, day.isoformat()) for title, medium, day, _d in chosen),
        tuple(sorted({d for _t, _m, _day, d in chosen})),
    )


def _newsletter(session: Session, kind: str, start: dt.date, end: dt.date) -> CommsFigure:
    issue = store.NewsletterIssue
    rows = session.scalars(
        select(issue).where(issue.issue_date >= start, issue.issue_date <= end).order_by(issue.issue_date)
    ).all()
    if kind == "newsletter_issues":
        value = float(len(rows))
    else:
        counted = [r for r in rows if r.subscribers is not None]
        value = float(counted[-1].subscribers or 0) if counted else 0.0
    return CommsFigure(
        value,
        len(rows),
        _months([(r.issue_date, 1 if kind == "newsletter_issues" else int(r.subscribers or 0)) for r in rows]),
        tuple((f"第{r.number}号 {r.theme}", str(r.subscribers or ""), r.issue_date.isoformat()) for r in rows),
        tuple(sorted({r.department for r in rows})),
    )


#: The reader survey's question of the bank.
READER_QUESTION = "reader5"


def _satisfaction(session: Session, start: dt.date, end: dt.date) -> CommsFigure:
    """Top-2 box (満足 + やや満足) over the non-blank answers of the reader surveys of the year's issues."""
    issue = store.NewsletterIssue
    surveys = select(issue.survey_id).where(
        issue.issue_date >= start, issue.issue_date <= end, issue.survey_id.is_not(None)
    )
    question = session.scalar(select(survey_store.Question.id).where(survey_store.Question.code == READER_QUESTION))
    responses = survey_store.count_responses(session, survey_store.SurveyResponse.survey_id.in_(surveys))
    found = dict(
        session.execute(
            select(survey_store.SurveyAnswer.option_code, func.count())
            .join(survey_store.SurveyResponse, survey_store.SurveyResponse.id == survey_store.SurveyAnswer.response_id)
            .where(
                survey_store.SurveyResponse.survey_id.in_(surveys),
                survey_store.SurveyAnswer.question_id == question,
                survey_store.SurveyAnswer.option_code.is_not(None),
            )
            .group_by(survey_store.SurveyAnswer.option_code)
        ).all()
    )
    answered = sum(int(n) for n in found.values())
    hits = sum(int(found.get(c, 0)) for c in SATISFIED)
    counts = [(("★ " if c in SATISFIED else "") + label, int(found.get(c, 0))) for c, label in SATISFACTION]
    departments = session.scalars(
        select(issue.department).where(issue.issue_date >= start, issue.issue_date <= end).distinct()
    ).all()
    return CommsFigure(
        round(100.0 * hits / answered, 1) if answered else 0.0,
        responses,
        (*counts, ("無回答", responses - answered)),
        (),
        tuple(departments),
        float(hits),
        float(answered),
        responses - answered,
    )


def _directory(session: Session, params: dict[str, Any], year: int) -> CommsFigure:
    entry = store.DirectoryEntry
    rows = session.execute(
        select(entry.year_listed, func.count())
        .where(entry.directory == params.get("directory"), entry.year_listed <= year)
        .group_by(entry.year_listed)
    ).all()
    total = sum(int(n) for _y, n in rows)
    return CommsFigure(float(total), total, tuple((f"{y}年度掲載", int(n)) for y, n in sorted(rows)), (), ())


def _ranking(session: Session, params: dict[str, Any], year: int) -> CommsFigure:
    """The latest rank published up to the fiscal year, and which way it moved from the year before (a
    lower rank is better: 維持・向上 holds when it did not grow)."""
    entry = store.RankingEntry
    rows = session.scalars(
        select(entry).where(entry.ranking == params.get("ranking"), entry.year <= year).order_by(entry.year.desc())
    ).all()[:2]
    if not rows:
        return CommsFigure(0.0, 0, (), (), ())
    latest = rows[0]
    note = None
    if len(rows) == 2:
        before = rows[1]
        way = "向上" if latest.rank < before.rank else "維持" if latest.rank == before.rank else "後退"
        note = f"{way}（{before.year}年 {before.rank}位 → {latest.year}年 {latest.rank}位）"
    return CommsFigure(
        float(latest.rank),
        len(rows),
        tuple((f"{r.year}年", r.rank) for r in reversed(rows)),
        tuple((f"{r.rank}位", r.source, str(r.year)) for r in rows),
        (latest.department,),
        note=note,
    )


def _events_held(session: Session, params: dict[str, Any], start: dt.date, end: dt.date, detail: bool) -> CommsFigure:
    """Managed events of a kind (seminar, forum…) starting in the fiscal year."""
    event = event_store.ManagedEvent
    where = (event.kind == params.get("event_kind"), event.start_date >= start, event.start_date <= end)
    if not detail:
        n = int(session.scalar(select(func.count()).select_from(event).where(*where)) or 0)
        return CommsFigure(float(n), n, (), (), ())
    # Columns, not entities: a national year has tens of thousands of events.
    rows = session.execute(
        select(event.name, event.venue, event.start_date, event.department)
        .where(*where)
        .order_by(event.start_date, event.id)
    ).all()
    return CommsFigure(
        float(len(rows)),
        len(rows),
        _months([(r.start_date, 1) for r in rows]),
        tuple((r.name, r.venue or "", r.start_date.isoformat()) for r in rows),
        tuple(sorted({r.department for r in rows})),
    )


def evaluate_communications(session: Session, kind: str, params: dict[str, Any], *, detail: bool = True) -> CommsFigure:
    """The figure of a communications measure over its fiscal year; without ``detail`` only its value and
    number of records (counted in SQL: what a computation stores), not the months and rows a drill-down
    shows."""
    year = int(params.get("fiscal_year") or 0)
    start, end = fiscal_bounds(year)
    if kind in ("web_views", "web_sessions"):
        return _web(session, kind, params, start, end)
    if kind in _ENTRY_KIND:
        return _entries(session, kind, params, start, end, detail)
    if kind == "newsletter_satisfaction":
        return _satisfaction(session, start, end)
    if kind == "ranking":
        return _ranking(session, params, year)
    if kind == "events_held":
        return _events_held(session, params, start, end, detail)
    if kind in ("newsletter_issues", "newsletter_subscribers"):
        return _newsletter(session, kind, start, end)
    return _directory(session, params, year)
