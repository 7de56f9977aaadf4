"""かんさいラボサーチ's own access count, for the KPI 「かんさいラボサーチ」アクセス件数: page views per day and page.

A view is counted when the visitor is neither a known bot (by its User-Agent) nor signed-in staff.  No IP
address is stored: each view keeps a hash of the address and browser with the day's random salt, so that
the visitors of one day can be counted; the salts of earlier days are deleted when a new day's is made, and
with them any way back from a hash.  The KPI measure ``labsearch_accesses`` sums the fiscal year's views
(:mod:`keikaku.services.platform.counts`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from dataclasses import dataclass

from sqlalchemy import Engine, delete, distinct, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from keikaku.services.core.actors import Actor
from keikaku.services.core.db import ensure_schema
from keikaku.services.platform.common import fiscal_year_bounds
from keikaku.storage import platform as store
from keikaku.storage.uow import read_session, unit_of_work

#: User-Agents of crawlers, monitors and scripts (case-insensitive); an empty User-Agent is not a browser.
BOTS = re.compile(
    r"bot|crawl|spider|slurp|bingpreview|mediapartners|facebookexternalhit|headless|python-requests|"
    r"python-urllib|curl|wget|httpx|go-http-client|java/|libwww|monitor|uptime|scan|preview",
    re.IGNORECASE,
)


def is_bot(user_agent: str | None) -> bool:
    """Whether a User-Agent is a known bot (or missing)."""
    return not (user_agent or "").strip() or bool(BOTS.search(user_agent or ""))


def _salt(session: Session, day: dt.date) -> str:
    row = session.get(store.LabAccessSalt, day)
    if row is not None:
        return row.salt
    session.execute(delete(store.LabAccessSalt).where(store.LabAccessSalt.day < day))
    row = store.LabAccessSalt(day=day, salt=secrets.token_hex(16))
    session.add(row)
    session.flush()
    return row.salt


def record_view(
    page: str,
    *,
    actor: Actor,
    address: str | None,
    user_agent: str | None,
    day: dt.date | None = None,
    engine: Engine | None = None,
) -> bool:
    """Count a page view unless the visitor is a bot or signed in; whether it was counted."""
    if not actor.is_public or is_bot(user_agent):
        return False
    today = day or dt.date.today()
    for _attempt in range(2):  # two first views of a day may race for its salt
        try:
            with unit_of_work(ensure_schema(engine)) as session:
                salt = _salt(session, today)
                visitor = hashlib.sha256(f"{salt}|{address or ''}|{user_agent or ''}".encode()).hexdigest()[:32]
                session.add(store.LabAccess(day=today, page=page[:100], visitor=visitor))
            return True
        except IntegrityError:
            continue
    return False


@dataclass(frozen=True)
class AccessCounts:
    """A fiscal year's counted views and visitors, per day and page."""

    fiscal_year: int
    views: int
    visitors: int
    by_day: tuple[tuple[dt.date, str, int, int], ...]


def access_counts(fiscal_year: int, *, engine: Engine | None = None) -> AccessCounts:
    """Views and visitors (distinct hashes within each day) of a fiscal year, per day and page."""
    start, end = fiscal_year_bounds(fiscal_year)
    a = store.LabAccess
    with read_session(ensure_schema(engine)) as session:
        rows = session.execute(
            select(a.day, a.page, func.count(), func.count(distinct(a.visitor)))
            .where(a.day >= start, a.day <= end)
            .group_by(a.day, a.page)
            .order_by(a.day, a.page)
        ).all()
        by_day = tuple((d, p, int(n), int(v)) for d, p, n, v in rows)
        return AccessCounts(fiscal_year, sum(r[2] for r in by_day), sum(r[3] for r in by_day), by_day)
