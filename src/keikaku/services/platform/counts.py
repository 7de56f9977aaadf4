"""The platform's records counted for a KPI's fiscal year: what the measures of the platform kinds find.

``platform_cases`` (延べ相談件数: cases opened), ``platform_firms`` (実数: distinct firms of those cases),
``platform_matchings`` (accepted need–seed pairs decided in the year), ``platform_interviews_held`` (面談数:
interviews held in the year).  The drill-down counts per month for everyone; names are for those who see
cases (:func:`~keikaku.services.platform.common.can_view_cases`).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import distinct, func, select
from sqlalchemy.orm import Session

from keikaku.services.platform.common import fiscal_year_bounds
from keikaku.storage import events as event_store
from keikaku.storage import platform as store


def _dated(kind: str) -> tuple[Any, list[Any]]:
    """(the date column, the conditions) of the records a kind counts."""
    if kind in ("platform_cases", "platform_firms"):
        return store.Consultation.opened_on, []
    if kind == "platform_matchings":
        return store.MatchDecision.decided_on, [store.MatchDecision.decision == "accepted"]
    return store.Interview.on, [store.Interview.status == store.HELD]


def figure(session: Session, kind: str, fiscal_year: int) -> tuple[float, int]:
    """(value, records) of a platform kind for a fiscal year."""
    start, end = fiscal_year_bounds(fiscal_year)
    column, conditions = _dated(kind)
    where = [column >= start, column <= end, *conditions]
    records = int(session.scalar(select(func.count()).where(*where).select_from(column.class_)) or 0)
    if kind == "platform_firms":
        firms = session.scalar(select(func.count(distinct(store.Consultation.organisation_id))).where(*where))
        return float(firms or 0), records
    return float(records), records


def by_month(session: Session, kind: str, fiscal_year: int) -> list[tuple[str, int]]:
    """Records per month (YYYY-MM) of the fiscal year."""
    start, end = fiscal_year_bounds(fiscal_year)
    column, conditions = _dated(kind)
    days = session.scalars(select(column).where(column >= start, column <= end, *conditions)).all()
    months: dict[str, int] = {}
    for day in sorted(days):
        key = f"{day:%Y-%m}"
        months[key] = months.get(key, 0) + 1
    return list(months.items())


def names(session: Session, kind: str, fiscal_year: int) -> list[tuple[str, str, str]]:
    """(firm, what, date) of each record, for staff who see cases."""
    start, end = fiscal_year_bounds(fiscal_year)
    org = event_store.Organisation
    if kind in ("platform_cases", "platform_firms"):
        c = store.Consultation
        rows = session.execute(
            select(org.name, c.topic, c.opened_on)
            .join(org, org.id == c.organisation_id)
            .where(c.opened_on >= start, c.opened_on <= end)
            .order_by(c.opened_on, c.id)
        ).all()
        return [(a, b, d.isoformat()) for a, b, d in rows]
    if kind == "platform_matchings":
        d = store.MatchDecision
        rows = session.execute(
            select(store.Need.title, store.Seed.title, d.decided_on)
            .join(store.Need, store.Need.id == d.need_id)
            .join(store.Seed, store.Seed.id == d.seed_id)
            .where(d.decision == "accepted", d.decided_on >= start, d.decided_on <= end)
            .order_by(d.decided_on, d.id)
        ).all()
        return [(a, b, day.isoformat()) for a, b, day in rows]
    i = store.Interview
    rows = session.execute(
        select(store.Need.title, store.Seed.title, i.on)
        .join(store.Need, store.Need.id == i.need_id)
        .join(store.Seed, store.Seed.id == i.seed_id)
        .where(i.status == store.HELD, i.on >= start, i.on <= end)
        .order_by(i.on, i.id)
    ).all()
    return [(a, b, day.isoformat()) for a, b, day in rows]
